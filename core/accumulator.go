package core

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"time"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
)

// accumulator is where user goroutines leave records for the sender: one
// lock-free chain of batches per partition, built in arena memory.
//
// A partition's chain is a Michael-Scott style queue whose tail is the open
// batch. Appenders reserve room in the tail with one atomic operation; when
// it is full (or closed by the sender for linger.ms), one appender links a
// fresh batch behind it with a compare-and-swap and everyone moves on. The
// sender alone walks the chain from its cursor and takes batches off it in
// order, so batches of a partition leave in the order they were opened.
type accumulator struct {
	arena     *arena.Arena
	batchSize int
	// fastFill is the age within which a batch that filled its memory
	// makes the next batch of its partition ask for twice as much:
	// linger.ms, or no limit when linger.ms is 0 (see openBatch).
	fastFill int64
	maxBlock time.Duration
	clock    *monoClock
	// ready lists partitions in which a batch was opened or made ready;
	// wake tells the sender something new is waiting (sender.wakeForBatch).
	// It is cheap when the sender is already awake, or asleep with no room
	// for a batch.
	ready *readyList
	wake  func()
	// closeCtx ends waits for memory when the producer closes.
	closeCtx context.Context
	// sender tells when a Send comes from a Callback: it must not wait for
	// memory that only the sender goroutine it runs on can free.
	sender *senderGoroutine
}

// partition is one topic-partition's chain plus the sender's bookkeeping.
type partition struct {
	topic *topicState
	index int32
	// tail is the newest batch in the chain: the open one, or the last
	// closed one until an appender links the next.
	tail atomic.Pointer[batch]

	// listed: the partition is on the sender's ready list (see readyList);
	// nextListed links the list's stack.
	listed     atomic.Bool
	nextListed *partition

	// Below: the sender goroutine's alone.
	// cursor is the last batch taken off the chain, and cursorIndex its
	// chainIndex; move it with takeOff.
	cursor      *batch
	cursorIndex uint64
	// queue holds batches taken off the chain and waiting to be sent, in
	// the order they must go: by batch.order, so retries come first.
	queue []*batch
	// pulled counts batches taken off the chain; it numbers them.
	pulled uint64
	// leaderNode is the partition's leader in the snapshot whose version
	// is leaderVersion-1 (0: none looked up yet); see leader.
	leaderNode    int32
	leaderVersion uint64
	// lingerUntil, when not zero, is the due time of the partition's entry
	// in sender.lingering: its only batch is open and lingering. An entry
	// whose due time differs is stale.
	lingerUntil int64
	// heldBy lists the partition while its open batch, lingered, is kept
	// open until an event (see sender.holdFor); nil when not held.
	heldBy *heldBatches
	// waitsForRoom: the partition is out of the sender's loop, waiting for
	// room on its leader's connection (see roomWait).
	waitsForRoom bool
	inFlight     int   // batches of this partition in Produce requests
	inFlightNode int32 // the broker those requests went to
	// retrying counts the partition's batches that failed an attempt and
	// wait for, or are in, another. While any does, the partition sends
	// one batch at a time (see sendable).
	retrying int
	// staleUntil is until when a broker may still act on a copy of one of
	// the partition's batches sent on a connection since lost:
	// request.timeout.ms after the loss. Renumbered batches wait for it
	// (see idempotence.sendable).
	staleUntil int64
	seq        sequences
	// batchHint is the memory the partition's next batch asks for: what
	// its last batch filled, up to batch.size, but never below the floor
	// set by how many partitions share the buffer (see batchFloor and
	// learnBatchSize). A partition whose batches stay small while memory is
	// short (thousands of partitions, few records each) then takes a piece
	// of a slot per batch, not a whole slot, so buffer.memory bounds the
	// bytes waiting rather than the batches. Written by the sender, read by
	// appenders.
	batchHint atomic.Int32
}

// minBatchMemory is the smallest piece of arena memory a batch takes: room
// for a batch header and a few small records.
const minBatchMemory = 512

// firstBatchMemory is what the first batch of a partition asks for when the
// producer knows partitions partitions (of all its topics): batch.size, as
// Java's producer gives every batch, unless their first batches alone
// would overfill buffer.memory; then the largest piece (see pieceWithin)
// within one partition's share of the buffer. Later batches ask what
// learnBatchSize says.
func firstBatchMemory(cfg *Config, partitions int) int {
	return pieceWithin(cfg, int(cfg.BufferMemory)/max(partitions, 1))
}

// batchFloor is the least memory a batch asks for, however little its
// partition's last batch filled, when the producer knows partitions
// partitions (of all its topics): the largest piece within half of one
// partition's share of buffer.memory. Open batches at the floor then take
// at most half of the buffer, and the other half is left for batches
// waiting to go or in flight. Below the floor a piece saves no memory
// anyone needs, and it costs records: a batch that fills a small piece
// goes at once, not when it has lingered, and takes along the batches its
// broker held (see holdFor). With 1 KiB records at 1,000 keyed partitions,
// batches asking twice what the last one filled held 4-5 records, half of
// them closed by filling pieces of 4-8 KiB; at the floor (whole slots
// there) they held 7 and more, and the producer spent 20-30% less CPU per
// record.
func batchFloor(cfg *Config, partitions int) int {
	return pieceWithin(cfg, int(cfg.BufferMemory)/(2*max(partitions, 1)))
}

