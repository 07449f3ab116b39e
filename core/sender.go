package core

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"sync/atomic"
	"time"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
)

// sender is the producer's one I/O goroutine (Java's Sender): it owns
// every socket, takes ready batches off the accumulator, groups them by
// leader into one Produce request per broker, and completes every record.
// Nothing in it is touched by another goroutine except the atomics marked so.
type sender struct {
	p     *Producer
	cfg   *Config
	clock *monoClock
	// nowNanos is the sender's latest clock reading: the completion time
	// of what it settles before it reads the clock again.
	nowNanos int64
	meta     *metadata
	arena    *arena.Arena
	net      transport
	log      *slog.Logger

	compressor *wire.Compressor // nil without compression.type
	// pool compresses batches off this goroutine; nil without
	// compression.type.
	pool *compressPool
	// compressScratch receives the halves of split batches compressed
	// before they are copied into their own memory.
	compressScratch []byte
	// decompressor reads back compressed batches the sender must split.
	decompressor *wire.Decompressor
	// compressing counts batches with the pool; compressHeld lists the
	// partitions whose open batch waits for it to run dry (see holdFor).
	compressing  int
	compressHeld heldBatches

	conns       map[int32]*brokerConn
	correlation int32
	// topics is every topic's lasting state, by name; partitions lists
	// every partition of them, and batchFloor is the least memory their
	// batches ask for (see batchFloor); active lists those the sender looks
	// at each loop: the partitions holding batches, as readyList says.
	topics     map[string]*topicState
	partitions []*partition
	batchFloor int
	readyList  *readyList
	active     []*partition
	// roomWaits holds, by broker, the partitions out of the loop while
	// that broker's connection is full (see roomWait).
	roomWaits map[int32]*roomWait
	// lingering is a min-heap, by due time, of the partitions taken off the
	// active list while their only batch lingers (see quiet).
	lingering []lingerEntry
	// loops and visits count sender loops and the partitions they looked
	// at (tests check the ready list with them).
	loops, visits uint64

	// Metadata fetching.
	metadataInFlight     bool
	metadataAtNanos      int64 // last successful update
	metadataAttemptNanos int64
	metadataAttempted    bool // a Metadata request has been sent
	wantedScratch        []string
	metadataResponse     wire.MetadataResponse

	idem idempotence

	// inFlightExpiry is no later than the earliest delivery deadline of a
	// batch in flight (see expireInFlight).
	inFlightExpiry int64

	// tracing stamps completed batches for TraceBatches.
	tracing batchTracing

	// Per-loop scratch, reused so a steady loop allocates nothing.
	readyByNode      map[int32][]*partition
	produceRequest   wire.ProduceRequest
	produceResp      wire.ProduceResponse
	freeRequests     []*request
	rotation         int
	loadSizes        []int32
	loadPartitions   []int32
	loadUpdatedNanos int64

	// dirty is set by appenders after they open a batch; sleeping is set
	// by the sender around a blocking Poll. Together they make wakeups
	// cost a syscall only when the sender really sleeps (see wake).
	dirty    atomic.Bool
	sleeping atomic.Bool
	// roomless is set while the sender sleeps with no room for a batch on
	// any broker's connection (see noRoomForBatches): appenders' news of
	// batches then need not wake it (see wakeForBatch).
	roomless atomic.Bool
	// stop asks the loop to end; force asks it to fail what is left.
	stop  atomic.Bool
	force atomic.Bool
	ctx   context.Context
}

// wake makes the sender look at the accumulator soon. Safe from any
// goroutine.
func (s *sender) wake() {
	s.dirty.Store(true)
	if s.sleeping.Load() {
		s.net.Wakeup()
	}
}

// wakeForBatch is wake for an appender that opened a batch or made one
// ready: it leaves the sender asleep while no batch could go (see
// noRoomForBatches). The partition is on the ready list, which the sender
// reads on its next loop, after the answer that makes room.
func (s *sender) wakeForBatch() {
	s.dirty.Store(true)
	if s.sleeping.Load() && !s.roomless.Load() {
		s.net.Wakeup()
	}
}

// run is the sender loop. It returns when stop is set and no record is
// pending: every one completed, or failed by force (an append still under
// way when force is set is failed on a later loop, never left behind).
func (s *sender) run() {
	for {
		s.dirty.Store(false)
		s.loops++
		now := s.clock.now()
		s.nowNanos = now
		s.publishStamps(now)
		s.takeFlushRequests()
		s.takeCompressed()
		if s.force.Load() {
			s.failEverything(ErrClosed)
		}
		if s.stop.Load() && s.p.pending.Load() == 0 {
			return
		}
		wakeAt := now + int64(time.Second)
		wakeAt = min(wakeAt, s.maintainConnections(now))
		wakeAt = min(wakeAt, s.maybeUpdateMetadata(now))
		wakeAt = min(wakeAt, s.idem.maybeInit(s, now))
		wakeAt = min(wakeAt, s.sendReady(now))
		wakeAt = min(wakeAt, s.expireRequests(now))
		wakeAt = min(wakeAt, s.expireInFlight(now))
		s.poll(time.Duration(wakeAt - now))
		s.handleNetwork()
	}
}

