//go:build linux

package arena

import (
	"errors"
	"testing"
)

// FuzzAgainstModel drives an arena with a byte string of operations and
// checks every answer against a plain model of which slots are taken:
// TryAlloc fails with ErrFull exactly when the model has no run of the size
// asked, spans never overlap, frees of freed spans are refused, and Stats
// match the model after every step.
func FuzzAgainstModel(f *testing.F) {
	f.Add([]byte{0, 1, 1, 2, 0x83, 4, 4, 4, 0x41, 0xff, 5})
	f.Add([]byte{0xc7, 0xc7, 0x07, 0x47, 0x85, 0x05, 0x01})
	f.Fuzz(func(t *testing.T, ops []byte) {
		const slots, slotSize = 70, 32 // two bitmap words, the last partial
		a := newTestArena(t, slots, slotSize)
		taken := make([]bool, slots)
		var live, freed []Span
		for step, op := range ops {
			switch arg := int(op & 0x3f); op >> 6 {
			case 0, 1: // allocate 1..64 slots
				count := 1 + arg
				s, err := a.TryAlloc(count*slotSize - slotSize/2)
				if fits := modelHasRun(taken, count); fits != (err == nil) || (err != nil && !errors.Is(err, ErrFull)) {
					t.Fatalf("step %d: TryAlloc of %d slots = %v; model has room: %v", step, count, err, fits)
				}
				if err != nil {
					continue
				}
				for i := s.Slot(); i < s.Slot()+s.Slots(); i++ {
					if taken[i] {
						t.Fatalf("step %d: span %+v overlaps a live span at slot %d", step, s, i)
					}
					taken[i] = true
				}
				live = append(live, s)
			case 2: // free a live span
				if len(live) == 0 {
					continue
				}
				i := arg % len(live)
				s := live[i]
				mustFree(t, a, s)
				for j := s.Slot(); j < s.Slot()+s.Slots(); j++ {
					taken[j] = false
				}
				live = append(live[:i], live[i+1:]...)
				freed = append(freed, s)
			case 3: // free a span again
				if len(freed) == 0 {
					continue
				}
				if err := a.Free(freed[arg%len(freed)]); !errors.Is(err, ErrDoubleFree) {
					t.Fatalf("step %d: second Free = %v; want ErrDoubleFree", step, err)
				}
			}
			inUse := 0
			for _, tk := range taken {
				if tk {
					inUse++
				}
			}
			if st := a.Stats(); st.FreeSlots != slots-inUse || st.InUse != int64(inUse*slotSize) {
				t.Fatalf("step %d: stats %+v; model has %d slots in use", step, st, inUse)
			}
		}
		mustFree(t, a, live...)
	})
}

// modelHasRun reports whether count slots in a row are free.
func modelHasRun(taken []bool, count int) bool {
	run := 0
	for _, tk := range taken {
		if run++; tk {
			run = 0
		}
		if run == count {
			return true
		}
	}
	return false
}
