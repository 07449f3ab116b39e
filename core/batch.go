package core

import (
	"math"
	"sync/atomic"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
)

// batch is one RecordBatch v2 being built in arena memory for one partition.
//
// Appends are lock-free: the reservation word packs the end of the reserved
// bytes, the record count and a closed bit, so one compare-and-swap gives an
// appender its bytes and its offset delta at once. The appender then encodes
// its record straight into the slot and counts it as written. The sender
// seals a batch only once it is closed and every reserved record is written.
//
// A batch struct is never reused: once closed it stays closed, so a goroutine
// that loaded it long ago can only fail to reserve in it, never write into
// memory that has since gone to another batch.
type batch struct {
	part *partition
	span arena.Span
	// buf is the batch's arena memory; the records section starts at
	// wire.BatchHeaderSize. It never changes once the batch is shared: an
	// appender that loaded the batch may still read its length. With a
	// codec, the compression pool may move the batch to smaller memory
	// (see compressPool.compress); span and compressed then tell where it
	// is, and buf's bytes are no longer the batch's.
	buf []byte

	reservation atomic.Uint64
	written     atomic.Int32
	// baseTimestamp is the first record's timestamp (ms): every record's
	// delta is taken from it, so it is fixed before the batch is shared.
	baseTimestamp int64
	maxTimestamp  atomic.Int64
	// createdNanos is the monotonic time the batch was opened, for linger.ms
	// and delivery.timeout.ms.
	createdNanos int64
	// chainIndex numbers the batch in its partition's chain: the one it is
	// linked behind has chainIndex-1 (see partition.first).
	chainIndex uint64
	next       atomic.Pointer[batch]

	// compressed, compressErr and compressedNext are written by a
	// compression pool worker while the batch is with it (see compressing)
	// and read by the sender once it has taken the batch back: the batch
	// with its records compressed and its header not yet written (in its
	// own slot, or Go memory when it outgrew it), the codec's error, and the
	// link in the pool's stack of finished batches.
	compressed     []byte
	compressErr    error
	compressedNext *batch

	// Fields below belong to the sender goroutine alone.
	// compressing: the batch is with the compression pool, between
	// compressLater and takeCompressed; the sender must not send, split,
	// free, expire or fail it meanwhile.
	compressing bool
	// order is the batch's place in its partition: batches are sent, and
	// retried, in this order (the order their records were appended).
	// Batches taken off the chain are orderSpacing apart, so the halves of
	// a split batch (splits deep) fit between it and the next.
	order        uint64
	splits       uint8
	attempts     int   // Produce requests this batch has been in
	retryAtNanos int64 // not to be sent before (retry backoff)
	sequence     int32 // base sequence, -1 until first drained (idempotence)
	// maybeWritten: an attempt ended without proof either way (a timeout,
	// a lost connection): the broker may hold the batch. Such a batch is
	// never renumbered, since a new sequence would let the broker write it
	// twice.
	maybeWritten bool
	// retrying: the batch failed an attempt and waits for another (counted
	// in its partition's retrying).
	retrying bool
	// lostCopy: an attempt went out on a connection that was lost before
	// its answer came; the broker may still act on that copy later, under
	// the numbers the batch had then (see idempotence.sendable).
	lostCopy bool
	// heldForPool and heldForBroker: the batch, lingered, was kept open for
	// the compression pool, or for its broker's answer (see sender.holdFor):
	// for the pool at most once; with a codec, for a broker with room for a
	// request at most once.
	heldForPool, heldForBroker bool
	// resequenced: its sequence was lowered while it was in flight, after
	// an earlier batch of the partition was rejected; the
	// OUT_OF_ORDER_SEQUENCE_NUMBER that attempt earns is expected.
	resequenced bool
	// stale: header changed since the batch was sealed (new sequence);
	// seal it again before it next goes out.
	stale bool
	// reported: its records' callbacks have run (delivery.timeout.ms passed
	// while it was in flight); the request in flight still holds its bytes,
	// so its memory waits for the request's end.
	reported bool
	// header, recordCount and wireBytes are set when the batch is sealed;
	// wireBytes is what goes on the wire: the batch's own slot, or Go memory
	// when a compressed batch outgrew it or the batch was split.
	header      wire.BatchHeader
	recordCount int32
	wireBytes   []byte
	// flushWaiters are the Flush calls this batch holds up.
	flushWaiters []*flushWaiter

	// completions is last, away from the words above that appenders and
	// the sender share: an appender writes a record's completion into the
	// table's head while the sender may be reading reservation and written
	// on another core, and the two should not contend for one cache line.
	completions completionTable
}

