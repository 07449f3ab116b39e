package wire

import (
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kerr"
)

// TestKafkaErrorsMatchKerr checks every code's name and retriable flag
// against franz-go's independent table.
func TestKafkaErrorsMatchKerr(t *testing.T) {
	renamed := map[int16]string{6: "NOT_LEADER_FOR_PARTITION"} // kerr keeps the pre-2.6 name
	seen := map[int16]bool{}
	for _, e := range kafkaErrors {
		if seen[e.Code] {
			t.Fatalf("code %d listed twice", e.Code)
		}
		seen[e.Code] = true
		if got := ErrorForCode(e.Code); got != e {
			t.Errorf("ErrorForCode(%d) = %v, want the sentinel %v", e.Code, got, e)
		}
		k, ok := kerr.ErrorForCode(e.Code).(*kerr.Error)
		if !ok {
			t.Errorf("kerr does not know code %d (%s)", e.Code, e.Name)
			continue
		}
		wantName := k.Message
		if n, ok := renamed[e.Code]; ok && n == k.Message {
			wantName = e.Name
		}
		if e.Name != wantName || e.Retriable != k.Retriable {
			t.Errorf("code %d: %s retriable %v; kerr says %s retriable %v", e.Code, e.Name, e.Retriable, k.Message, k.Retriable)
		}
	}
	for code := int16(-1); code <= 120; code++ {
		if code != 0 && !seen[code] {
			t.Errorf("code %d missing", code)
		}
	}
}

func TestErrorForCode(t *testing.T) {
	if ErrorForCode(0) != nil {
		t.Fatal("code 0 is an error")
	}
	cases := []struct {
		code      int16
		is        error
		retriable bool
	}{
		{6, ErrNotLeaderOrFollower, true},
		{3, ErrUnknownTopicOrPartition, true},
		{19, ErrNotEnoughReplicas, true},
		{20, ErrNotEnoughReplicasAfterAppend, true},
		{45, ErrOutOfOrderSequenceNumber, false},
		{46, ErrDuplicateSequenceNumber, false},
		{47, ErrInvalidProducerEpoch, false},
		{59, ErrUnknownProducerID, false},
		{10, ErrMessageTooLarge, false},
		{35, ErrBrokerUnsupportedVersion, false},
		{89, ErrThrottlingQuotaExceeded, true},
	}
	for _, c := range cases {
		err := fmt.Errorf("produce to p0: %w", ErrorForCode(c.code))
		if !errors.Is(err, c.is) || IsRetriable(err) != c.retriable {
			t.Errorf("code %d: errors.Is(%v) = %v, retriable %v", c.code, c.is, errors.Is(err, c.is), IsRetriable(err))
		}
	}
	unknown := ErrorForCode(31000)
	var ke *KafkaError
	if !errors.As(unknown, &ke) || ke.Code != 31000 || ke.Retriable || !errors.Is(unknown, &KafkaError{Code: 31000}) {
		t.Fatalf("unknown code: %v", unknown)
	}
	if errors.Is(unknown, ErrUnknownServerError) || IsRetriable(errors.New("x")) {
		t.Fatal("unrelated errors match")
	}
	if got := ErrNotLeaderOrFollower.Error(); got[:len("kafka: NOT_LEADER_OR_FOLLOWER (6)")] != "kafka: NOT_LEADER_OR_FOLLOWER (6)" {
		t.Fatalf("message = %q", got)
	}
}
