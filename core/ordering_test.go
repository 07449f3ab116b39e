package core

import (
	"context"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestLeaderMoveDoesNotReorder holds a batch in flight to a partition's old
// leader while the partition moves, then sends the next record: it must not
// overtake the held one through the new leader, with or without
// idempotence (max.in.flight=1 is Kafka's way to keep order without it).
func TestLeaderMoveDoesNotReorder(t *testing.T) {
	for _, idempotent := range []bool{true, false} {
		t.Run(map[bool]string{true: "idempotent", false: "max.in.flight=1"}[idempotent], func(t *testing.T) {
			const topic = "moving"
			// Partition 1 stays on broker 1, so the producer has a free
			// connection there for metadata while broker 0 holds a request.
			c := kafkatest.NewCluster(t, 2, topic, 2)
			if err := c.MoveTopicPartition(topic, 0, 0); err != nil {
				t.Fatal(err)
			}
			if err := c.MoveTopicPartition(topic, 1, 1); err != nil {
				t.Fatal(err)
			}
			held, release := make(chan struct{}), make(chan struct{})
			var first atomic.Bool
			var produceWhileHeld atomic.Int64
			c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				if !carriesPartition(req, 0) {
					return nil, nil, false
				}
				if first.CompareAndSwap(false, true) {
					close(held)
					c.SleepControl(func() { <-release })
					return produceErrorResponse(req, 6 /* NOT_LEADER_OR_FOLLOWER */), nil, true
				}
				select {
				case <-release:
				default:
					produceWhileHeld.Add(1)
				}
				return nil, nil, false
			})
			metadata := countMetadataRounds(c)
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.EnableIdempotence = idempotent
				if !idempotent {
					cfg.MaxInFlight = 1
				}
				cfg.Linger = 0
				cfg.MetadataMaxAge = 20 * time.Millisecond
				cfg.RetryBackoff = time.Millisecond
			})
			var o outcomes
			offsets := make([]atomic.Int64, 2)
			cb := func(md RecordMetadata, err error) {
				offsets[md.Opaque].Store(md.Offset)
				o.callback(md, err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
			defer cancel()
			warm := Record{Topic: topic, Value: []byte("warm"), Partition: 1, PartitionSet: true}
			if _, err := p.SendSync(ctx, &warm); err != nil {
				t.Fatal(err)
			}
			if err := p.Send(ctx, &Record{Topic: topic, Value: []byte("A"), Opaque: 0, PartitionSet: true}, cb); err != nil {
				t.Fatal(err)
			}
			<-held
			if err := c.MoveTopicPartition(topic, 0, 1); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, "the producer to learn the new leader", func() bool {
				t := p.meta.snapshot.Load().topics[topic]
				return t != nil && len(t.partitions) == 2 && t.partitions[0].leader == 1
			})
			if err := p.Send(ctx, &Record{Topic: topic, Value: []byte("B"), Opaque: 1, PartitionSet: true}, cb); err != nil {
				t.Fatal(err)
			}
			// Two metadata rounds later the sender has looped with B ready.
			metadata.waitTwoMore(t, ctx)
			if n := produceWhileHeld.Load(); n > 0 {
				t.Fatalf("%d Produce requests went out while the partition's first batch was in flight to its old leader", n)
			}
			close(release)
			if err := p.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			if len(o.errs) != 0 || offsets[0].Load() >= offsets[1].Load() {
				t.Fatalf("A at offset %d, B at %d, errors %v: want A before B", offsets[0].Load(), offsets[1].Load(), o.errs)
			}
		})
	}
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// carriesPartition reports whether a Produce request has a batch for
// partition p.
func carriesPartition(req kmsg.Request, p int32) bool {
	return slices.Contains(producePartitions(req), p)
}

// producePartitions lists the partitions a Produce request carries
// batches for, sorted.
func producePartitions(req kmsg.Request) []int32 {
	var parts []int32
	for _, rt := range req.(*kmsg.ProduceRequest).Topics {
		for _, rp := range rt.Partitions {
			parts = append(parts, rp.Partition)
		}
	}
	slices.Sort(parts)
	return parts
}

// metadataRounds counts the Metadata requests a cluster gets. With a short
// metadata.max.age.ms the sender sends one every few loops, so a test
// waits on them to know that the sender has looped.
type metadataRounds struct{ n atomic.Int64 }

// countMetadataRounds starts counting c's Metadata requests.
func countMetadataRounds(c *kfake.Cluster) *metadataRounds {
	m := new(metadataRounds)
	c.ControlKey(int16(kmsg.Metadata), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		m.n.Add(1)
		return nil, nil, false
	})
	return m
}

// waitTwoMore waits for two more Metadata requests: the sender has looped
// since the call began.
func (m *metadataRounds) waitTwoMore(t *testing.T, ctx context.Context) {
	t.Helper()
	seen := m.n.Load()
	waitFor(t, ctx, "two more metadata rounds", func() bool { return m.n.Load() >= seen+2 })
}
