package core

import (
	"runtime"
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
//
// A batch opened in less memory than batch.size grows while it is open: the
// append that finds no room for its record moves the records to memory
// twice as large (see grow). With thousands of keyed partitions, where most
// batches hold a record or two, each open batch then holds memory for the
// records it has rather than for those it might get, so buffer.memory holds
// more records and batches collect more of them before they go.
type batch struct {
	part *partition
	// span is where the batch's memory is in the arena. It changes while
	// the batch grows (under the growing bit, see grow) and, with a codec,
	// when the compression pool moves the batch to smaller memory (see
	// compressPool.compress); the sender reads it only once the batch is
	// settled.
	span arena.Span
	// mem points at the batch's memory, the records section starting at
	// wire.BatchHeaderSize: first, or, once the batch has grown, memory of
	// its own. A slice it points at never changes, so an appender that
	// loaded it long ago reads a length that was true once; read it with
	// bytes. With a codec, the compression pool may move the batch to
	// smaller memory; span and compressed then tell where it is, and these
	// bytes are no longer the batch's.
	mem   atomic.Pointer[[]byte]
	first []byte
	// grower is the arena a batch opened in less than growTo bytes grows
	// in; nil for a batch that never grows.
	grower *arena.Arena
	growTo int32

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

// The reservation word: the end of the reserved bytes (32 bits), the record
// count (26 bits), the growths so far (4 bits), a growing bit and a closed
// bit. The growths make every growth change the word for good, so an
// appender that read the word before a growth cannot reserve by it after
// (its compare-and-swap would otherwise succeed against the same end and
// count and write into memory given back).
const (
	reservedEndBits = 32
	countShift      = 32
	countMask       = 1<<26 - 1
	growthShift     = 58
	growthMask      = 1<<4 - 1
	growthOne       = 1 << growthShift
	growingBit      = 1 << 62
	closedBit       = 1 << 63
)

func packReservation(end int, count int32) uint64 {
	return uint64(end) | uint64(count)<<countShift
}

func unpackReservation(r uint64) (end int, count int32, closed bool) {
	return int(r & (1<<reservedEndBits - 1)), int32(r >> countShift & countMask), r&closedBit != 0
}

// bytes is the batch's memory now (see mem).
func (b *batch) bytes() []byte {
	if m := b.mem.Load(); m != nil {
		return *m
	}
	return nil // a chain's sentinel, or a split half not yet built
}

// setBytes gives a batch not yet shared its memory.
func (b *batch) setBytes(buf []byte) {
	b.first = buf
	b.mem.Store(&b.first)
}

// newBatch opens a batch over buf, to be linked behind prev, whose first
// record has timestamp ts.
func newBatch(part *partition, prev *batch, span arena.Span, buf []byte, ts int64, nowNanos int64) *batch {
	b := &batch{part: part, span: span, baseTimestamp: ts, createdNanos: nowNanos, chainIndex: prev.chainIndex + 1, sequence: -1}
	b.setBytes(buf)
	b.growTo = int32(len(buf))
	b.reservation.Store(packReservation(wire.BatchHeaderSize, 0))
	b.maxTimestamp.Store(ts)
	b.completions.init(maxRecordsIn(len(buf)))
	return b
}

// growIn lets b, not yet shared, grow in ar up to limit bytes (see grow).
func (b *batch) growIn(ar *arena.Arena, limit int) {
	if limit <= len(b.first) {
		return
	}
	b.grower, b.growTo = ar, int32(limit)
	b.completions.init(maxRecordsIn(limit))
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
// and encodes it into the batch, growing it first if it may (see grow);
// mono is the record's append time, which its RecordMetadata reports. It
// reports whether r went in (when it did not, the batch is closed, so
// every later appender moves on to the next one), and whether the batch is
// now ready for the sender: closed with every reserved record written (a
// batch the sender closed while this append grew it is ready even though r
// did not go in). An append that leaves less room than r took in the most
// memory the batch may have closes the batch itself, and full says so: the
// next record like it would not fit, so the batch is ready at once instead
// of at the next append, which may come only after the sticky partitioner
// has moved on (then the batch would linger linger.ms, full, with its
// records' latency doubled), or with a keyed partition's next record, any
// time later.
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
		if cur&growingBit != 0 {
			runtime.Gosched() // another appender is moving the records
			continue
		}
		buf := b.bytes() // after cur: the memory cur's end is in, or newer
		size := wire.RecordSizeFor(payload, count, tsDelta)
		if int(count) >= b.completions.capacity() || end+size > int(b.growTo) {
			b.close()
			return false, false, false
		}
		if end+size > len(buf) {
			if grew, ready := b.grow(cur, end+size); !grew {
				return false, ready, false
			}
			continue
		}
		next := packReservation(end+size, count+1) | cur&(growthMask<<growthShift)
		full = int(b.growTo)-(end+size) < size || int(count)+1 >= b.completions.capacity()
		if full {
			next |= closedBit
		}
		if !b.reservation.CompareAndSwap(cur, next) {
			continue
		}
		_, _ = wire.EncodeRecordSized(buf[end:end+size], payload, count, tsDelta, r.Key, r.Value, r.Headers) // the reservation sized dst exactly
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

// grow moves b's records to memory of at least need bytes: twice what b
// has, up to growTo. cur is the reservation word the caller read (open, not
// growing). It reports whether the caller should try again: b has grown,
// or another appender changed the word first. When it cannot grow (the
// arena has no memory free at once, or b has grown as often as the word
// counts) it closes b instead, and the caller opens the next batch, where
// the wait for memory, if any, is; ready then says b is ready for the
// sender, which may have found it growing.
//
// While the growing bit is set, appenders wait (only a copy of what the
// batch holds, at most growTo bytes), and b counts as not settled, so the
// sender leaves it alone. The old memory goes back to the arena once
// every record reserved in it is written.
func (b *batch) grow(cur uint64, need int) (grew, ready bool) {
	if !b.reservation.CompareAndSwap(cur, cur|growingBit) {
		return true, false
	}
	end, count, _ := unpackReservation(cur)
	for b.written.Load() != count {
		runtime.Gosched() // appenders still copying into the old memory
	}
	grew = cur>>growthShift&growthMask < growthMask && b.move(end, need)
	for {
		w := b.reservation.Load()
		next := w&^growingBit + growthOne
		if !grew {
			next = w&^growingBit | closedBit
		}
		if b.reservation.CompareAndSwap(w, next) {
			if next&closedBit != 0 {
				// Closed, by this append or by the sender meanwhile,
				// which then found b not settled and waits to hear.
				ok, _, _ := b.settled()
				return false, ok
			}
			return true, false
		}
	}
}

// move copies b's records, which end at end, to a piece of at least need
// bytes (twice what b has, up to growTo) and gives b's memory back. It is
// grow's, under the growing bit with every reserved record written; it
// reports false, moving nothing, when the arena has no such piece free.
func (b *batch) move(end, need int) bool {
	old := b.bytes()
	span, err := b.grower.TryAlloc(min(max(2*len(old), need), int(b.growTo)))
	if err != nil {
		return false
	}
	buf := b.grower.Bytes(span)
	buf = buf[:min(len(buf), int(b.growTo))]
	copy(buf[wire.BatchHeaderSize:end], old[wire.BatchHeaderSize:end])
	oldSpan := b.span
	b.span = span
	b.mem.Store(&buf)
	// The memory was b's alone, and nothing reads it any more.
	if err := b.grower.Free(oldSpan); err != nil {
		panic(err)
	}
	return true
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
	r := b.reservation.Load()
	end, count, closed := unpackReservation(r)
	return closed && r&growingBit == 0 && b.written.Load() == count, count, end
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
	t.chunks = int32(min(n, (countMask-headRecords-firstChunkSize)/completionChunkSize))
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
