package core

import (
	"testing"
	"time"
)

// TestWallMillisMatchesTimeNow: a record timestamp made from one monotonic
// reading is the millisecond time.Now would have given: it lies between
// the wall clock read just before and just after that reading, give or
// take the microsecond by which package tsc's readings may stray.
func TestWallMillisMatchesTimeNow(t *testing.T) {
	c := newMonoClock()
	// Half the readings before the counter's rate is known, half after.
	for i := range 100_000 {
		if i == 50_000 {
			deadline := time.Now().Add(5 * time.Second)
			for !c.ticks.Extrapolating() && time.Now().Before(deadline) {
				c.now()
				time.Sleep(time.Millisecond)
			}
			t.Logf("extrapolating from the time-stamp counter: %v", c.ticks.Extrapolating())
		}
		before := time.Now().Add(-time.Microsecond)
		mono := c.now()
		after := time.Now().Add(time.Microsecond)
		got := c.wallMillis(mono)
		if got < before.UnixMilli() || got > after.UnixMilli() {
			t.Fatalf("reading %d: timestamp %d ms, but the wall clock read %d ms just before and %d ms just after",
				i, got, before.UnixMilli(), after.UnixMilli())
		}
	}
}
