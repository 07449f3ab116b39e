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
	want := bytes.Repeat([]byte("compressed "), 60) // 660 bytes: a 1 KiB piece
	copy(a.Bytes(s), want)
	moved, err := a.Shrink(s, len(want))
	if err != nil {
		t.Fatal(err)
	}
	if !moved.Piece() || len(a.Bytes(moved)) != 1<<10 {
		t.Fatalf("shrunk to %d bytes, piece %v; want a 1 KiB piece", len(a.Bytes(moved)), moved.Piece())
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
		{"more than half a piece", 600},
		{"exactly its piece", 1 << 10},
	} {
		if again, err := a.Shrink(moved, tc.n); err != nil || again != moved {
			t.Fatalf("%s: Shrink = %+v, %v; want the span itself", tc.name, again, err)
		}
	}
	if _, err := a.Shrink(moved, 2<<10); !errors.Is(err, ErrInvalidSize) {
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
	deadline := time.Now().Add(time.Minute)
	for a.Waiters() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the caller of Alloc never waited")
		}
		time.Sleep(time.Millisecond)
	}
	// The 8 KiB slab's other piece is free: shrink the full slot into it.
	moved, err := a.Shrink(full, 5000)
	if err != nil {
		t.Fatal(err)
	}
	if moved == full {
		t.Fatal("Shrink left the full slot alone while a caller waited")
	}
	s := <-got
	mustFree(t, a, s, moved, small)
}
