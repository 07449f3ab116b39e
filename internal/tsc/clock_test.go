package tsc

import (
	"sync"
	"testing"
	"time"
)

// accuracy bounds how far a read may stray from the runtime clock read
// around it: half of maxSpread's ticks at the anchor plus the rate's error
// over maxAge come to about 0.1 µs at 2.4 GHz; the bound leaves room for
// slower counters.
const accuracy = int64(time.Microsecond)

// TestMeasureRate: a rate converts ticks back to the nanoseconds it was
// measured from, for spans short and long (span<<32 would overflow).
func TestMeasureRate(t *testing.T) {
	for _, tc := range []struct {
		span  int64
		ticks uint64
	}{
		{10_000_000, 24_454_240},         // 10 ms at 2.445424 GHz
		{1_000_000_000, 2_445_424_000},   // 1 s
		{3_600_000_000_000, 3_600 * 3e9}, // an hour at 3 GHz
		{10_000_000, 10_000_000},         // 1 GHz
	} {
		rate, ok := measureRate(tc.span, tc.ticks)
		if !ok {
			t.Fatalf("measureRate(%d ns, %d ticks) refused", tc.span, tc.ticks)
		}
		// A millisecond's worth of ticks converts back to a millisecond.
		ms := tc.ticks * 1_000_000 / uint64(tc.span)
		if got := int64(ms * rate >> 32); got < 999_999 || got > 1_000_000 {
			t.Errorf("rate from %d ns over %d ticks: %d ticks of a millisecond convert to %d ns", tc.span, tc.ticks, ms, got)
		}
	}
	for _, tc := range []struct {
		span  int64
		ticks uint64
	}{{0, 100}, {-5, 100}, {100, 0}, {1_000_000, 10}} {
		if _, ok := measureRate(tc.span, tc.ticks); ok {
			t.Errorf("measureRate(%d ns, %d ticks) accepted a counter that did not advance or crawled", tc.span, tc.ticks)
		}
	}
}

// TestAnchorsSetRateThenDistrust drives the anchor logic with a made-up
// 2 GHz counter: no rate before the first window ends, then a rate that
// extrapolates exactly, then a counter that changes its rate by 5% turns
// extrapolation off for good.
func TestAnchorsSetRateThenDistrust(t *testing.T) {
	c := &Clock{windowLength: firstWindow}
	const start = int64(5e9)
	ticksAt := func(nanos int64, ghz float64) uint64 { return uint64(float64(nanos) * ghz) }

	c.anchorAt(ticksAt(start, 2), start)
	if c.limit.Load() != 0 {
		t.Fatal("a clock with one anchor extrapolates: it has no rate yet")
	}
	c.anchorAt(ticksAt(start+firstWindow/2, 2), start+firstWindow/2)
	if c.limit.Load() != 0 {
		t.Fatal("a rate was set before the first window ended")
	}
	at := start + firstWindow
	c.anchorAt(ticksAt(at, 2), at)
	if c.limit.Load() == 0 {
		t.Fatal("no rate after the first window")
	}
	if got, want := c.limit.Load(), uint64(2*maxAge); got < want-1 || got > want {
		t.Errorf("limit %d ticks, want maxAge at 2 GHz, %d", got, want)
	}
	if c.windowLength != window {
		t.Errorf("the next window is %d ns, want %d", c.windowLength, window)
	}
	// Half a millisecond of ticks past the anchor.
	if got := int64(uint64(1_000_000) * c.rate.Load() >> 32); got < 499_999 || got > 500_000 {
		t.Errorf("1,000,000 ticks at 2 GHz extrapolate to %d ns, want 500,000", got)
	}

	// The counter then runs 5% faster for a whole window.
	base := ticksAt(at, 2)
	next := at + window
	c.anchorAt(base+ticksAt(window, 2.1), next)
	if !c.off.Load() || c.limit.Load() != 0 {
		t.Fatal("a counter whose rate moved by 5% is still extrapolated from")
	}
	// Once off, reads are the runtime clock's.
	before := runtimeNano()
	got := c.Nanotime()
	if after := runtimeNano(); got < before || got > after {
		t.Errorf("a clock turned off read %d, outside the runtime clock's %d..%d", got, before, after)
	}
}

// TestRateFollowsSlewing: a rate that moves by less than 1% (NTP slewing
// the runtime clock by up to 500 ppm) is followed, not distrusted.
func TestRateFollowsSlewing(t *testing.T) {
	c := &Clock{windowLength: firstWindow}
	c.anchorAt(0, 1e9)
	c.anchorAt(2*firstWindow, 1e9+firstWindow)
	first := c.rate.Load()
	c.anchorAt(2*firstWindow+uint64(2*window*(1+500e-6)), 1e9+firstWindow+window)
	if c.off.Load() {
		t.Fatal("a 500 ppm change of rate turned extrapolation off")
	}
	if c.rate.Load() >= first {
		t.Errorf("rate %d after the counter ran faster, want below %d", c.rate.Load(), first)
	}
}

// trustedClock is a Clock on this machine's counter with its rate
// measured; it skips the test where the kernel does not time with the TSC.
func trustedClock(t *testing.T) *Clock {
	t.Helper()
	if !counterTrusted() {
		t.Skipf("the kernel does not time with the TSC here (%s), so a Clock reads the runtime clock", clocksourceFile)
	}
	c := New()
	deadline := time.Now().Add(10 * time.Second)
	for !c.Extrapolating() {
		if time.Now().After(deadline) {
			t.Fatal("no rate measured within 10 s of reads")
		}
		c.Nanotime()
		time.Sleep(time.Millisecond)
	}
	return c
}

// TestNanotimeTracksRuntimeClock: on this machine's counter, every read
// lies between runtime clock reads taken just before and just after it,
// give or take accuracy, whether extrapolated or anchoring.
func TestNanotimeTracksRuntimeClock(t *testing.T) {
	c := trustedClock(t)
	anchors := c.seq.Load()
	var worst int64
	for i := range 200_000 {
		before := runtimeNano()
		got := c.Nanotime()
		after := runtimeNano()
		if got < before-accuracy || got > after+accuracy {
			t.Fatalf("read %d: %d ns, but the runtime clock read %d just before and %d just after", i, got, before, after)
		}
		worst = max(worst, before-got, got-after)
		if i%1000 == 0 {
			time.Sleep(50 * time.Microsecond) // let anchors age past maxAge now and then
		}
	}
	if c.off.Load() {
		t.Fatal("extrapolation turned itself off on a counter the kernel trusts")
	}
	if c.seq.Load() == anchors {
		t.Fatal("200,000 reads over more than a millisecond took no new anchor")
	}
	t.Logf("worst distance outside the runtime clock's reads: %d ns", worst)
}

// TestNanotimeConcurrent: goroutines reading while others anchor each
// see time move forward, give or take accuracy (the race detector checks
// the sequence lock).
func TestNanotimeConcurrent(t *testing.T) {
	c := trustedClock(t)
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for g := range 4 {
		wg.Go(func() {
			last := c.Nanotime()
			for i := range 50_000 {
				var now int64
				if g == 0 && i%100 == 0 {
					now = c.anchor()
				} else {
					now = c.Nanotime()
				}
				if now < last-accuracy {
					errs <- "time went back"
					return
				}
				last = max(last, now)
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
}