const (
	reservedEndBits = 32
	countShift      = 32
	countMask       = 1<<31 - 1
	closedBit       = 1 << 63
)

func packReservation(end int, count int32) uint64 {
	return uint64(end) | uint64(count)<<countShift
}

func unpackReservation(r uint64) (end int, count int32, closed bool) {
	return int(r & (1<<reservedEndBits - 1)), int32(r >> countShift & countMask), r&closedBit != 0
}

// newBatch opens a batch over buf, to be linked behind prev, whose first
// record has timestamp ts.
func newBatch(part *partition, prev *batch, span arena.Span, buf []byte, ts int64, nowNanos int64) *batch {
	b := &batch{part: part, span: span, buf: buf, baseTimestamp: ts, createdNanos: nowNanos, chainIndex: prev.chainIndex + 1, sequence: -1}
	b.reservation.Store(packReservation(wire.BatchHeaderSize, 0))
	b.maxTimestamp.Store(ts)
	b.completions.init(maxRecordsIn(len(buf)))
	return b
}

// smallestRecord is the smallest encoding of a record: length, attributes,
// two deltas, null key, null value, no headers, a byte each.
const smallestRecord = 7

// maxRecordsIn is how many of the smallest records could fit in a batch of
// n bytes.
func maxRecordsIn(n int) int {
	return (n-wire.BatchHeaderSize)/smallestRecord + 1
}

// tryAppend reserves room for r (whose wire.RecordPayloadSize is payload)
// and encodes it into the batch; mono is the record's append time, which
// its RecordMetadata reports. It reports whether r went in (when it did
// not, the batch is closed, so every later appender moves on to the next
// one), and whether the batch is now ready for the sender: closed with
// every reserved record written. An append that leaves less room than r
// took closes the batch itself, and full says so: the next record like it
// would not fit, so the batch is ready at once instead of at the next
// append, which may come only after the sticky partitioner has moved on
// (then the batch would linger linger.ms, full, with its records' latency
// doubled), or with a keyed partition's next record, any time later.
// Java's ProducerBatch.isFull closes only an exactly full batch; records
// of one size, the common case, leave less than a record's room, and mixed
// sizes give up less than one record's room per batch. The appender that
// writes the last record of a closed batch reports it ready, so the sender
// never polls for a copy in progress. A full batch is the sticky
// partitioner's batch boundary.
func (b *batch) tryAppend(r *Record, ts, mono int64, payload int, cb Callback) (ok, ready, full bool) {
	tsDelta := ts - b.baseTimestamp
	for {
		cur := b.reservation.Load()
		end, count, closed := unpackReservation(cur)
		if closed {
			return false, false, false
		}
		size := wire.RecordSizeFor(payload, count, tsDelta)
		if end+size > len(b.buf) || int(count) >= b.completions.capacity() {
			b.close()
			return false, false, false
		}
		next := packReservation(end+size, count+1)
		full = len(b.buf)-(end+size) < size || int(count)+1 >= b.completions.capacity()
		if full {
			next |= closedBit
		}
		if !b.reservation.CompareAndSwap(cur, next) {
			continue
		}
		_, _ = wire.EncodeRecordSized(b.buf[end:end+size], payload, count, tsDelta, r.Key, r.Value, r.Headers) // the reservation sized dst exactly
		b.completions.store(int(count), completion{cb: cb, opaque: r.Opaque, timestampDelta: tsDelta, appendNanos: mono})
		for {
			m := b.maxTimestamp.Load()
			if ts <= m || b.maxTimestamp.CompareAndSwap(m, ts) {
				break
			}
		}
		written := b.written.Add(1)
		_, reserved, closed := unpackReservation(b.reservation.Load())
		return true, closed && written == reserved, full
	}
}

