package core

import (
	"context"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestFirstSendToATopicSkipsRetryBackoff: with retry.backoff.ms at an hour,
// the producer's first Metadata request, and the first one for each topic
// it has not asked about, still go out at once: Sends to two new topics,
// one after the other, are delivered well within the test's deadline. (A
// backoff after the previous attempt would hold each for the hour, past
// max.block.ms.)
func TestFirstSendToATopicSkipsRetryBackoff(t *testing.T) {
	c := kafkatest.NewCluster(t, 1, "first", 1, kfake.SeedTopics(1, "second"))
	p := newTestProducer(t, c, func(cfg *Config) { cfg.RetryBackoff, cfg.MaxBlock = time.Hour, testDeadline })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	for _, topic := range []string{"first", "second"} {
		done := make(chan error, 1)
		r := Record{Topic: topic, Value: []byte(topic)}
		if err := p.Send(ctx, &r, func(_ RecordMetadata, err error) { done <- err }); err != nil {
			t.Fatalf("Send to %s: %v", topic, err)
		}
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("record to %s: %v", topic, err)
			}
		case <-ctx.Done():
			t.Fatalf("the record to %s waited for retry.backoff.ms", topic)
		}
		got := kafkatest.Consume(t, c, topic, 1)
		if string(got[0].Value) != topic {
			t.Fatalf("read %q from %s", got[0].Value, topic)
		}
	}
}
