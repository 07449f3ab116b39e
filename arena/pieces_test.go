//go:build linux

package arena

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestPieceSizes(t *testing.T) {
	const slotSize = 16 << 10
	a := newTestArenaWith(t, 4, slotSize, Options{MinPiece: 1 << 10})
	for _, tc := range []struct {
		n, want int
	}{
		{1, 1 << 10}, // MinPiece: a 16th
		{1 << 10, 1 << 10},
		{1<<10 + 1, 1088},     // a 15th, 1,092 bytes, rounded down to 64
		{3 << 10, 3264},       // a 5th
		{4<<10 + 1, 5440},     // a 3rd
		{8 << 10, 8 << 10},    // a half
		{8<<10 + 1, slotSize}, // more than half: a whole slot
		{slotSize, slotSize},
		{slotSize + 1, 2 * slotSize},
	} {
		s, err := a.TryAlloc(tc.n)
		if err != nil {
			t.Fatalf("TryAlloc(%d): %v", tc.n, err)
		}
		if got := len(a.Bytes(s)); got != tc.want || s.Piece() != (tc.want < slotSize) {
			t.Errorf("TryAlloc(%d): %d bytes, piece %v; want %d", tc.n, got, s.Piece(), tc.want)
		}
		mustFree(t, a, s)
	}
}

// TestPieceClassesAreTheSmallestThatHold checks, for every request size up
// to half a slot and several slot sizes, that the class chosen holds the
// request, is no smaller than MinPiece, aligned, and fits the slot that
// many times, and that no other class has a smaller piece that holds it
// (of classes whose pieces round to the same size, the one with most pieces
// to a slot).
func TestPieceClassesAreTheSmallestThatHold(t *testing.T) {
	for _, tc := range []struct{ slotSize, minPiece, maxPieces, align int }{
		{16 << 10, 512, 32, 64},
		{16 << 10, 1 << 10, 16, 64},
		{1000, 64, 15, 64}, // a batch.size that is no power of two
		{256, 8, 32, 8},
		{100, 24, 3, 16},
		{1 << 20, 512, 32, 64},
	} {
		a := newTestArenaWith(t, 1, tc.slotSize, Options{MinPiece: tc.minPiece})
		if a.maxPieces != tc.maxPieces || a.align != tc.align {
			t.Fatalf("slot %d, MinPiece %d: %d pieces at most, aligned to %d; want %d, %d", tc.slotSize, tc.minPiece, a.maxPieces, a.align, tc.maxPieces, tc.align)
		}
		for n := 1; n <= tc.slotSize; n++ {
			k := a.pieceClassOf(n)
			best := 0
			for j := 2; j <= a.maxPieces; j++ {
				if size := a.pieceSize(j); size >= n && (best == 0 || size <= a.pieceSize(best)) {
					best = j
				}
			}
			if k != best {
				t.Fatalf("slot %d: a request of %d bytes gets class %d (%d bytes); want %d (%d bytes)", tc.slotSize, n, k, a.pieceSize(k), best, a.pieceSize(best))
			}
			if size := a.pieceSize(k); k != 0 && (size < tc.minPiece || size%a.align != 0 || k*size > tc.slotSize) {
				t.Fatalf("slot %d: class %d has pieces of %d bytes", tc.slotSize, k, size)
			}
		}
	}
}

func TestPiecesShareASlot(t *testing.T) {
	const slots, slotSize, minPiece = 3, 1 << 10, 32 // 32 pieces to a slot
	a := newTestArenaWith(t, slots, slotSize, Options{MinPiece: minPiece})
	if got, want := a.MaxSpans(), slots*slotSize/minPiece; got != want {
		t.Fatalf("MaxSpans = %d; want %d", got, want)
	}
	region := a.Region()
	owner := make([]int, len(region))
	var spans []Span
	for i := range a.MaxSpans() {
		s, err := a.TryAlloc(minPiece)
		if err != nil {
			t.Fatalf("piece %d of %d: %v", i, a.MaxSpans(), err)
		}
		spans = append(spans, s)
		b := a.Bytes(s)
		if len(b) != minPiece || cap(b) != minPiece || &b[0] != &region[a.Offset(s)] {
			t.Fatalf("piece %+v: len %d cap %d at offset %d", s, len(b), cap(b), a.Offset(s))
		}
		for j := a.Offset(s); j < a.Offset(s)+len(b); j++ {
			if owner[j] != 0 {
				t.Fatalf("piece %d overlaps span %d at byte %d", len(spans), owner[j], j)
			}
			owner[j] = len(spans)
		}
	}
	if _, err := a.TryAlloc(minPiece); !errors.Is(err, ErrFull) {
		t.Fatalf("TryAlloc with every piece out = %v; want ErrFull", err)
	}
	if st := a.Stats(); st.FreeSlots != 0 {
		t.Fatalf("every piece out: %+v", st)
	}
	// Freeing a full slab's pieces gives its slot back with the last one.
	mustFree(t, a, spans[:31]...)
	if st := a.Stats(); st.FreeSlots != 0 {
		t.Fatalf("one piece of the first slab still out: %+v", st)
	}
	mustFree(t, a, spans[31])
	if st := a.Stats(); st.FreeSlots != 1 {
		t.Fatalf("first slab's pieces all back: %+v; want one free slot", st)
	}
	// The freed slot serves a whole-slot request.
	whole, err := a.TryAlloc(slotSize)
	if err != nil {
		t.Fatalf("TryAlloc of a slot after its pieces came back: %v", err)
	}
	mustFree(t, a, whole)
	mustFree(t, a, spans[32:]...)
}

