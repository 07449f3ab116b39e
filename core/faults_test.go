package core

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// faultRecords is how many records each fault test sends.
const faultRecords = 100_000

// faultCheckpoints is how many times a fault test stops sending until the
// fault has struck again, so faults land mid-run however fast the producer.
const faultCheckpoints = 10

// strikes counts a fault's disturbances and lets the sender wait for the
// next one.
type strikes struct {
	n    atomic.Int64
	next chan struct{}
}

func newStrikes() *strikes { return &strikes{next: make(chan struct{}, 1)} }

func (s *strikes) strike() {
	s.n.Add(1)
	select {
	case s.next <- struct{}{}:
	default:
	}
}

// faultRun is how a fault test drives the producer.
type faultRun struct {
	// config changes the producer's settings from Kafka's defaults; nil
	// keeps them all.
	config func(*Config)
	// checkpoints are the record indexes before which the send loop stops
	// until the fault has struck again.
	checkpoints []int
}

// fastRetries backs off for a few milliseconds instead of Kafka's default
// hundreds, so a test gets through many faults quickly, and waits for a
// strike every faultRecords/faultCheckpoints records.
var fastRetries = faultRun{
	config: func(cfg *Config) {
		cfg.RetryBackoff = 5 * time.Millisecond
		cfg.RetryBackoffMax = 50 * time.Millisecond
		cfg.ReconnectBackoff = 5 * time.Millisecond
		cfg.ReconnectBackoffMax = 50 * time.Millisecond
		cfg.Linger = time.Millisecond
	},
	checkpoints: evenCheckpoints(faultCheckpoints),
}

// evenCheckpoints spreads n checkpoints over faultRecords, the first at
// record 0.
func evenCheckpoints(n int) []int {
	at := make([]int, n)
	for i := range at {
		at[i] = i * (faultRecords / n)
	}
	return at
}

// produceThroughFault runs produceThroughFaultWith with fastRetries.
func produceThroughFault(t *testing.T, c *kfake.Cluster, topic string, st *strikes, fault func(stop <-chan struct{})) *Producer {
	t.Helper()
	return produceThroughFaultWith(t, c, topic, st, fastRetries, fault)
}

// produceThroughFaultWith sends faultRecords records (keyed and not) with
// idempotence on while fault disturbs the cluster (calling st.strike after
// each disturbance), then reads everything back and checks: every callback
// ran once and succeeded, nothing was lost or duplicated, and each
// partition holds its records in Send order. A nil st means the fault
// strikes on its own (inside the broker) and the send loop never stops.
func produceThroughFaultWith(t *testing.T, c *kfake.Cluster, topic string, st *strikes, run faultRun, fault func(stop <-chan struct{})) *Producer {
	t.Helper()
	p := newTestProducer(t, c, run.config)
	stop := make(chan struct{})
	faultDone := make(chan struct{})
	go func() {
		defer close(faultDone)
		fault(stop)
	}()

	var failed atomic.Int64
	var firstErr error
	var errOnce sync.Once
	calls := make([]atomic.Int32, faultRecords)
	partitionOf := make([]atomic.Int32, faultRecords)
	cb := func(md RecordMetadata, err error) {
		calls[md.Opaque].Add(1)
		partitionOf[md.Opaque].Store(md.Partition)
		if err != nil {
			failed.Add(1)
			errOnce.Do(func() { firstErr = err })
		}
	}
	value := make([]byte, 64)
	checkpoints := run.checkpoints
	for i := range faultRecords {
		if st != nil && len(checkpoints) > 0 && i == checkpoints[0] {
			checkpoints = checkpoints[1:]
			select {
			case <-st.next:
			case <-time.After(testDeadline):
				t.Fatalf("the fault did not strike again within %v", testDeadline)
			}
		}
		binary.BigEndian.PutUint64(value, uint64(i))
		r := Record{Topic: topic, Value: value, Opaque: uint64(i)}
		if i%2 == 0 {
			r.Key = fmt.Appendf(nil, "k%d", i%97)
		}
		if err := p.Send(context.Background(), &r, cb); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v (%d records still pending)", err, p.Stats().RecordsPending)
	}
	close(stop)
	<-faultDone
	for i := range calls {
		if n := calls[i].Load(); n != 1 {
			t.Fatalf("record %d: callback ran %d times, want once", i, n)
		}
	}
	if n := failed.Load(); n > 0 {
		t.Fatalf("%d records failed; first: %v", n, firstErr)
	}

	got := consume(t, c, topic, faultRecords)
	seen := make([]bool, faultRecords)
	last := map[int32]int{}
	for _, g := range got {
		i := int(binary.BigEndian.Uint64(g.Value))
		if seen[i] {
			t.Fatalf("record %d read back twice", i)
		}
		seen[i] = true
		if g.Partition != partitionOf[i].Load() {
			t.Fatalf("record %d in partition %d, its callback said %d", i, g.Partition, partitionOf[i].Load())
		}
		if prev, ok := last[g.Partition]; ok && i < prev {
			t.Fatalf("partition %d: record %d after record %d, out of Send order", g.Partition, i, prev)
		}
		last[g.Partition] = i
	}
	return p
}

// every runs fn every d until stop closes.
func every(d time.Duration, stop <-chan struct{}, fn func()) {
	tick := time.NewTicker(d)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
			fn()
		}
	}
}

func TestFaultRetriableProduceErrors(t *testing.T) {
	const topic, partitions = "faults", 6
	c := newCluster(t, 3, topic, partitions)
	retriable := []int16{6 /* NOT_LEADER_OR_FOLLOWER */, 7 /* REQUEST_TIMED_OUT */, 19 /* NOT_ENOUGH_REPLICAS */, 5 /* LEADER_NOT_AVAILABLE */}
	var mu sync.Mutex
	rng := rand.New(rand.NewPCG(1, 2))
	var injected atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		fail := rng.IntN(100) < 5
		code := retriable[rng.IntN(len(retriable))]
		mu.Unlock()
		if !fail {
			return nil, nil, false
		}
		injected.Add(1)
		return produceErrorResponse(req, code), nil, true
	})
	p := produceThroughFault(t, c, topic, nil, func(<-chan struct{}) {})
	if injected.Load() == 0 || p.Stats().Retries == 0 {
		t.Fatalf("the fault never bit: %d errors injected, %d retries", injected.Load(), p.Stats().Retries)
	}
	t.Logf("%d Produce requests answered with errors, %d batch retries", injected.Load(), p.Stats().Retries)
}

func TestFaultLeadersShuffled(t *testing.T) {
	const topic, partitions = "shuffled", 6
	c := newCluster(t, 3, topic, partitions)
	st := newStrikes()
	p := produceThroughFault(t, c, topic, st, func(stop <-chan struct{}) {
		every(100*time.Millisecond, stop, func() {
			c.ShufflePartitionLeaders()
			st.strike()
		})
	})
	t.Logf("%d leader shuffles, %d retries, metadata version %d", st.n.Load(), p.Stats().Retries, p.Stats().MetadataVersion)
}

func TestFaultBrokerRemovedAndAdded(t *testing.T) {
	const topic, partitions = "restarts", 6
	c := newCluster(t, 3, topic, partitions)
	st := newStrikes()
	p := produceThroughFault(t, c, topic, st, func(stop <-chan struct{}) {
		every(150*time.Millisecond, stop, func() {
			node := int32(st.n.Load() % 3)
			if err := c.RemoveNode(node); err != nil {
				t.Errorf("RemoveNode(%d): %v", node, err)
				return
			}
			if _, _, err := c.AddNode(node, 0); err != nil {
				t.Errorf("AddNode(%d): %v", node, err)
				return
			}
			st.strike()
		})
	})
	t.Logf("%d broker restarts, %d retries", st.n.Load(), p.Stats().Retries)
}
