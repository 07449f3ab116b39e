package core

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
)

// compressPool compresses batches off the sender goroutine, so that with a
// codec the producer's throughput grows with cores instead of stopping at
// what one goroutine compresses.
//
// The sender hands a batch over as soon as it takes it off the
// accumulator's chain (compressLater), so compression overlaps with the
// batch's wait for its turn. A worker compresses the batch's records into
// the batch's own memory and hands it back (takeCompressed). From hand-over
// to hand-back the batch is the worker's: the sender neither sends it (its
// partition waits, so no later batch overtakes it) nor frees, splits,
// expires or fails it. The header (producer id, sequence) and the CRC are
// written when the batch is first drained (seal), since sequences are given
// out in drain order.
type compressPool struct {
	// backlog is how many batches the pool may have before a lingered
	// batch is kept open rather than handed over (see holdFor).
	backlog int
	// arena, when not nil, is where compressed batches move to smaller
	// memory (see compress).
	arena *arena.Arena
	// jobs holds batches handed over and not yet taken by a worker. Its
	// capacity is how many spans the arena can have out: every batch handed
	// over holds arena memory until it is handed back, so the sender never
	// blocks handing one over.
	jobs chan *batch
	// finished is a lock-free stack, linked through batch.compressedNext,
	// of the batches workers have finished: workers push, the sender takes
	// them all at once.
	finished atomic.Pointer[batch]
	// wake tells the sender a batch is finished.
	wake    func()
	workers sync.WaitGroup
}

// newCompressPool makes a pool with room for capacity batches handed over
// at once, which keeps lingered batches open while it has backlog batches
// and moves compressed batches into smaller pieces of ar (none when ar is
// nil); start gives it its workers.
func newCompressPool(capacity, backlog int, ar *arena.Arena, wake func()) *compressPool {
	return &compressPool{jobs: make(chan *batch, capacity), backlog: backlog, arena: ar, wake: wake}
}

// start runs one worker per compressor; each compressor then belongs to its
// worker alone (a Compressor is not safe for concurrent use).
func (cp *compressPool) start(compressors []*wire.Compressor) {
	for _, c := range compressors {
		cp.workers.Go(func() { cp.work(c) })
	}
}

// stop ends the workers once the batches handed over are done, and waits for
// them. Nothing may be handed over after.
func (cp *compressPool) stop() {
	close(cp.jobs)
	cp.workers.Wait()
}

// work compresses batches until the pool stops. Its scratch buffer is reused
// from batch to batch, so once the buffer has grown to the batches' size a
// worker allocates only for a batch whose compressed form outgrows the
// batch's own memory.
func (cp *compressPool) work(c *wire.Compressor) {
	var scratch []byte
	for b := range cp.jobs {
		cp.compress(c, &scratch, b)
	}
}

// compress compresses b's records with c into b's own memory, then hands b
// back to the sender and wakes it.
//
// A batch whose compressed form fits a piece of at most half its memory
// moves there, and its memory goes back to the arena: it was sized for the
// records the batch might receive, and until the broker answers it would
// hold several times the bytes going out. With thousands of partitions,
// batches of a few records each in slots sized for more filled
// buffer.memory, and the Sends that then waited for memory made every open
// batch go, small.
func (cp *compressPool) compress(c *wire.Compressor, scratch *[]byte, b *batch) {
	_, _, end := b.settled()
	buf := b.bytes()
	b.compressed, b.compressErr = compressRecords(c, scratch, buf, buf[wire.BatchHeaderSize:end])
	if n := len(b.compressed); cp.arena != nil && n > 0 && n <= len(buf)/2 && &b.compressed[0] == &buf[0] {
		moved, err := cp.arena.Shrink(b.span, n)
		if err != nil {
			// The pool holds b's span: failing to move it is a bug, as
			// failing to free it is (see sender.freeSpan).
			panic(err)
		}
		if moved != b.span {
			// buf stays as it is: appenders may read its length.
			b.span, b.compressed = moved, cp.arena.Bytes(moved)[:n]
		}
	}
	for {
		head := cp.finished.Load()
		b.compressedNext = head
		if cp.finished.CompareAndSwap(head, b) {
			break
		}
	}
	cp.wake()
}

// compressLater hands b, just taken off its partition's chain, to the pool.
func (s *sender) compressLater(b *batch) {
	b.compressing = true
	s.compressing++
	s.pool.jobs <- b
}

// takeCompressed takes back every batch the pool has finished: from now on
// the sender may send, expire or fail it. Its partition is listed again:
// the sender unlists a partition whose oldest batch is with the pool (see
// quiet).
func (s *sender) takeCompressed() {
	if s.pool == nil {
		return
	}
	for b := s.pool.finished.Swap(nil); b != nil; {
		next := b.compressedNext
		b.compressedNext, b.compressing = nil, false
		s.compressing--
		s.readyList.list(b.part)
		b = next
	}
	if s.compressing < s.pool.backlog {
		s.wakeHeldUpTo(&s.compressHeld, -1, s.pool.backlog-s.compressing)
	}
}

// newCompressors makes n compressors with the configured codec and level.
func newCompressors(cfg *Config, n int) ([]*wire.Compressor, error) {
	out := make([]*wire.Compressor, n)
	for i := range out {
		c, err := wire.NewCompressor(wire.Codec(cfg.Compression), cfg.compressionLevel())
		if err != nil {
			return nil, err
		}
		out[i] = c
	}
	return out, nil
}

// compressRecords compresses records with c and returns a batch whose
// header, not yet written, is followed by them compressed: in slot, the
// batch's own memory, when it fits there, else in Go memory of its own.
// records may lie in slot. It compresses into *scratch first, growing it as
// needed, so compression never depends on free buffer memory: a batch asked
// to be compressed is compressed, never sent as it is.
func compressRecords(c *wire.Compressor, scratch *[]byte, slot, records []byte) ([]byte, error) {
	if len(*scratch) < len(records)+compressSlack {
		*scratch = make([]byte, max(len(slot), len(records))+compressSlack)
	}
	for {
		n, err := c.Compress(*scratch, records)
		switch {
		case err == nil && wire.BatchHeaderSize+n <= len(slot):
			return slot[:wire.BatchHeaderSize+copy(slot[wire.BatchHeaderSize:], (*scratch)[:n])], nil
		case err == nil:
			out := make([]byte, wire.BatchHeaderSize+n)
			copy(out[wire.BatchHeaderSize:], (*scratch)[:n])
			return out, nil
		case !errors.Is(err, wire.ErrNoRoom):
			return nil, fmt.Errorf("compressing a batch with %s: %w", c.Codec(), err)
		}
		*scratch = make([]byte, 2*len(*scratch))
	}
}

// compressSlack is room beyond the input for codecs whose output outgrows
// incompressible input (frame headers, block headers).
const compressSlack = 1024
