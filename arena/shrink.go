package arena

import "fmt"

// Shrink moves the first n bytes of s into the smallest piece that holds
// them and frees s, when that piece is smaller than s and one is free now,
// and returns the piece; else it returns s, untouched. A producer's batch
// takes memory for the records it may still receive, and once compressed
// it fills a fraction of that while it waits for the broker's answer:
// shrinking gives the rest back.
//
// Unlike TryAlloc, Shrink takes a piece while callers of Alloc wait: it
// gives back more than it takes. Then, though, it takes no fresh slot for
// the piece unless s is a whole slot: a piece freed may leave its slot in
// use by other pieces, and the waiters would have lost a slot. It is
// lock-free unless freeing s serves waiters, and safe for concurrent use;
// s must not be used once moved.
func (a *Arena) Shrink(s Span, n int) (Span, error) {
	if err := a.issued(s); err != nil {
		return s, err
	}
	if n <= 0 || n > len(a.Bytes(s)) {
		return s, fmt.Errorf("%w: cannot shrink a %d-byte span to %d bytes", ErrInvalidSize, len(a.Bytes(s)), n)
	}
	k := a.pieceClassOf(n)
	if s.count != 1 || k == 0 || a.pieceSize(k) >= a.pieceSize(int(s.class)) || a.closed.Load() {
		return s, nil // no piece holds n (or pieces are off), or none smaller than s
	}
	slot, piece, ok := a.claimPiece(k, false, s.class == 0 || a.waiting.Load() == 0)
	if !ok {
		return s, nil
	}
	moved := a.issue(slot, 1, k, piece)
	copy(a.Bytes(moved), a.Bytes(s)[:n])
	if err := a.Free(s); err != nil {
		// s was freed already: give the piece back and report it.
		_ = a.Free(moved)
		return s, err
	}
	return moved, nil
}
