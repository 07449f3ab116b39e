package wire

import (
	"errors"
	"strconv"
)

// KafkaError is an error code a broker answered with: its number, Kafka's
// name for it, whether retrying the same request may succeed, and what it
// means. Every code this package knows has one sentinel (ErrNotLeaderOrFollower
// and so on) that errors.Is matches; two KafkaErrors also match when their
// codes are equal, so an unknown code still compares by number.
type KafkaError struct {
	Code int16
	// Name is Kafka's name for the code, e.g. NOT_LEADER_OR_FOLLOWER.
	Name string
	// Retriable is true when the same request may succeed if sent again,
	// typically after a metadata refresh or a backoff.
	Retriable bool
	Message   string
}

func (e *KafkaError) Error() string {
	return "kafka: " + e.Name + " (" + strconv.Itoa(int(e.Code)) + "): " + e.Message
}

// Is reports whether target is a *KafkaError with the same code.
func (e *KafkaError) Is(target error) bool {
	t, ok := target.(*KafkaError)
	return ok && t.Code == e.Code
}

// ErrorForCode returns the error for a broker's error code: nil for 0, the
// sentinel for a known code, and a new non-retriable *KafkaError named
// UNKNOWN_ERROR_CODE for any other.
func ErrorForCode(code int16) error {
	if code == 0 {
		return nil
	}
	if i := int(code) + 1; i >= 0 && i < len(kafkaErrorsByCode) && kafkaErrorsByCode[i] != nil {
		return kafkaErrorsByCode[i]
	}
	return &KafkaError{Code: code, Name: "UNKNOWN_ERROR_CODE", Message: "the broker answered with an error code this client does not know."}
}

// IsRetriable reports whether err is, or wraps, a retriable *KafkaError.
func IsRetriable(err error) bool {
	var ke *KafkaError
	return errors.As(err, &ke) && ke.Retriable
}

// kafkaErrorsByCode holds every sentinel at index code+1 (codes start at -1).
var kafkaErrorsByCode = indexByCode(kafkaErrors)

func indexByCode(all []*KafkaError) []*KafkaError {
	var hi int16
	for _, e := range all {
		hi = max(hi, e.Code)
	}
	byCode := make([]*KafkaError, int(hi)+2)
	for _, e := range all {
		byCode[int(e.Code)+1] = e
	}
	return byCode
}
