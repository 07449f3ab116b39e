//go:build linux

package arena

import (
	"errors"
	"testing"
)

func TestBadFreesAreRefusedAndChangeNothing(t *testing.T) {
	const slotSize = 256
	a := newTestArena(t, 8, slotSize)
	other := newTestArena(t, 8, slotSize)

	held, err := a.TryAlloc(2 * slotSize)
	if err != nil {
		t.Fatal(err)
	}
	defer mustFree(t, a, held)
	freed, err := a.TryAlloc(3 * slotSize)
	if err != nil {
		t.Fatal(err)
	}
	mustFree(t, a, freed)
	stale, err := a.TryAlloc(1)
	if err != nil {
		t.Fatal(err)
	}
	mustFree(t, a, stale)
	reissued, err := a.TryAlloc(1)
	if err != nil {
		t.Fatal(err)
	}
	defer mustFree(t, a, reissued)
	if reissued.Slot() != stale.Slot() {
		t.Fatalf("reissued slot %d, stale slot %d: test needs the same slot", reissued.Slot(), stale.Slot())
	}
	foreign, err := other.TryAlloc(1)
	if err != nil {
		t.Fatal(err)
	}
	defer mustFree(t, other, foreign)

	for _, tc := range []struct {
		name string
		span Span
		want error
	}{
		{"run freed twice", freed, ErrDoubleFree},
		{"freed and slot reissued", stale, ErrDoubleFree},
		{"zero span", Span{}, ErrForeignSpan},
		{"span of another arena", foreign, ErrForeignSpan},
		{"past the end", Span{arena: a.id, first: 7, count: 2}, ErrForeignSpan},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := a.Stats()
			if err := a.Free(tc.span); !errors.Is(err, tc.want) {
				t.Fatalf("Free = %v; want %v", err, tc.want)
			}
			if after := a.Stats(); after != before {
				t.Fatalf("refused Free changed the arena: %+v, was %+v", after, before)
			}
		})
	}
}
