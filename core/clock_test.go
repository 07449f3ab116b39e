package core

import (
	"testing"
	"time"
)

// TestWallMillisMatchesTimeNow: a record timestamp made from one monotonic
// reading is the millisecond time.Now would have given: it lies between
// the wall clock read just before and just after that reading.
func TestWallMillisMatchesTimeNow(t *testing.T) {
	c := newMonoClock()
	for i := range 10_000 {
		before := time.Now()
		mono := c.now()
		after := time.Now()
		got := c.wallMillis(mono)
		if got < before.UnixMilli() || got > after.UnixMilli() {
			t.Fatalf("reading %d: timestamp %d ms, but the wall clock read %d ms just before and %d ms just after",
				i, got, before.UnixMilli(), after.UnixMilli())
		}
	}
}
