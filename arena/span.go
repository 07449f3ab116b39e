package arena

// Span is one allocation: Slots() contiguous slots from slot Slot(). It is a
// small value to copy freely and free exactly once; its bytes are
// Arena.Bytes(span).
//
// The zero Span is not an allocation: freeing it returns ErrForeignSpan.
type Span struct {
	arena uint32 // id of the arena that issued it
	gen   uint32 // generation of the first slot when issued
	first uint32
	count uint32
}

// Slot returns the index of the span's first slot, for Go-heap structures
// kept beside the arena and indexed by slot.
func (s Span) Slot() int { return int(s.first) }

// Slots returns how many slots the span covers.
func (s Span) Slots() int { return int(s.count) }