// close stops further appends. It is idempotent and safe from any goroutine.
func (b *batch) close() {
	for {
		cur := b.reservation.Load()
		if cur&closedBit != 0 || b.reservation.CompareAndSwap(cur, cur|closedBit) {
			return
		}
	}
}

// settled reports, for a closed batch, whether every reserved record has been
// written, and how many records and bytes it holds.
func (b *batch) settled() (ok bool, count int32, end int) {
	end, count, closed := unpackReservation(b.reservation.Load())
	return closed && b.written.Load() == count, count, end
}

// requestBytes is about what the batch adds to a Produce request: its
// sealed bytes once sealed, else its header and records so far
// (uncompressed: a batch is compressed when it is sealed or handed back by
// the pool).
func (b *batch) requestBytes() int {
	if len(b.wireBytes) > 0 {
		return len(b.wireBytes)
	}
	_, _, end := b.settled()
	return end
}

// open reports whether appends may still land in the batch.
func (b *batch) open() bool { return b.reservation.Load()&closedBit == 0 }

// completion is what the sender needs to finish one record: whom to tell,
// what to pass back, the record's timestamp (base + delta), and when Send
// appended it (monotonic, for RecordMetadata.SendTime).
type completion struct {
	cb             Callback
	opaque         uint64
	timestampDelta int64
	appendNanos    int64
}

// completionTable holds a batch's completions in Go memory (never in the
// arena: the garbage collector must see the callbacks). It grows lock-free
// in chunks, so a batch of a few big records costs one chunk while a batch
// of thousands of tiny ones still needs no lock.
//
// With thousands of keyed partitions most batches hold one or two records,
// so the first two completions live in the table itself: such a batch
// takes no chunk, and the channel operations that lend and return a spare
// chunk (8% of the producer's CPU with 1 KiB records at 10,000 partitions)
// are not paid. The first chunk after them is small: every
// open batch holding a full-size chunk kept megabytes of completions live
// (20 MiB at 10,000 partitions) for the collector to scan, and allocated
// more as the spares ran out. The chunk pointers for 274 records live
// inside the table too, so a batch of up to that many records allocates
// only the batch itself, whatever room its memory has for more; the
// pointers for the chunks after those are allocated by the append that
// first needs one, which only a batch of hundreds of tiny records makes.
// (Allocated when the batch opened, for any batch with room for more than
// 272 of the smallest records, they doubled the allocations of batches of
// a few 1 KiB records in 2 KiB pieces.) The batch struct must stay within
// 512 bytes, past which the Go allocator adds a header and every
// allocation costs more: with thousands of partitions of small batches
// that was a tenth of the producer's CPU; so no more completions or chunk
// pointers fit inline.
type completionTable struct {
	head   [headRecords]completion          // records [0, headRecords)
	first  atomic.Pointer[firstCompletions] // the next firstChunkSize
	inline [inlineChunks]atomic.Pointer[completionChunk]
	// more holds the chunk pointers after inline's, nil until a record
	// needs one; its length is chunks-inlineChunks.
	more atomic.Pointer[[]atomic.Pointer[completionChunk]]
	// chunks is how many chunks after first the table may have.
	chunks int32
}

const (
	headRecords         = 2
	firstChunkSize      = 16
	completionChunkSize = 64
	inlineChunks        = 4
)

type (
	firstCompletions [firstChunkSize]completion
	completionChunk  [completionChunkSize]completion
)