// pieceWithin is the largest of batch.size, its half, quarter, ... down
// to minBatchMemory, that is at most limit, or the smallest when none is.
func pieceWithin(cfg *Config, limit int) int {
	n := cfg.BatchSize
	for n > limit && n/2 >= minBatchMemory {
		n /= 2
	}
	return n
}

// learnBatchSize sets the memory the partition's next batch asks for from
// the bytes its last batch filled: as much (the arena rounds it up to a
// piece), never less than floor. A batch that gets more records grows
// (see batch.grow), and one that cannot grow for want of memory, filled
// within linger.ms, makes the next ask twice its own (see openBatch), so a
// partition under steady load still reaches batch.size in a few batches.
// Asking twice what the last batch filled, as before batches grew, put the
// one or two 1 KiB records of a batch at 10,000 keyed partitions in 4-8 KiB
// pieces: 32 MiB held 7,500 records, where asking what it filled holds
// 9,000-10,000.
func (p *partition) learnBatchSize(filled, batchSize, floor int) {
	p.batchHint.Store(int32(max(min(filled, batchSize), floor)))
}

// first is the oldest batch still on p's chain, the one after the cursor,
// or nil. It reads the tail, which the partition's appenders keep in cache,
// and the cursor's link only when more than one batch waits: with thousands
// of partitions the cursor, taken off long ago, is cold, and reading its
// link cost a cache miss per partition the sender looked at. A tail that
// lags a link (an appender linked a batch and has not moved the tail yet)
// reads as if the link were not there yet: that appender lists p once the
// tail has moved (see append), so the sender looks again. The sender's
// alone.
func (p *partition) first() *batch {
	t := p.tail.Load()
	switch {
	case t == p.cursor:
		return nil
	case t.chainIndex == p.cursorIndex+1:
		return t
	}
	return p.cursor.next.Load()
}

// dequeue takes p's oldest queued batch off its queue. The queue keeps its
// memory: slicing the front off instead would leave an empty queue with no
// room, and the next batch queued would allocate, once per batch.
func (p *partition) dequeue() *batch {
	b := p.queue[0]
	n := copy(p.queue, p.queue[1:])
	p.queue[n] = nil
	p.queue = p.queue[:n]
	return b
}

// takeOff moves the cursor to b, the batch after it: b is off the chain.
func (p *partition) takeOff(b *batch) {
	p.cursor, p.cursorIndex = b, b.chainIndex
}

func newPartition(t *topicState, index int32) *partition {
	p := &partition{topic: t, index: index}
	// A closed, empty sentinel heads every chain: the first appender links
	// the first real batch behind it, exactly as it would behind a full one.
	sentinel := &batch{part: p, sequence: -1}
	sentinel.reservation.Store(closedBit)
	p.tail.Store(sentinel)
	p.cursor = sentinel
	p.seq.session.id = -1
	return p
}

// blockedTime is what one Send has spent of max.block.ms so far.
type blockedTime struct {
	metadata time.Duration // waiting for the topic's metadata
	// memory is the time spent waiting for buffer memory: more than one
	// wait when another appender linked its batch first (see append).
	memory time.Duration
}

// append encodes r into the partition's open batch, opening a new batch when
// needed; sticky says the sticky partitioner chose the partition (see
// openBatch). It reports whether the batch r went into is full (see
// batch.tryAppend). It blocks only for arena memory, at most what waited
// says is left of max.block.ms, and adds the time it waits there.
func (a *accumulator) append(ctx context.Context, p *partition, r *Record, ts, mono int64, payload int, cb Callback, sticky bool, waited *blockedTime) (full bool, err error) {
	for {
		tail := p.tail.Load()
		ok, ready, full := tail.tryAppend(r, ts, mono, payload, cb)
		if ready {
			a.readyIn(p)
		}
		if ok {
			return full, nil
		}
		if next := tail.next.Load(); next != nil {
			// Someone linked a new batch but has not moved the tail yet:
			// help, then append there.
			p.tail.CompareAndSwap(tail, next)
			continue
		}
		nb, full, err := a.openBatch(ctx, p, tail, r, ts, mono, payload, cb, sticky, waited)
		if err != nil {
			return false, err
		}
		if tail.next.CompareAndSwap(nil, nb) {
			p.tail.CompareAndSwap(tail, nb)
			a.readyIn(p)
			return full, nil
		}
		// Another appender linked its batch first: append there, and give
		// this memory back, as Kafka's accumulator does.
		a.discard(nb)
	}
}

// readyIn tells the sender that p has a new batch or a ready one.
func (a *accumulator) readyIn(p *partition) {
	a.ready.list(p)
	a.wake()
}

// openBatch takes memory for a new batch big enough for r and appends r to
// it while it is still private, so the append cannot fail. The memory is
// what the partition's batchHint asks, or twice prev's when r found prev
// (the batch before) full, at batch.size or unable to grow, within
// linger.ms of prev opening: a partition whose load fills batches faster
// than they linger gets bigger batches at once, without waiting for the
// sender to learn from prev. A prev that filled only after lingering
// longer (held open while its broker had no room for it, or the buffer
// was full) says nothing of the kind, and doubling after it took memory
// its partition's next records would not fill before the batch left:
// with 1 KiB records at 10,000 keyed partitions, open batches held 25.6
// MiB of the 32 and had written 13.3. A batch in less than batch.size may
// grow while it is open (see batch.grow). A batch the
// sticky partitioner opened (sticky) gets batch.size whatever the hint:
// the partitioner stays on its partition until a batch's worth of records
// has gone there, so the batch fills, and it moves on only then, so a
// topic's unkeyed records keep one such batch open at a time, whatever the
// number of partitions. The hint, learned from the partition's keyed
// batches or lowered by the floor of thousands of partitions, would cut
// that batch into pieces (8 records a batch of 1 KiB records at 10,000
// partitions, against 15 at batch.size).
func (a *accumulator) openBatch(ctx context.Context, p *partition, prev *batch, r *Record, ts, mono int64, payload int, cb Callback, sticky bool, waited *blockedTime) (b *batch, full bool, err error) {
	need := wire.BatchHeaderSize + wire.RecordSizeFor(payload, 0, 0)
	size := max(int(p.batchHint.Load()), need)
	if sticky {
		size = max(size, a.batchSize)
	}
	prevMem := prev.bytes()
	prevEnd, _, _ := unpackReservation(prev.reservation.Load())
	prevFull := len(prevMem)-prevEnd < need-wire.BatchHeaderSize
	if prevFull && mono-prev.createdNanos <= a.fastFill {
		size = max(size, min(2*len(prevMem), a.batchSize))
	}
	span, err := a.arena.TryAlloc(size)
	if errors.Is(err, arena.ErrFull) {
		start := a.clock.now() // only a Send that waits reads the clock for it
		span, err = a.waitForMemory(ctx, p, size, waited)
		mono = a.clock.now() // the batch is born now, not before the wait
		waited.memory += time.Duration(mono - start)
	}
	if err != nil {
		return nil, false, err
	}
	buf := a.arena.Bytes(span)
	largest := a.batchSize
	if limit := int(p.topic.batchLimit.Load()); limit > 0 {
		// The topic refused larger batches: build smaller ones, though
		// never too small for this record.
		buf = buf[:min(len(buf), max(limit, need))]
		largest = min(largest, max(limit, need))
	}
	b = newBatch(p, prev, span, buf, ts, mono)
	b.growIn(a.arena, largest)
	ok, _, full := b.tryAppend(r, ts, mono, payload, cb)
	if !ok {
		a.discard(b)
		return nil, false, fmt.Errorf("%w: record does not fit a fresh %d-byte batch", ErrRecordTooLarge, size)
	}
	return b, full, nil
}

// fastFillWithin is accumulator.fastFill for linger.ms: with linger.ms of
// 0 no batch lingers, so every batch that fills counts as filling fast.
func fastFillWithin(linger time.Duration) int64 {
	if linger <= 0 {
		return math.MaxInt64
	}
	return int64(linger)
}

// discard gives a batch that never went out back to the arena.
func (a *accumulator) discard(b *batch) {
	b.releaseCompletions()
	// A span the arena handed out is freed exactly once; an error here is a
	// bug in the accumulator, not a user error.
	if err := a.arena.Free(b.span); err != nil {
		panic(err)
	}
}

// waitForMemory blocks for arena memory like Kafka's BufferPool, for what
// the Send's earlier waits left of max.block.ms (Java's KafkaProducer:
// remainingWaitMs). The arena wakes the sender once this caller is queued
// (arena.Options.OnWait): completions are what free memory, and when no
// request in flight will complete, waiters make every batch ready. Close
// ends the wait with ErrClosed.
func (a *accumulator) waitForMemory(ctx context.Context, p *partition, size int, waited *blockedTime) (arena.Span, error) {
	if a.sender.running() {
		return arena.Span{}, fmt.Errorf("%w: Send would wait for buffer memory, which only the sender goroutine running this callback can free",
			ErrCalledFromCallback)
	}
	budget := max(a.maxBlock-waited.metadata-waited.memory, 0)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(a.closeCtx, cancel)
	defer stop()
	span, err := a.arena.Alloc(ctx, size, budget)
	if err != nil && a.closeCtx.Err() != nil {
		return span, fmt.Errorf("%w while waiting for buffer memory", ErrClosed)
	}
	var timeout *arena.TimeoutError
	if errors.As(err, &timeout) {
		return span, &MaxBlockError{Topic: p.topic.name, MaxBlock: a.maxBlock, Metadata: waited.metadata,
			Bytes: size, MemoryBudget: max(a.maxBlock-waited.metadata, 0), Memory: waited.memory + timeout.Waited, Err: err}
	}
	return span, err
}
