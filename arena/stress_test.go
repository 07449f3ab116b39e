//go:build linux

package arena

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"sync"
	"testing"
	"time"
)

// holding is a span a stress worker holds, with the mark it wrote over all
// of the span's bytes.
type holding struct {
	span Span
	mark uint64
}

// TestStress has goroutines allocate (waiting or not) and free spans of
// random sizes for a bounded number of operations. Each writes a mark of its
// own over every span it holds and checks it before freeing, so two live
// spans sharing a byte fail the test; the accounting is checked after every
// step and exactly once all are quiet.
func TestStress(t *testing.T) {
	const (
		slotSize = 256
		slots    = 32
		workers  = 8
		ops      = 10000
		maxHeld  = 4
	)
	for name, opts := range map[string]Options{
		"slots":  {},
		"pieces": {MinPiece: 8}, // 32 pieces to a slot at the smallest
	} {
		t.Run(name, func(t *testing.T) {
			a := newTestArenaWith(t, slots, slotSize, opts)
			var wg sync.WaitGroup
			held := make([][]holding, workers)
			for w := range workers {
				wg.Go(func() {
					held[w] = stressWorker(t, a, uint64(w), ops, maxHeld)
				})
			}
			wg.Wait()
			if t.Failed() {
				return
			}
			want := int64(0)
			for _, hs := range held {
				for _, h := range hs {
					want += int64(len(a.Bytes(h.span)))
				}
			}
			// A slot cut into pieces counts as in use whole.
			if st := a.Stats(); st.InUse < want || (opts.MinPiece == 0 && st.InUse != want) || st.Waiters != 0 {
				t.Fatalf("quiet arena: %+v; workers hold %d bytes", st, want)
			}
			for _, hs := range held {
				for _, h := range hs {
					checkMark(t, a, h)
					mustFree(t, a, h.span)
				}
			}
			if st := a.Stats(); st.FreeSlots != slots || st.InUse != 0 {
				t.Fatalf("after freeing everything: %+v", st)
			}
		})
	}
}

// stressWorker runs ops random steps and returns what it still holds.
func stressWorker(t *testing.T, a *Arena, seed uint64, ops, maxHeld int) []holding {
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	var held []holding
	own := int64(0)
	for op := range ops {
		if len(held) == maxHeld || (len(held) > 0 && rng.IntN(2) == 0) {
			i := rng.IntN(len(held))
			h := held[i]
			checkMark(t, a, h)
			own -= int64(len(a.Bytes(h.span)))
			if err := a.Free(h.span); err != nil {
				t.Errorf("Free: %v", err)
				return held
			}
			held = append(held[:i], held[i+1:]...)
		} else {
			s, err := stressAlloc(t, a, rng)
			switch {
			case errors.Is(err, ErrFull), errors.Is(err, ErrTimeout):
			case err != nil:
				t.Errorf("allocation: %v", err)
				return held
			default:
				h := holding{s, seed<<32 | uint64(op)}
				for b := a.Bytes(s); len(b) > 0; b = b[8:] {
					binary.LittleEndian.PutUint64(b, h.mark)
				}
				own += int64(len(a.Bytes(s)))
				held = append(held, h)
			}
		}
		st := a.Stats()
		if st.Free+st.InUse != st.Total || st.FreeSlots < 0 || st.FreeSlots > st.Slots || st.InUse < own || st.Waiters < 0 {
			t.Errorf("step %d: accounting %+v, this worker holds %d bytes", op, st, own)
			return held
		}
	}
	return held
}

// stressAlloc asks for a random size, mostly within one slot, sometimes a
// run, by TryAlloc or by a short Alloc.
func stressAlloc(t *testing.T, a *Arena, rng *rand.Rand) (Span, error) {
	n := 1 + rng.IntN(a.SlotSize())
	if rng.IntN(8) == 0 {
		n = a.SlotSize() + rng.IntN(4*a.SlotSize())
	}
	if rng.IntN(2) == 0 {
		return a.TryAlloc(n)
	}
	return a.Alloc(t.Context(), n, 5*time.Millisecond)
}

// checkMark fails the test unless the span still holds its mark everywhere.
func checkMark(t *testing.T, a *Arena, h holding) {
	for b := a.Bytes(h.span); len(b) > 0; b = b[8:] {
		if got := binary.LittleEndian.Uint64(b); got != h.mark {
			t.Errorf("span at slot %d: mark %#x overwritten by %#x", h.span.Slot(), h.mark, got)
			return
		}
	}
}

// TestHandOffLosesNoWakeup has more goroutines than slots pass memory
// (pieces, slots and runs) through Alloc's queue, with TryAlloc racing it.
// A wakeup lost between a Free and a caller joining the queue would leave
// that caller waiting out its max.block.ms, which fails the test.
func TestHandOffLosesNoWakeup(t *testing.T) {
	const (
		workers = 6
		ops     = 2000
	)
	for _, slots := range []int{1, 3} {
		a := newTestArenaWith(t, slots, 64, Options{MinPiece: 16})
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for op := range ops {
					s, err := a.TryAlloc(handOffSize(op, slots))
					if errors.Is(err, ErrFull) {
						s, err = a.Alloc(t.Context(), handOffSize(op+w, slots), 10*time.Second)
					}
					if err != nil {
						t.Errorf("%d slots, worker %d, op %d: %v", slots, w, op, err)
						return
					}
					if err := a.Free(s); err != nil {
						t.Errorf("Free: %v", err)
						return
					}
				}
			})
		}
		wg.Wait()
		if st := a.Stats(); st.Waiters != 0 || st.FreeSlots != slots || st.Timeouts != 0 {
			t.Fatalf("%d slots, after hand-offs: %+v", slots, st)
		}
	}
}

// handOffSize is the size the hand-off test asks for at step i: a quarter
// slot, a half slot (pieces of two classes), or 1..slots whole slots.
func handOffSize(i, slots int) int {
	switch i % 4 {
	case 0:
		return 16
	case 1:
		return 32
	}
	return 64 * (1 + i%slots)
}