// TestPiecesSurviveConcurrentAllocAndFree: two goroutines take and give
// back one piece each, over and over, so the class's slab is retired,
// freed and made afresh all the time, from under the other's feet. Every
// Free must succeed: a piece issued twice (a slab made fresh while a
// caller with a stale view of the class took a piece of it) fails the
// second Free with ErrDoubleFree.
func TestPiecesSurviveConcurrentAllocAndFree(t *testing.T) {
	a := newTestArenaWith(t, 64, DefaultSlotSize, Options{MinPiece: 1 << 10})
	const ops = 300_000
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for i := range ops {
				s, err := a.TryAlloc(1 << 10)
				if err != nil {
					t.Errorf("TryAlloc %d: %v (%+v)", i, err, a.Stats())
					return
				}
				a.Bytes(s)[0] = byte(i)
				if err := a.Free(s); err != nil {
					t.Errorf("Free %d: %v", i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	if st := a.Stats(); st.FreeSlots != st.Slots {
		t.Fatalf("every piece back: %+v", st)
	}
}

func TestPieceFreeIsChecked(t *testing.T) {
	a := newTestArenaWith(t, 2, 1<<10, Options{MinPiece: 64})
	s, err := a.TryAlloc(64)
	if err != nil {
		t.Fatal(err)
	}
	mustFree(t, a, s)
	again, err := a.TryAlloc(64) // the same piece, issued again
	if err != nil {
		t.Fatal(err)
	}
	if a.Offset(again) != a.Offset(s) {
		t.Fatalf("reissued piece at %d; want the freed one's offset %d", a.Offset(again), a.Offset(s))
	}
	if err := a.Free(s); !errors.Is(err, ErrDoubleFree) {
		t.Fatalf("stale copy of a reissued piece: Free = %v; want ErrDoubleFree", err)
	}
	forged := again
	forged.piece = 16 // a slot of this class has 16 pieces
	if err := a.Free(forged); !errors.Is(err, ErrForeignSpan) {
		t.Fatalf("piece past its slot: Free = %v; want ErrForeignSpan", err)
	}
	forged = again
	forged.class, forged.piece = 0, 1 // a whole slot has no pieces
	if err := a.Free(forged); !errors.Is(err, ErrForeignSpan) {
		t.Fatalf("whole slot with a piece number: Free = %v; want ErrForeignSpan", err)
	}
	forged = again
	forged.class = 33 // more pieces than a slot is ever cut into
	forged.piece = 0
	if err := a.Free(forged); !errors.Is(err, ErrForeignSpan) {
		t.Fatalf("piece of a class past the arena's: Free = %v; want ErrForeignSpan", err)
	}
	other := newTestArenaWith(t, 2, 1<<10, Options{MinPiece: 64})
	if err := other.Free(again); !errors.Is(err, ErrForeignSpan) {
		t.Fatalf("piece of another arena: Free = %v; want ErrForeignSpan", err)
	}
	mustFree(t, a, again)
}

func TestPieceWaiterIsServedWhenASlotFrees(t *testing.T) {
	a := newTestArenaWith(t, 1, 1<<10, Options{MinPiece: 64})
	whole, err := a.TryAlloc(1 << 10)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	var piece Span
	go func() {
		var err error
		piece, err = a.Alloc(t.Context(), 100, time.Minute)
		got <- err
	}()
	waitUntil(t, "the piece request to wait", func() bool { return a.Waiters() == 1 })
	mustFree(t, a, whole)
	if err := <-got; err != nil {
		t.Fatalf("Alloc of a piece: %v", err)
	}
	if len(a.Bytes(piece)) != 128 {
		t.Fatalf("piece of %d bytes; want 128", len(a.Bytes(piece)))
	}
	mustFree(t, a, piece)
}

func TestCloseRetiresIdleSlabs(t *testing.T) {
	a, err := New(4<<10, 1<<10, Options{MinPiece: 64})
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.TryAlloc(64)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); !errors.Is(err, ErrInUse) {
		t.Fatalf("Close with a piece out = %v; want ErrInUse", err)
	}
	mustFree(t, a, s)
	if err := a.Close(); err != nil {
		t.Fatalf("Close with every piece back: %v", err)
	}
}

func TestPiecePathAllocatesNothing(t *testing.T) {
	a := newTestArenaWith(t, 4, 1<<10, Options{MinPiece: 64})
	if n := testing.AllocsPerRun(100, func() {
		s, err := a.TryAlloc(100)
		if err != nil {
			t.Fatal(err)
		}
		mustFree(t, a, s)
	}); n != 0 {
		t.Errorf("TryAlloc+Free of a piece: %v allocations; want 0", n)
	}
}
