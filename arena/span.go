package arena

// Span is one allocation: count contiguous slots from slot first. It is a
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

// owner is the word the arena keeps in the first slot's owner entry while
// the span is allocated: generation above, slot count below.
func (s Span) owner() uint64 { return uint64(s.gen)<<32 | uint64(s.count) }

// released is the owner word once the span is freed: same generation, no
// slots.
func (s Span) released() uint64 { return uint64(s.gen) << 32 }
