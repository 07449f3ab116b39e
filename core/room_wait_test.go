package core

import (
	"slices"
	"testing"

	"github.com/perfproducer/perfproducer/arena"
)

// TestPartitionsWaitingForRoomAreNotRevisited: partitions ready to send to
// a broker whose connection has max.in.flight.requests.per.connection
// requests out are looked at once, then left out of the sender's loop
// however often it loops, until metadata changes or every batch must go
// (Flush); then they are looked at again. Looking at each on every loop
// cost a third of the producer's CPU with 1 KiB records at 1,000
// partitions.
func TestPartitionsWaitingForRoomAreNotRevisited(t *testing.T) {
	const partitions = 100
	cfg := DefaultConfig()
	cfg.EnableIdempotence = false
	s := newBareSender(t, cfg)
	ar, err := arena.New(4*cfg.BatchSize, cfg.BatchSize, arena.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.arena, s.readyByNode = ar, map[int32][]*partition{}
	st := &topicState{name: "t"}
	tm := &topicMeta{state: st}
	now := s.clock.now()
	for i := range int32(partitions) {
		p := newPartition(st, i)
		p.queue = append(p.queue, &batch{part: p, createdNanos: now, sequence: -1})
		p.listed.Store(true)
		s.active = append(s.active, p)
		tm.partitions = append(tm.partitions, partitionMeta{part: p, leader: 0})
	}
	s.meta.publish(&clusterSnapshot{nodes: map[int32]string{0: "127.0.0.1:1"}, topics: map[string]*topicMeta{"t": tm}})
	c := s.conn(0, "127.0.0.1:1")
	c.state = connReady
	for range cfg.MaxInFlight {
		c.inFlight = append(c.inFlight, &request{})
	}
	visits := func() uint64 {
		before := s.visits
		s.sendReady(s.clock.now())
		return s.visits - before
	}
	waiting := func(when string) {
		t.Helper()
		if len(s.active) != 0 {
			t.Fatalf("%s: %d partitions in the loop, want none", when, len(s.active))
		}
		for _, pm := range tm.partitions {
			if !pm.part.waitsForRoom || !pm.part.listed.Load() || len(pm.part.queue) != 1 {
				t.Fatalf("%s: partition %d: waiting %t, listed %t, %d batches queued; want waiting, listed, 1",
					when, pm.part.index, pm.part.waitsForRoom, pm.part.listed.Load(), len(pm.part.queue))
			}
		}
	}
	if n := visits(); n != partitions {
		t.Fatalf("the first loop looked at %d partitions, want %d", n, partitions)
	}
	waiting("after the first loop")
	for loop := range 3 {
		if n := visits(); n != 0 {
			t.Fatalf("loop %d looked at %d partitions while all waited for room on a full connection", loop, n)
		}
	}
	// New metadata: a leader may have moved.
	s.meta.publish(&clusterSnapshot{nodes: map[int32]string{0: "127.0.0.1:1"}, topics: map[string]*topicMeta{"t": tm}})
	if n := visits(); n != partitions {
		t.Fatalf("the loop after new metadata looked at %d partitions, want %d", n, partitions)
	}
	waiting("after new metadata")
	if n := visits(); n != 0 {
		t.Fatalf("the next loop looked at %d partitions", n)
	}
	// Flush: every batch must go, and every partition is looked at.
	s.p.flushing.Add(1)
	if n := visits(); n != partitions {
		t.Fatalf("the loop during Flush looked at %d partitions, want %d", n, partitions)
	}
	s.p.flushing.Add(-1)
	waiting("after Flush's loop")
	// The connection goes down: the partitions come back, and stay in the
	// loop while it is not up.
	c.state, c.inFlight = connDown, nil
	c.reconnectAtNanos = s.clock.now() + int64(cfg.ReconnectBackoff)*1000
	for loop := range 2 {
		if n := visits(); n != partitions {
			t.Fatalf("loop %d with the connection down looked at %d partitions, want %d", loop, n, partitions)
		}
	}
	for _, pm := range tm.partitions {
		if pm.part.waitsForRoom || !slices.Contains(s.active, pm.part) {
			t.Fatalf("partition %d waits for room on a connection that is down", pm.part.index)
		}
	}
}

// TestRoomForCountsWhatRequestsCarry: when a full connection has room
// again, the partitions that come back into the loop are the longest
// waiting, as many as the requests it has room for carry.
func TestRoomForCountsWhatRequestsCarry(t *testing.T) {
	cfg := DefaultConfig()
	cfg.MaxRequestSize = 1000
	s := newBareSender(t, cfg)
	st := &topicState{name: "t"}
	var parts []*partition
	for i := range int32(10) {
		p := newPartition(st, i)
		p.queue = append(p.queue, &batch{part: p, wireBytes: make([]byte, 300)})
		parts = append(parts, p)
	}
	if n := s.roomFor(0, parts); n != len(parts) {
		t.Fatalf("with no connection to the broker: %d partitions back, want all %d", n, len(parts))
	}
	c := s.conn(0, "127.0.0.1:1")
	c.state = connReady
	for range cfg.MaxInFlight {
		c.inFlight = append(c.inFlight, &request{})
	}
	if n := s.roomFor(0, parts); n != 0 {
		t.Fatalf("with the connection full: %d partitions back, want none", n)
	}
	s.cfg.MaxRequestSize = 100 // smaller than any batch: a request still takes one
	c.inFlight = c.inFlight[:cfg.MaxInFlight-1]
	if n := s.roomFor(0, parts); n != 1 {
		t.Fatalf("with room for a request smaller than any batch: %d partitions back, want 1", n)
	}
	s.cfg.MaxRequestSize = 1000
	c.inFlight = c.inFlight[:cfg.MaxInFlight]
	c.inFlight = c.inFlight[:cfg.MaxInFlight-1]
	if n := s.roomFor(0, parts); n != 3 {
		t.Fatalf("with room for one request of 1,000 bytes: %d partitions of 300-byte batches back, want 3", n)
	}
	c.inFlight = c.inFlight[:cfg.MaxInFlight-2]
	if n := s.roomFor(0, parts); n != 6 {
		t.Fatalf("with room for two requests: %d partitions back, want 6", n)
	}
	// A forced Close fails queued batches wherever their partitions wait.
	for _, p := range parts {
		p.queue = p.queue[:0]
	}
	if n := s.roomFor(0, parts); n != len(parts) {
		t.Fatalf("with nothing queued: %d partitions back, want all %d", n, len(parts))
	}
}

// wakeCounter counts a transport's wake-ups.
type wakeCounter struct {
	transport
	wakeups int
}

func (w *wakeCounter) Wakeup() {
	w.wakeups++
	w.transport.Wakeup()
}

// TestNewBatchesDoNotWakeASenderWithoutRoom: an appender's new or ready
// batch wakes a sleeping sender unless no batch could go before an answer
// comes: every broker's connection has
// max.in.flight.requests.per.connection requests out and no compression
// pool waits for batches. Flush, Close and Sends waiting for memory still
// wake it (sender.wake).
func TestNewBatchesDoNotWakeASenderWithoutRoom(t *testing.T) {
	cfg := DefaultConfig()
	s := newBareSender(t, cfg)
	counter := &wakeCounter{transport: s.net}
	s.net = counter
	wakesForBatch := func(when string, want int) {
		t.Helper()
		s.beginSleep()
		before := counter.wakeups
		s.wakeForBatch()
		s.sleeping.Store(false)
		if got := counter.wakeups - before; got != want {
			t.Fatalf("%s: a new batch woke the sleeping sender %d times, want %d", when, got, want)
		}
	}
	wakesForBatch("before metadata", 1)
	s.meta.publish(&clusterSnapshot{nodes: map[int32]string{0: "127.0.0.1:1", 1: "127.0.0.1:2"}})
	wakesForBatch("with no connection", 1)
	full := func(node int32) *brokerConn {
		c := s.conn(node, "127.0.0.1:1")
		c.state = connReady
		for range cfg.MaxInFlight {
			c.inFlight = append(c.inFlight, &request{})
		}
		return c
	}
	c0 := full(0)
	wakesForBatch("with one broker's connection full and the other's not open", 1)
	c1 := full(1)
	wakesForBatch("with both connections full", 0)
	s.beginSleep()
	before := counter.wakeups
	s.wake()
	s.sleeping.Store(false)
	if counter.wakeups-before != 1 {
		t.Fatal("with both connections full, sender.wake (Flush, memory) did not wake the sender")
	}
	c1.inFlight = c1.inFlight[:cfg.MaxInFlight-1]
	wakesForBatch("with room for a request to one broker", 1)
	c1.inFlight = append(c1.inFlight, &request{})
	c0.state = connDown
	wakesForBatch("with a connection down", 1)
	c0.state = connReady
	s.pool = &compressPool{}
	wakesForBatch("with a compression pool to feed", 1)
	s.pool = nil
	wakesForBatch("with both connections full again", 0)
	// Awake, the sender reads the ready list on its next loop: no wake-up.
	before = counter.wakeups
	s.wakeForBatch()
	if counter.wakeups != before || !s.dirty.Load() {
		t.Fatalf("an awake sender was woken (%d) or not told (dirty %t)", counter.wakeups-before, s.dirty.Load())
	}
}