// poll waits for network events at most timeout, but not at all when an
// appender has signalled since this loop began.
func (s *sender) poll(timeout time.Duration) {
	timeout = max(timeout, 0)
	if timeout > 0 {
		s.beginSleep()
		if s.dirty.Load() {
			timeout = 0
		}
	}
	if err := s.net.Poll(timeout); err != nil {
		s.log.Error("network poll failed", "error", err)
	}
	s.sleeping.Store(false)
}

// beginSleep tells appenders the sender is about to sleep, and whether it
// sleeps without room for any batch. roomless is read only while sleeping
// is set, so it needs no reset on waking.
func (s *sender) beginSleep() {
	s.roomless.Store(s.noRoomForBatches())
	s.sleeping.Store(true)
}

// noRoomForBatches reports whether no batch can go before an answer comes,
// which wakes the sender anyway: every broker of the cluster is connected
// with max.in.flight.requests.per.connection requests out, and there is no
// compression pool to hand a batch to. An appender's new or ready batch
// would wake the sender only to file its partition among those waiting for
// room (see waitForRoom) and sleep again; with 1 KiB records at 12
// partitions, that was 2,415 of 5,066 loops for 302,000 records, each a
// park and an unpark of the sender's goroutine.
func (s *sender) noRoomForBatches() bool {
	if s.pool != nil {
		return false
	}
	nodes := s.meta.snapshot.Load().nodes
	if len(nodes) == 0 {
		return false
	}
	for node := range nodes {
		if !s.connFull(node) {
			return false
		}
	}
	return true
}

// handleNetwork acts on everything the last Poll reported.
func (s *sender) handleNetwork() {
	now := s.clock.now()
	s.nowNanos = now
	for _, id := range s.net.Connected() {
		if c := s.conns[int32(id)]; c != nil {
			s.onConnected(c, now)
		}
	}
	for _, done := range s.net.Sent() {
		if c := s.conns[int32(done.ID)]; c != nil {
			s.onWritten(c, int32(done.Token), now)
		}
	}
	for _, f := range s.net.Received() {
		if c := s.conns[int32(f.ID)]; c != nil {
			s.onFrame(c, f.Bytes, now)
		}
	}
	for _, d := range s.net.Disconnected() {
		if c := s.conns[int32(d.ID)]; c != nil {
			s.onDisconnected(c, d.Err, now)
		}
	}
}

// backoff is the pause before attempt number attempts (from 1) of
// something that failed: base doubled with each attempt, with Kafka's ±20%
// jitter so many clients spread out, and never more than ceiling, which
// the settings promise as the longest pause (Kafka's ExponentialBackoff,
// behind retry.backoff.ms and reconnect.backoff.ms and their .max.ms).
// A base at or above ceiling makes every pause ceiling, without jitter.
func backoff(base, ceiling time.Duration, attempts int) time.Duration {
	if base >= ceiling {
		return ceiling
	}
	d := base
	for i := 1; i < attempts && d < ceiling; i++ {
		d *= 2
	}
	d = min(d, ceiling)
	jitter := 0.8 + 0.4*rand.Float64()
	return min(time.Duration(float64(d)*jitter), ceiling)
}

// newRequest takes a request from the free list.
func (s *sender) newRequest(key wire.APIKey, version int16) *request {
	var r *request
	if n := len(s.freeRequests); n > 0 {
		r = s.freeRequests[n-1]
		s.freeRequests = s.freeRequests[:n-1]
	} else {
		r = new(request)
	}
	s.correlation++
	r.correlation = s.correlation
	r.key, r.version = key, version
	return r
}

// recycle returns a finished request to the free list.
func (s *sender) recycle(r *request) {
	clear(r.batches)
	r.batches = r.batches[:0]
	clear(r.segments)
	r.segments = r.segments[:0]
	r.scratch = r.scratch[:0]
	r.noResponse = false
	r.writtenNanos = 0
	s.freeRequests = append(s.freeRequests, r)
}

// send encodes a non-Produce request into r and stages it on c.
func (s *sender) send(c *brokerConn, r *request, body wire.RequestBody, now int64) bool {
	var err error
	r.scratch, err = wire.AppendRequest(r.scratch[:0], body, r.version, r.correlation, s.cfg.ClientID)
	if err != nil {
		s.log.Error("encoding request failed", "api", r.key, "version", r.version, "error", err)
		s.recycle(r)
		return false
	}
	r.segments = append(r.segments[:0], r.scratch)
	return s.stage(c, r, now)
}

// stage hands an encoded request to the transport.
func (s *sender) stage(c *brokerConn, r *request, now int64) bool {
	r.sentNanos = now
	c.inFlight = append(c.inFlight, r)
	s.setInFlight(c)
	if err := s.net.Send(int64(c.node), r.segments, uint64(uint32(r.correlation))); err != nil {
		// The transport no longer knows the connection: settle it and
		// everything on it as lost.
		s.dropConnection(c, err, now)
		return false
	}
	return true
}
