package core

import (
	"runtime"
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
			a := c.anchor.Load()
			t.Fatalf("reading %d: timestamp %d ms, but the wall clock read %d ms just before and %d ms just after "+
				"(in nanoseconds: %d, read between %d and %d; anchor %+v; extrapolating %v)",
				i, got, before.UnixMilli(), after.UnixMilli(), a.wallNanos+mono-a.mono, before.UnixNano(), after.UnixNano(), *a, c.ticks.Extrapolating())
		}
	}
}

// TestWallAnchorSkipsInterruptedReads: a thread interrupted between the
// monotonic and wall-clock reads of an anchor (here for 3 ms, on the first
// four tries) would pair readings 3 ms apart, and every timestamp would be
// that much early until the next anchor. The anchor is read again until
// the pair is tight, and errs by at most half maxAnchorSpread; when no
// try is tight, the tightest is kept.
func TestWallAnchorSkipsInterruptedReads(t *testing.T) {
	const offset = int64(1_796_000_000_000_000_000) // wall = monotonic + offset
	for _, tc := range []struct {
		name        string
		interrupted int // tries interrupted between the monotonic and wall reads
		pause       func(try int) int64
		maxErr      int64
	}{
		{"four interrupted", 4, func(int) int64 { return 3_000_000 }, maxAnchorSpread / 2},
		{"all interrupted", anchorTries, func(try int) int64 { return int64(5_000_000 - try*1000) }, (5_000_000 - (anchorTries-1)*1000) / 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var now int64 = 1_000_000
			reads := 0
			mono := func() int64 { now += 40; return now }
			wall := func() int64 {
				try := reads
				reads++
				if try < tc.interrupted {
					now += tc.pause(try) // the thread sleeps between the reads
				}
				now += 40
				return now + offset
			}
			a := tightWallAnchor(mono, wall)
			errNanos := a.wallNanos - (a.mono + offset)
			if errNanos < -tc.maxErr || errNanos > tc.maxErr {
				t.Fatalf("after %d reads the anchor is %d ns off, want at most %d", reads, errNanos, tc.maxErr)
			}
		})
	}
}

// TestWallAnchorFollowsTheWallClock: when the wall clock moves against the
// monotonic one (here an anchor 5 ms off stands for a step of the wall
// clock), timestamps follow it once the anchor is a millisecond old,
// whichever goroutine stamps a record next.
func TestWallAnchorFollowsTheWallClock(t *testing.T) {
	c := newMonoClock()
	stale := *c.anchor.Load()
	stale.wallNanos -= int64(5 * time.Millisecond)
	c.anchor.Store(&stale)
	if got, want := c.wallMillis(c.now()), time.Now().UnixMilli(); got > want-4 {
		t.Fatalf("the test's anchor does not stand for a step: timestamp %d ms, wall clock %d ms", got, want)
	}
	deadline := time.Now().Add(testDeadline)
	for c.now()-stale.mono < anchorRefresh {
		if time.Now().After(deadline) {
			t.Fatal("the monotonic clock did not advance a millisecond")
		}
		runtime.Gosched()
	}
	before := time.Now().UnixMilli()
	got := c.wallMillis(c.now())
	after := time.Now().UnixMilli()
	if got < before || got > after {
		t.Fatalf("a millisecond after the step: timestamp %d ms, but the wall clock read %d ms before and %d ms after", got, before, after)
	}
}
