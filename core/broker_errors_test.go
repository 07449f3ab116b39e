package core_test

import (
	"context"
	"errors"
	"testing"

	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestProduceBrokerErrorsMatchCore has the broker answer every Produce
// request with one error code, and checks, as an application would with no
// import of the protocol package, that the record's callback gets an error
// matching core's sentinel for the code and carrying a *core.KafkaError.
func TestProduceBrokerErrorsMatchCore(t *testing.T) {
	cases := []struct {
		code *kerr.Error
		want error
	}{
		{kerr.TopicAuthorizationFailed, core.ErrTopicAuthorizationFailed},
		{kerr.InvalidRecord, core.ErrBrokerInvalidRecord},
		{kerr.PolicyViolation, core.ErrPolicyViolation},
		// Retriable: the error comes once the one retry allowed fails too.
		{kerr.NotEnoughReplicas, core.ErrNotEnoughReplicas},
	}
	for _, tc := range cases {
		t.Run(tc.code.Message, func(t *testing.T) {
			const topic = "t"
			c := kafkatest.NewCluster(t, 1, topic, 1)
			c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Err: tc.code, Count: -1})
			cfg := core.DefaultConfig()
			cfg.BootstrapServers = c.ListenAddrs()
			cfg.Retries = 1
			p, err := core.NewProducer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), kafkatest.Deadline)
			defer cancel()
			defer p.Close(ctx)

			done := make(chan error, 1)
			rec := core.Record{Topic: topic, Value: []byte("refused")}
			if err := p.Send(ctx, &rec, func(_ core.RecordMetadata, err error) { done <- err }); err != nil {
				t.Fatalf("Send: %v", err)
			}
			var got error
			select {
			case got = <-done:
			case <-ctx.Done():
				t.Fatalf("no callback within %v", kafkatest.Deadline)
			}
			if !errors.Is(got, tc.want) {
				t.Fatalf("callback error %v does not match %v", got, tc.want)
			}
			var ke *core.KafkaError
			if !errors.As(got, &ke) || ke.Code != tc.code.Code || ke.Name != tc.code.Message {
				t.Fatalf("callback error %v: errors.As found %+v, want code %d (%s)", got, ke, tc.code.Code, tc.code.Message)
			}
		})
	}
}

// TestBrokerErrorsAreWireValues checks that each of core's broker sentinels
// is the protocol package's value for the same code, so errors.Is matches
// the errors the producer builds from broker answers.
func TestBrokerErrorsAreWireValues(t *testing.T) {
	cases := []struct {
		core, wire *core.KafkaError
	}{
		{core.ErrTopicAuthorizationFailed, wire.ErrTopicAuthorizationFailed},
		{core.ErrClusterAuthorizationFailed, wire.ErrClusterAuthorizationFailed},
		{core.ErrUnknownTopicOrPartition, wire.ErrUnknownTopicOrPartition},
		{core.ErrUnknownTopicID, wire.ErrUnknownTopicID},
		{core.ErrInvalidTopicException, wire.ErrInvalidTopicException},
		{core.ErrNotLeaderOrFollower, wire.ErrNotLeaderOrFollower},
		{core.ErrLeaderNotAvailable, wire.ErrLeaderNotAvailable},
		{core.ErrRequestTimedOut, wire.ErrRequestTimedOut},
		{core.ErrNetworkException, wire.ErrNetworkException},
		{core.ErrNotEnoughReplicas, wire.ErrNotEnoughReplicas},
		{core.ErrNotEnoughReplicasAfterAppend, wire.ErrNotEnoughReplicasAfterAppend},
		{core.ErrKafkaStorageError, wire.ErrKafkaStorageError},
		{core.ErrMessageTooLarge, wire.ErrMessageTooLarge},
		{core.ErrRecordListTooLarge, wire.ErrRecordListTooLarge},
		{core.ErrCorruptMessage, wire.ErrCorruptMessage},
		{core.ErrBrokerInvalidRecord, wire.ErrInvalidRecord},
		{core.ErrInvalidTimestamp, wire.ErrInvalidTimestamp},
		{core.ErrPolicyViolation, wire.ErrPolicyViolation},
		{core.ErrUnsupportedCompressionType, wire.ErrUnsupportedCompressionType},
		{core.ErrOutOfOrderSequenceNumber, wire.ErrOutOfOrderSequenceNumber},
		{core.ErrUnknownProducerID, wire.ErrUnknownProducerID},
		{core.ErrInvalidProducerEpoch, wire.ErrInvalidProducerEpoch},
		{core.ErrThrottlingQuotaExceeded, wire.ErrThrottlingQuotaExceeded},
		{core.ErrUnknownServerError, wire.ErrUnknownServerError},
	}
	for _, tc := range cases {
		if tc.core != tc.wire || wire.ErrorForCode(tc.wire.Code) != tc.core {
			t.Errorf("core's sentinel is %s (%d), want the protocol package's %s (%d)", tc.core.Name, tc.core.Code, tc.wire.Name, tc.wire.Code)
		}
	}
}
