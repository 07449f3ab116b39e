package arena

import (
	"math/bits"
	"sync/atomic"
)

// Pieces let small allocations share a slot. With Options.MinPiece set, a
// request for at most half a slot gets a piece: the smallest k-th of a slot
// that holds it, for k from 2 up to maxPiecesPerSlot, rounded down to
// pieceAlign and no smaller than MinPiece. A producer whose batches stay
// small (many partitions, few records each) then fills buffer.memory with
// bytes, not with mostly empty slots. With k any number rather than a power
// of two, a piece is less than a k-th larger than the request rounded up to
// the alignment (a 1,100-byte batch takes 1,152 bytes of a 16 KiB slot,
// where halving would give it 2,048).
//
// Each k is a class with at most one current slab: a slot cut into k
// pieces, whose state word (slabState) packs the pieces taken, the class
// and an active bit. Taking a piece is a compare-and-swap on that word; a
// full slab is retired (active bit cleared) and a fresh slot becomes the
// class's slab. Whoever frees the last piece out of a slab retires it if it
// was not yet and gives the slot back to the bitmap, so an idle class holds
// no slot that a whole-slot request might wait for. No slot is ever shared
// between classes, and the worst case (one live piece per retired slab)
// holds no more slots than whole-slot allocations would.

// maxPiecesPerSlot bounds the pieces of a slot: one occupancy bit each in the
// low half of a slab's state word.
const maxPiecesPerSlot = 32

// pieceAlign is the alignment of pieces within their slot (when MinPiece
// allows): a cache line, so that batches appended by different goroutines
// never share one.
const pieceAlign = 64

const (
	occupancyMask = 1<<maxPiecesPerSlot - 1
	classShift    = 56
	activeBit     = 1 << 63
)

// pieceClass is one piece size's current slab.
type pieceClass struct {
	// current packs a version (high 32 bits), advanced at every change, and
	// the slab's slot+1 (low 32 bits; 0: none). The version makes a stale
	// compare-and-swap fail even when the same slot became the class's
	// slab again meanwhile.
	current atomic.Uint64
	_       [56]byte // one class per cache line
}

// piecesFor returns the most pieces a slot of slotSize bytes is cut into,
// none smaller than minPiece (1: no pieces), and their alignment:
// pieceAlign, or for pieces smaller than that the largest power of two no
// larger than minPiece.
func piecesFor(slotSize, minPiece int) (maxPieces, align int) {
	if minPiece <= 0 {
		return 1, 1
	}
	align = pieceAlign
	for align > minPiece {
		align /= 2
	}
	maxPieces = 1
	for maxPieces < maxPiecesPerSlot && slotSize/(maxPieces+1)&^(align-1) >= minPiece {
		maxPieces++
	}
	return maxPieces, align
}

// slabTag is the state-word bits of an active slab of class k.
func slabTag(k int) uint64 { return activeBit | uint64(k)<<classShift }

// pieceClassOf returns the class of a request of n > 0 bytes: k for a k-th
// of a slot, the smallest piece that holds n, or 0 for a whole slot (also
// whenever pieces are off: maxPieces is 1). Piece sizes are multiples of
// align, so the k-th of a slot holds n exactly when it holds n rounded up
// to align, that is when k <= slotSize/roundUp(n).
func (a *Arena) pieceClassOf(n int) int {
	k := min(a.slotSize/((n+a.align-1)&^(a.align-1)), a.maxPieces)
	if k < 2 {
		return 0
	}
	return k
}

// pieceSize returns the bytes of a piece of class k (a slot for 0): a k-th
// of a slot, rounded down to align.
func (a *Arena) pieceSize(k int) int {
	if k == 0 {
		return a.slotSize
	}
	return a.slotSize / k &^ (a.align - 1)
}

// claimPiece takes a piece of class k: from the class's current slab if it
// has one free, else, when freshSlot allows, from a fresh slot. locked says
// the caller holds mu (serving waiters). It is lock-free otherwise and
// allocates nothing.
func (a *Arena) claimPiece(k int, locked, freshSlot bool) (slot, piece int, ok bool) {
	c := &a.classes[k]
	tag := slabTag(k)
	full := uint64(1)<<k - 1
	for {
		cur := c.current.Load()
		if s := int(uint32(cur)); s != 0 {
			st := &a.slabs[s-1]
			for old := st.Load(); old&^occupancyMask == tag; old = st.Load() {
				free := ^old & full
				if free == 0 {
					// Full: retire it. Its last piece freed gives it back.
					st.CompareAndSwap(old, old&^activeBit)
					continue
				}
				if low := free & -free; st.CompareAndSwap(old, old|low) {
					return s - 1, bits.TrailingZeros64(low), true
				}
			}
			// Retired: whoever sees it first makes room for a fresh slab.
			c.current.CompareAndSwap(cur, nextVersion(cur, 0))
			continue
		}
		if !freshSlot {
			return 0, 0, false
		}
		s, ok := a.bitmap.claimOne()
		if !ok {
			return 0, 0, false
		}
		a.slabs[s].Store(tag | 1)
		if c.current.CompareAndSwap(cur, nextVersion(cur, s+1)) {
			return s, 0, true
		}
		// Another caller installed its slab first. This one goes straight
		// back unless a caller holding a stale class word (one that named
		// slot s as a slab of this class before) has already taken a
		// piece of it: then it is a slab like any other, retired, and
		// piece 0 is this caller's.
		if a.slabs[s].CompareAndSwap(tag|1, 0) {
			a.releaseSlot(s, locked)
			continue
		}
		a.slabs[s].And(^uint64(activeBit))
		return s, 0, true
	}
}

// nextVersion returns the class word that follows cur with slot+1 = s.
func nextVersion(cur uint64, s int) uint64 {
	return (cur>>32+1)<<32 | uint64(uint32(s))
}

// freePiece gives back piece of the slab at slot. It reports whether that
// freed the whole slot: it was the slab's last piece out, and the slab is
// retired now.
func (a *Arena) freePiece(slot, piece int) bool {
	st := &a.slabs[slot]
	for {
		old := st.Load()
		left := old &^ (1 << piece)
		if left&occupancyMask == 0 {
			left &^= activeBit
		}
		if st.CompareAndSwap(old, left) {
			return left&occupancyMask == 0
		}
	}
}

// releaseSlot gives one slot back to the bitmap and, unless the caller
// already holds mu, serves waiters with it.
func (a *Arena) releaseSlot(slot int, locked bool) {
	a.bitmap.release(slot, 1)
	if !locked && a.waiting.Load() > 0 {
		a.mu.Lock()
		a.serve()
		a.mu.Unlock()
	}
}

// unitOf returns the generation-table index of a span: maxPieces entries
// per slot, one per piece whatever the slab's class, the first also for a
// whole slot or a run starting there. Any two spans out at once have
// different ones (a slot is whole, or one class's slab, at a time), and a
// span's entry is advanced when it is freed, before its memory can be
// issued again under the same entry.
func (a *Arena) unitOf(first, piece int) int {
	return first*a.maxPieces + piece
}
