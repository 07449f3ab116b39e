package arena

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// Kafka's defaults: buffer.memory and batch.size.
const (
	DefaultSize     = 32 << 20
	DefaultSlotSize = 16 << 10
)

// arenaIDs numbers arenas so a Span from one is refused by another.
var arenaIDs atomic.Uint32

// Arena is a fixed region of memory cut into equal slots, handed out as
// Spans of one or more contiguous slots. All methods are safe for concurrent
// use.
type Arena struct {
	region []byte
	// heapShare is Options.CountInGoHeap's reservation, nil without it.
	heapShare []byte
	slotSize  int
	slots     int
	id        uint32

	bitmap      slotBitmap
	generations generationTable

	// maxPieces is the most pieces a slot is cut into (1: no pieces), and
	// align their alignment; slabs holds a state word per slot used as a
	// slab, classes a current slab per class 2..maxPieces (see pieces.go).
	maxPieces int
	align     int
	slabs     []atomic.Uint64
	classes   []pieceClass

	waiting  atomic.Int32 // len(queue), for readers without mu
	closed   atomic.Bool
	blocked  atomic.Int64 // nanoseconds callers spent waiting
	waits    atomic.Uint64
	timeouts atomic.Uint64
	onWait   func() // Options.OnWait

	// mu guards queue and serializes runs, serving waiters and Close; the
	// single-slot path never takes it.
	mu    sync.Mutex
	queue []*waiter
}

// New maps size bytes (buffer.memory) cut into slots of slotSize bytes
// (batch.size). Zero for either means Kafka's default. size must be a whole
// number of slots.
func New(size, slotSize int, opts Options) (*Arena, error) {
	if size == 0 {
		size = DefaultSize
	}
	if slotSize == 0 {
		slotSize = DefaultSlotSize
	}
	if size < 0 || slotSize < 0 || size%slotSize != 0 {
		return nil, fmt.Errorf("%w: arena of %d bytes is not a positive multiple of slot size %d", ErrInvalidSize, size, slotSize)
	}
	slots := size / slotSize
	if slots > 1<<31 {
		return nil, fmt.Errorf("%w: %d slots, at most %d", ErrInvalidSize, slots, 1<<31)
	}
	maxPieces, align := piecesFor(slotSize, opts.MinPiece)
	region, err := mapRegion(size, opts)
	if err != nil {
		return nil, err
	}
	a := &Arena{
		region:      region,
		slotSize:    slotSize,
		slots:       slots,
		id:          arenaIDs.Add(1),
		bitmap:      newSlotBitmap(slots),
		generations: newGenerationTable(slots * maxPieces),
		maxPieces:   maxPieces,
		align:       align,
		onWait:      opts.OnWait,
	}
	if opts.CountInGoHeap {
		a.heapShare = make([]byte, size)
	}
	if maxPieces > 1 {
		a.slabs = make([]atomic.Uint64, slots)
		a.classes = make([]pieceClass, maxPieces+1)
	}
	return a, nil
}

// Close unmaps the region. It refuses with ErrInUse while any span is
// allocated or any caller waits in Alloc, so no Bytes slice handed out can
// outlive the memory. Every later call returns ErrClosed.
func (a *Arena) Close() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed.Load() {
		return ErrClosed
	}
	a.serve()
	if len(a.queue) > 0 {
		return fmt.Errorf("%w: %d callers wait for memory", ErrInUse, len(a.queue))
	}
	if !a.bitmap.claimRange(0, a.slots) {
		return fmt.Errorf("%w: %d of %d slots", ErrInUse, a.slots-a.bitmap.free(), a.slots)
	}
	a.closed.Store(true)
	err := unmapRegion(a.region)
	a.region, a.heapShare = nil, nil
	return err
}

// Region returns the whole mapped region, nil after Close. Its address
// never changes, so a transport can register it once (io_uring
// IORING_REGISTER_BUFFERS as a single iovec) and name any span inside it by
// Offset.
func (a *Arena) Region() []byte { return a.region }

// Bytes returns the memory of a span the caller holds: Slots()*SlotSize()
// bytes at Offset, or a piece's bytes, with no spare capacity. The bytes
// never move while the span is held; they must not be used after Free.
func (a *Arena) Bytes(s Span) []byte {
	off := a.Offset(s)
	end := off + int(s.count)*a.slotSize
	if s.class != 0 {
		end = off + a.pieceSize(int(s.class))
	}
	return a.region[off:end:end]
}

// Offset returns where the span starts within Region.
func (a *Arena) Offset(s Span) int {
	return int(s.first)*a.slotSize + int(s.piece)*a.pieceSize(int(s.class))
}

// MaxSpans returns how many spans can be out at once: one per slot, or as
// many as a slot's smallest pieces when pieces are on.
func (a *Arena) MaxSpans() int { return a.slots * a.maxPieces }

// SlotSize returns the size of one slot (batch.size).
func (a *Arena) SlotSize() int { return a.slotSize }

// Size returns the size of the region (buffer.memory).
func (a *Arena) Size() int { return a.slots * a.slotSize }