// spareFirsts and spareChunks recycle completion chunks between batches.
// Channels rather than sync.Pools: a pool is emptied by every garbage
// collection, and at millions of records a second the chunks would be
// allocated again and again. One channel operation per chunk costs next to
// nothing.
var (
	spareFirsts = make(chan *firstCompletions, 8192)
	spareChunks = make(chan *completionChunk, 4096)
)

func (t *completionTable) init(maxRecords int) {
	n := (max(maxRecords-headRecords-firstChunkSize, 0) + completionChunkSize - 1) / completionChunkSize
	t.chunks = int32(min(n, (math.MaxInt32-headRecords-firstChunkSize)/completionChunkSize))
}

func (t *completionTable) capacity() int {
	return headRecords + firstChunkSize + int(t.chunks)*completionChunkSize
}

func (t *completionTable) store(i int, c completion) {
	if i < headRecords {
		t.head[i] = c
		return
	}
	i -= headRecords
	if i < firstChunkSize {
		chunkIn(&t.first, spareFirsts)[i] = c
		return
	}
	i -= firstChunkSize
	chunkIn(t.chunkSlot(i/completionChunkSize, true), spareChunks)[i%completionChunkSize] = c
}

// chunkSlot is where chunk k's pointer lives (k < t.chunks). Past the
// inline ones, it allocates the rest of the pointers if alloc is set and
// they are not there yet (appenders race for it: the loser's go to the
// collector), and returns nil if alloc is not set and they are not.
func (t *completionTable) chunkSlot(k int, alloc bool) *atomic.Pointer[completionChunk] {
	if k < inlineChunks {
		return &t.inline[k]
	}
	more := t.more.Load()
	if more == nil {
		if !alloc {
			return nil
		}
		fresh := make([]atomic.Pointer[completionChunk], int(t.chunks)-inlineChunks)
		t.more.CompareAndSwap(nil, &fresh)
		more = t.more.Load() // fresh, or the pointers of the appender that won
	}
	return &(*more)[k-inlineChunks]
}

// chunkIn returns the chunk in slot, putting a spare or new one there
// first if it is empty. Appenders race for it: the loser's chunk goes back.
func chunkIn[C any](slot *atomic.Pointer[C], spares chan *C) *C {
	if chunk := slot.Load(); chunk != nil {
		return chunk
	}
	var fresh *C
	select {
	case fresh = <-spares:
	default:
		fresh = new(C)
	}
	if slot.CompareAndSwap(nil, fresh) {
		return fresh
	}
	recycle(spares, fresh)
	return slot.Load()
}

func (t *completionTable) at(i int) completion {
	if i < headRecords {
		return t.head[i]
	}
	i -= headRecords
	if i < firstChunkSize {
		return t.first.Load()[i]
	}
	i -= firstChunkSize
	return t.chunkSlot(i/completionChunkSize, false).Load()[i%completionChunkSize]
}

// release gives the chunks back once every record is completed; stored
// bounds the entries written (the batch's reserved records). Only those
// are cleared: a batch of one record clears 32 bytes, not a whole chunk.
func (t *completionTable) release(stored int) {
	clear(t.head[:min(stored, headRecords)])
	stored = max(stored-headRecords, 0)
	if c := t.first.Swap(nil); c != nil {
		clear(c[:min(stored, firstChunkSize)])
		recycle(spareFirsts, c)
	}
	stored -= firstChunkSize
	for k := range int(t.chunks) {
		if stored-k*completionChunkSize <= 0 {
			break // no record reached chunk k, nor any after it
		}
		if c := t.chunkSlot(k, false).Swap(nil); c != nil {
			clear(c[:min(stored-k*completionChunkSize, completionChunkSize)])
			recycle(spareChunks, c)
		}
	}
}

// releaseCompletions gives b's completion chunks back (see
// completionTable.release).
func (b *batch) releaseCompletions() {
	_, reserved, _ := unpackReservation(b.reservation.Load())
	b.completions.release(int(reserved))
}

// recycle keeps c as a spare unless there are enough.
func recycle[C any](spares chan *C, c *C) {
	select {
	case spares <- c:
	default: // enough spares: let the collector have it
	}
}
