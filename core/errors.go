package core

import (
	"errors"
	"fmt"
)

// The producer's errors. Every error the producer returns or hands to a
// callback wraps one of these (or a broker's error code) with %w, so callers
// test the kind with errors.Is and read the details in the message.
var (
	// ErrInvalidConfig: a configuration property is unknown, malformed, out
	// of range, or contradicts another property. Errors of this kind are
	// *ConfigError values, which name the property.
	ErrInvalidConfig = errors.New("invalid producer configuration")
	// ErrRecordTooLarge: the record, once encoded, is larger than
	// max.request.size or buffer.memory, so no batch could ever carry it.
	// Send refuses such a record at once; it is never retried.
	ErrRecordTooLarge = errors.New("record is larger than max.request.size or buffer.memory")
	// ErrTimeout: a deadline passed before the work was done: max.block.ms
	// while waiting for metadata or buffer memory, or delivery.timeout.ms
	// before the broker acknowledged a record.
	ErrTimeout = errors.New("producer timed out")
	// ErrClosed: the producer was closed before the call, or closed while
	// the record was still waiting to be sent.
	ErrClosed = errors.New("producer is closed")
	// ErrUnknownTopic: the cluster does not know the topic (metadata said so
	// for longer than max.block.ms).
	ErrUnknownTopic = errors.New("unknown topic")
	// ErrInvalidPartition: the record names a partition the topic does not
	// have (negative, or not below the topic's partition count).
	ErrInvalidPartition = errors.New("invalid partition")
)

// ConfigError says which configuration property is wrong and why. It wraps
// ErrInvalidConfig.
type ConfigError struct {
	// Key is the Kafka property name, such as "linger.ms".
	Key string
	// Value is the value given for Key, as text.
	Value string
	// Reason says what is wrong, as a phrase: "must be at least 1".
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%v: %s=%q %s", ErrInvalidConfig, e.Key, e.Value, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }
