package core

import (
	"context"
	"encoding/binary"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestLingeredBatchWaitsForItsBrokersAnswer holds a Produce request at
// the broker and sends more records to partitions it leads, each after
// linger.ms has passed: their batches stay open until the broker answers
// (or, in "harvest", until a full batch goes to that broker anyway), so
// records that would have gone one per request share a batch. Every record
// is read back, in order.
func TestLingeredBatchWaitsForItsBrokersAnswer(t *testing.T) {
	for _, tc := range []struct {
		name string
		// full sends a third record, too large for a batch of its own
		// partition's size, to another partition led by the held broker:
		// it goes at once, and takes the held batch with it.
		full bool
		// wantRequests are the batches in each Produce request after the
		// held one, in the order the broker got them.
		wantRequests [][]int32
	}{
		{name: "answer", wantRequests: [][]int32{{0}}},
		{name: "harvest", full: true, wantRequests: [][]int32{{0, 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const topic = "held"
			// Broker 0 leads partitions 0 and 2, broker 1 partition 1:
			// metadata can go to broker 1 while broker 0 holds a request.
			c := kafkatest.NewCluster(t, 2, topic, 3)
			for part, node := range []int32{0, 1, 0} {
				if err := c.MoveTopicPartition(topic, int32(part), node); err != nil {
					t.Fatal(err)
				}
			}
			held, release := make(chan struct{}), make(chan struct{})
			var armed, holding atomic.Bool
			var mu sync.Mutex
			var requests [][]int32 // partitions per Produce request after the held one
			c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
				c.KeepControl()
				if !armed.Load() {
					return nil, nil, false
				}
				if !carriesPartition(req, 0) || !holding.CompareAndSwap(true, false) {
					mu.Lock()
					requests = append(requests, producePartitions(req))
					mu.Unlock()
					return nil, nil, false
				}
				close(held)
				c.SleepControl(func() { <-release })
				return nil, nil, false
			})
			metadata := countMetadataRounds(c)
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.Linger = time.Millisecond
				cfg.BatchSize = 1024
				cfg.MetadataMaxAge = 20 * time.Millisecond
			})
			ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
			defer cancel()
			all := make([]sentRecord, 3, 7) // the warm-up records, then sent's
			for part := range int32(3) {
				warm := Record{Topic: topic, Value: binary.BigEndian.AppendUint64(nil, uint64(part)), Partition: part, PartitionSet: true}
				md, err := p.SendSync(ctx, &warm)
				if err != nil {
					t.Fatal(err)
				}
				all[part] = sentRecord{rec: warm, md: md}
			}
			var sent []sentRecord
			var mdMu sync.Mutex
			send := func(part int32, size int) {
				t.Helper()
				i := len(sent) + 3
				value := binary.BigEndian.AppendUint64(make([]byte, 0, size), uint64(i))
				value = value[:max(size, 8)]
				sent = append(sent, sentRecord{rec: Record{Topic: topic, Value: value, Partition: part, PartitionSet: true, Opaque: uint64(len(sent))}})
				err := p.Send(ctx, &sent[len(sent)-1].rec, func(md RecordMetadata, err error) {
					mdMu.Lock()
					sent[md.Opaque].md, sent[md.Opaque].err = md, err
					mdMu.Unlock()
				})
				if err != nil {
					t.Fatal(err)
				}
			}
			// lingerPasses waits for two metadata rounds, 20 ms each: the
			// sender has looped since the newest batch's linger.ms passed.
			lingerPasses := func() {
				t.Helper()
				metadata.waitTwoMore(t, ctx)
			}
			sent = make([]sentRecord, 0, 4)
			holding.Store(true)
			armed.Store(true)
			send(0, 16) // A: held at the broker
			<-held
			send(0, 16) // B: lingers past linger.ms while A is in flight
			lingerPasses()
			send(0, 16) // C: joins B's batch, still open
			lingerPasses()
			if tc.full {
				send(2, 2000) // D: a full batch of its own
				lingerPasses()
			}
			close(release)
			if err := p.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			got := requests
			mu.Unlock()
			if !slices.EqualFunc(got, tc.wantRequests, slices.Equal) {
				t.Fatalf("after the held request the broker got requests with the batches of partitions %v, want %v", got, tc.wantRequests)
			}
			for i, s := range sent {
				if s.err != nil {
					t.Fatalf("record %d failed: %v", i, s.err)
				}
			}
			if sent[1].md.Offset != sent[0].md.Offset+1 || sent[2].md.Offset != sent[1].md.Offset+1 {
				t.Fatalf("A, B, C at offsets %d, %d, %d: want consecutive", sent[0].md.Offset, sent[1].md.Offset, sent[2].md.Offset)
			}
			all = append(all, sent...)
			verifyReadBack(t, all, kafkatest.Consume(t, c, topic, len(all)), 3, true)
		})
	}
}

// TestAnswerWakesARequestsWorthOfHeldBatches: an answer wakes held
// partitions oldest first until their open batches fill one request; the
// rest stay held, in order, for the next answer. Stale entries are dropped,
// and one partition is woken whatever its size.
func TestAnswerWakesARequestsWorthOfHeldBatches(t *testing.T) {
	s := &sender{}
	var h heldBatches
	parts := make([]*partition, 5)
	for i := range parts {
		p := newPartition(&topicState{name: "held"}, int32(i))
		b := &batch{part: p}
		b.reservation.Store(packReservation(400, 3))
		linkBatch(p, b)
		s.hold(p, &h)
		parts[i] = p
	}
	parts[1].heldBy = nil // woken since: its entry is stale
	woken := func() []int32 {
		var idx []int32
		for _, p := range s.active {
			idx = append(idx, p.index)
			p.listed.Store(false)
		}
		s.active = s.active[:0]
		return idx
	}
	for _, step := range []struct {
		budget int
		woken  []int32
		held   int
	}{
		{900, []int32{0, 2}, 2}, // 400 + 400 fit in 900; a third would not
		{100, []int32{3}, 1},    // too big for the budget, but one always goes
		{-1, []int32{4}, 0},     // everything
	} {
		s.wakeHeldUpTo(&h, step.budget, -1)
		if got := woken(); !slices.Equal(got, step.woken) || len(h.parts) != step.held {
			t.Fatalf("budget %d woke partitions %v and left %d held, want %v and %d", step.budget, got, len(h.parts), step.woken, step.held)
		}
	}
	for _, p := range parts {
		if p.heldBy != nil {
			t.Fatalf("partition %d still marked held", p.index)
		}
	}
}

// TestAnswerLeavesHeldBatchesWhileRequestsAreOut: without a codec and with
// linger.ms above 0, an answer that leaves other requests to its broker in
// flight wakes no held partition, since holdFor would hold each again; the
// answer that leaves the connection idle wakes them, and so does any answer
// with linger.ms at 0 or a compression pool, where a woken batch goes.
func TestAnswerLeavesHeldBatchesWhileRequestsAreOut(t *testing.T) {
	for _, tc := range []struct {
		name     string
		linger   time.Duration
		pool     bool
		inFlight int
		wantWake bool
	}{
		{name: "requests out", linger: 5 * time.Millisecond, inFlight: 2},
		{name: "idle", linger: 5 * time.Millisecond, wantWake: true},
		{name: "linger 0", inFlight: 2, wantWake: true},
		{name: "codec", linger: 5 * time.Millisecond, pool: true, inFlight: 2, wantWake: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &sender{cfg: &Config{Linger: tc.linger, MaxRequestSize: 1 << 20}}
			if tc.pool {
				s.pool = &compressPool{}
			}
			c := &brokerConn{}
			for range tc.inFlight {
				c.inFlight = append(c.inFlight, &request{})
			}
			p := newPartition(&topicState{name: "held"}, 0)
			b := &batch{part: p}
			b.reservation.Store(packReservation(400, 3))
			linkBatch(p, b)
			s.hold(p, &c.held)
			s.wakeHeldAfterAnswer(c)
			if woke := len(s.active) == 1; woke != tc.wantWake {
				t.Fatalf("woke the held partition: %v, want %v (held left: %d)", woke, tc.wantWake, len(c.held.parts))
			}
			if still := p.heldBy == &c.held; still == tc.wantWake {
				t.Fatalf("partition still held: %v, want %v", still, !tc.wantWake)
			}
		})
	}
}
