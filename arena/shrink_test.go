//go:build linux

package arena

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"
)

// TestShrinkMovesBytesIntoASmallerPiece: Shrink copies the bytes into the
// smallest piece that holds them and frees the span it was given; it
// leaves a span alone when no smaller piece would do.
func TestShrinkMovesBytesIntoASmallerPiece(t *testing.T) {
	const slotSize = 16 << 10
	a := newTestArenaWith(t, 4, slotSize, Options{MinPiece: 512})
	s, err := a.TryAlloc(slotSize)
	if err != nil {
		t.Fatal(err)
	}
	want := bytes.Repeat([]byte("compressed "), 60) // 660 bytes: a 23rd of the slot, 704 bytes
	copy(a.Bytes(s), want)
	moved, err := a.Shrink(s, len(want))
	if err != nil {
		t.Fatal(err)
	}
	if !moved.Piece() || len(a.Bytes(moved)) != 704 {
		t.Fatalf("shrunk to %d bytes, piece %v; want a 704-byte piece", len(a.Bytes(moved)), moved.Piece())
	}
	if got := a.Bytes(moved)[:len(want)]; !bytes.Equal(got, want) {
		t.Fatalf("the moved bytes differ: %q", got)
	}
	if err := a.Free(s); !errors.Is(err, ErrDoubleFree) {
		t.Fatalf("freeing the shrunk span again: %v, want ErrDoubleFree", err)
	}
	for _, tc := range []struct {
		name string
		n    int
	}{
		{"no smaller piece holds it", 650},
		{"exactly its piece", 704},
	} {
		if again, err := a.Shrink(moved, tc.n); err != nil || again != moved {
			t.Fatalf("%s: Shrink = %+v, %v; want the span itself", tc.name, again, err)
		}
	}
	if _, err := a.Shrink(moved, 705); !errors.Is(err, ErrInvalidSize) {
		t.Fatalf("shrinking past the span's end: %v, want ErrInvalidSize", err)
	}
	run, err := a.TryAlloc(2 * slotSize)
	if err != nil {
		t.Fatal(err)
	}
	if again, err := a.Shrink(run, 100); err != nil || again != run {
		t.Fatalf("a run of slots: Shrink = %+v, %v; want the run itself", again, err)
	}
	mustFree(t, a, moved, run)
	if st := a.Stats(); st.InUse != 0 {
		t.Fatalf("%d bytes in use after freeing everything", st.InUse)
	}
}

// TestShrinkGivesBackMemoryWhileCallersWait: with the arena full and a
// caller of Alloc waiting, Shrink still takes a piece (it frees more than it
// takes), and the slot it frees goes to the waiter.
func TestShrinkGivesBackMemoryWhileCallersWait(t *testing.T) {
	const slotSize = 16 << 10
	a := newTestArenaWith(t, 2, slotSize, Options{MinPiece: 512})
	full, err := a.TryAlloc(slotSize)
	if err != nil {
		t.Fatal(err)
	}
	small, err := a.TryAlloc(slotSize / 2) // the second slot, as a slab of 8 KiB pieces
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan Span, 1)
	go func() {
		s, err := a.Alloc(context.Background(), slotSize, time.Minute)
		if err != nil {
			t.Error(err)
		}
		got <- s
	}()
	waitUntil(t, "the caller of Alloc waits", func() bool { return a.Waiters() == 1 })
	// The 8 KiB slab's other piece is free: shrink the full slot into it
	// (6,000 bytes are more than a third of a slot).
	moved, err := a.Shrink(full, 6000)
	if err != nil {
		t.Fatal(err)
	}
	if moved == full {
		t.Fatal("Shrink left the full slot alone while a caller waited")
	}
	s := <-got
	mustFree(t, a, s, moved, small)
}

// TestShrinkTakesNoSlotFromWaitersForAPiece: while a caller of Alloc waits,
// a piece is not moved into a fresh slot: freeing it would not give the
// slot back while its slab has other pieces out, and the waiter would have
// lost a free slot.
func TestShrinkTakesNoSlotFromWaitersForAPiece(t *testing.T) {
	const slotSize = 16 << 10
	a := newTestArenaWith(t, 4, slotSize, Options{MinPiece: 512})
	var spans []Span
	for _, n := range []int{slotSize / 2, slotSize / 2, slotSize, slotSize, slotSize} {
		s, err := a.TryAlloc(n) // slot 0: two 8 KiB pieces; slots 1, 2, 3 whole
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, s)
	}
	half1, half2, gap, last := spans[0], spans[1], spans[3], spans[4]
	mustFree(t, a, gap) // one free slot, with no free neighbour
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := a.Alloc(ctx, 2*slotSize, time.Minute) // two contiguous slots: it waits
		done <- err
	}()
	waitUntil(t, "the caller of Alloc waits", func() bool { return a.Waiters() == 1 })
	if again, err := a.Shrink(half1, 300); err != nil || again != half1 {
		t.Fatalf("shrinking a piece while a caller waits: %+v, %v; want the piece itself, the free slot left alone", again, err)
	}
	if st := a.Stats(); st.FreeSlots != 1 {
		t.Fatalf("%d free slots after the refused shrink, want 1", st.FreeSlots)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("the waiter ended with %v, want context.Canceled", err)
	}
	mustFree(t, a, half1, half2, spans[2], last)
}
