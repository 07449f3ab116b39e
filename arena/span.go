package arena

// Span is one allocation: Slots() contiguous slots from slot Slot(), or a
// piece of slot Slot() (see Options.MinPiece). It is a small value to copy
// freely and free exactly once; its bytes are Arena.Bytes(span).
//
// The zero Span is not an allocation: freeing it returns ErrForeignSpan.
type Span struct {
	arena uint32 // id of the arena that issued it
	gen   uint32 // generation of the first slot when issued
	first uint32
	count uint32
	// class is 0 for whole slots; for a piece, the slot is cut into class
	// pieces and this is the piece-th.
	class uint8
	piece uint8
}

// Slot returns the index of the span's first slot, for Go-heap structures
// kept beside the arena and indexed by slot.
func (s Span) Slot() int { return int(s.first) }

// Slots returns how many slots the span covers, or shares for a piece.
func (s Span) Slots() int { return int(s.count) }

// Piece reports whether the span is a piece of a slot rather than whole
// slots.
func (s Span) Piece() bool { return s.class != 0 }
