package arena

import "testing"

func TestRunMask(t *testing.T) {
	for _, tc := range []struct {
		word, first, end int
		want             uint64
	}{
		{0, 0, 1, 1},
		{0, 3, 5, 0b11000},
		{0, 0, 64, ^uint64(0)},
		{0, 60, 70, 0xf << 60},
		{1, 60, 70, 0x3f},
		{1, 0, 200, ^uint64(0)},
		{2, 100, 130, 0b11},
		{1, 127, 128, 1 << 63},
	} {
		if got := runMask(tc.word, tc.first, tc.end); got != tc.want {
			t.Errorf("runMask(%d, %d, %d) = %#x; want %#x", tc.word, tc.first, tc.end, got, tc.want)
		}
	}
}

func TestClaimRangeIsAllOrNothing(t *testing.T) {
	m := newSlotBitmap(130)
	if !m.claimRange(70, 1) {
		t.Fatal("claiming free slot 70 failed")
	}
	if m.claimRange(60, 20) {
		t.Fatal("claimed slots 60-79 though 70 is taken")
	}
	if got := m.free(); got != 129 {
		t.Fatalf("%d slots free after a refused claim; want 129 (the claim must roll back)", got)
	}
	if !m.claimRange(60, 10) {
		t.Fatal("slots 60-69 not free after the refused claim")
	}
}

func TestClaimPlacesSinglesLowAndRunsHigh(t *testing.T) {
	m := newSlotBitmap(130)
	for want := range 3 {
		if got, ok := m.claimOne(); !ok || got != want {
			t.Fatalf("claimOne = %d, %v; want slot %d", got, ok, want)
		}
	}
	for _, tc := range []struct{ count, want int }{{2, 128}, {64, 64}, {60, 4}} {
		if got, ok := m.claimRun(tc.count); !ok || got != tc.want {
			t.Fatalf("claimRun(%d) = %d, %v; want slot %d", tc.count, got, ok, tc.want)
		}
	}
	if got, ok := m.claimRun(2); ok {
		t.Fatalf("claimRun(2) = %d with one slot free", got)
	}
	if got, ok := m.claimOne(); !ok || got != 3 {
		t.Fatalf("last claimOne = %d, %v; want slot 3", got, ok)
	}
	if _, ok := m.claimOne(); ok || m.free() != 0 {
		t.Fatalf("claimOne succeeded on a full bitmap, %d free", m.free())
	}
}
