package arena

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// TryAlloc returns a span of at least n bytes if the arena can give one now,
// else ErrFull (or ErrTooLarge, ErrInvalidSize, ErrClosed). It never waits.
//
// For n up to SlotSize it is lock-free and allocates nothing; with
// Options.MinPiece, n up to half a slot gets a piece of one. Larger n needs
// a run of contiguous slots and takes the arena's mutex.
//
// While callers of Alloc wait, TryAlloc returns ErrFull: memory goes to them
// first.
func (a *Arena) TryAlloc(n int) (Span, error) {
	count, err := a.slotsFor(n)
	if err != nil {
		return Span{}, err
	}
	return a.tryAlloc(count, a.pieceClassOf(n))
}

// tryAlloc is TryAlloc for count slots, or a piece of class k.
func (a *Arena) tryAlloc(count, k int) (Span, error) {
	if a.waiting.Load() > 0 {
		return Span{}, ErrFull
	}
	if count == 1 {
		if first, piece, ok := a.claim(1, k, false); ok {
			return a.issue(first, 1, k, piece), nil
		}
		if a.closed.Load() {
			return Span{}, ErrClosed
		}
		return Span{}, ErrFull
	}
	return a.tryAllocRun(count)
}

// tryAllocRun is tryAlloc for a run of count slots.
func (a *Arena) tryAllocRun(count int) (Span, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed.Load() {
		return Span{}, ErrClosed
	}
	if first, ok := a.bitmap.claimRun(count); ok {
		return a.issue(first, count, 0, 0), nil
	}
	return Span{}, ErrFull
}

// Alloc returns a span of at least n bytes, waiting for memory up to
// maxBlock (max.block.ms) or until ctx ends, whichever comes first.
//
// Waiters are served first come first served, as Kafka's BufferPool does:
// memory freed goes to the oldest waiter, and nobody allocates past a
// waiter. A waiter for a run of slots takes it as soon as that many
// contiguous slots are free; since nothing newer is allocated while it
// waits, fragmentation delays it at most until the spans now out are freed.
// A caller that has to wait runs Options.OnWait once it is queued.
//
// A request larger than the arena fails at once with ErrTooLarge. Running
// out of time returns a *TimeoutError (errors.Is ErrTimeout) saying how long
// the call waited; a maxBlock of zero or less means no waiting. An ended ctx
// returns its error, wrapped. ctx is only consulted while waiting.
func (a *Arena) Alloc(ctx context.Context, n int, maxBlock time.Duration) (Span, error) {
	count, err := a.slotsFor(n)
	if err != nil {
		return Span{}, err
	}
	k := a.pieceClassOf(n)
	s, err := a.tryAlloc(count, k)
	if !errors.Is(err, ErrFull) {
		return s, err
	}
	w := &waiter{count: count, class: k, ready: make(chan struct{})}
	if done, err := a.enqueue(w); done || err != nil {
		return w.span, err
	}
	if a.onWait != nil {
		a.onWait()
	}
	a.waits.Add(1)
	start := time.Now()
	timer := time.NewTimer(maxBlock)
	defer timer.Stop()
	select {
	case <-w.ready:
	case <-timer.C:
	case <-ctx.Done():
	}
	done := a.leave(w)
	waited := time.Since(start)
	a.blocked.Add(int64(waited))
	if done {
		return w.span, nil
	}
	if err := ctx.Err(); err != nil {
		return Span{}, fmt.Errorf("arena: gave up waiting for %d bytes after %v: %w", n, waited, err)
	}
	a.timeouts.Add(1)
	return Span{}, &TimeoutError{Size: n, Waited: waited}
}

// Free returns a span to the arena and hands memory to waiters. A span
// this arena did not issue returns ErrForeignSpan; one already freed (even if
// its slots were issued again since) returns ErrDoubleFree. Neither changes
// the arena.
func (a *Arena) Free(s Span) error {
	if err := a.issued(s); err != nil {
		return err
	}
	if !a.generations.of(a.unitOf(int(s.first), int(s.piece))).CompareAndSwap(s.gen, s.gen+1) {
		return fmt.Errorf("%w: slots %d+%d", ErrDoubleFree, s.first, s.count)
	}
	if s.class != 0 && !a.freePiece(int(s.first), int(s.piece)) {
		return nil
	}
	a.bitmap.release(int(s.first), int(s.count))
	if a.waiting.Load() > 0 {
		a.mu.Lock()
		a.serve()
		a.mu.Unlock()
	}
	return nil
}

// slotsFor returns how many slots hold n bytes.
func (a *Arena) slotsFor(n int) (int, error) {
	if n > 0 && n <= a.slotSize {
		return 1, nil
	}
	if n <= 0 {
		return 0, fmt.Errorf("%w: cannot allocate %d bytes", ErrInvalidSize, n)
	}
	if n > a.slots*a.slotSize {
		return 0, fmt.Errorf("%w: %d bytes asked, arena holds %d", ErrTooLarge, n, a.slots*a.slotSize)
	}
	return (n + a.slotSize - 1) / a.slotSize, nil
}

// claim takes count contiguous free slots, or for count 1 and a class k
// above 0 a piece of that class; locked says the caller holds mu.
func (a *Arena) claim(count, k int, locked bool) (first, piece int, ok bool) {
	switch {
	case k != 0:
		return a.claimPiece(k, locked, true)
	case count == 1:
		first, ok = a.bitmap.claimOne()
	default:
		first, ok = a.bitmap.claimRun(count)
	}
	return first, 0, ok
}

// issue makes the span just claimed: slots [first, first+count), or piece
// of class k in slot first. Its generation cannot change while the caller
// holds the claim.
func (a *Arena) issue(first, count, k, piece int) Span {
	gen := a.generations.of(a.unitOf(first, piece)).Load()
	return Span{arena: a.id, gen: gen, first: uint32(first), count: uint32(count), class: uint8(k), piece: uint8(piece)}
}

// issued returns ErrForeignSpan, wrapped, for a span this arena could not
// have issued.
func (a *Arena) issued(s Span) error {
	if s.arena != a.id || s.count == 0 || int(s.first)+int(s.count) > a.slots {
		return fmt.Errorf("%w: slots %d+%d", ErrForeignSpan, s.first, s.count)
	}
	if s.class == 0 && s.piece != 0 {
		return fmt.Errorf("%w: piece %d of whole slots %d+%d", ErrForeignSpan, s.piece, s.first, s.count)
	}
	if s.class != 0 && (s.count != 1 || s.class < 2 || int(s.class) > a.maxPieces || s.piece >= s.class) {
		return fmt.Errorf("%w: piece %d of 1/%d of slot %d", ErrForeignSpan, s.piece, s.class, s.first)
	}
	return nil
}
