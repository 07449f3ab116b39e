package tsc

import (
	"math/bits"
	"sync"
	"sync/atomic"
	_ "unsafe" // for go:linkname
)

const (
	// maxAge is the oldest anchor a read extrapolates from. One a
	// millisecond costs the runtime clock ~36 ns per millisecond, and
	// keeps the rate's error (parts per million) far below a nanosecond.
	maxAge = 1_000_000
	// firstWindow and window are the spans the counter's rate is measured
	// over: the first soon, so extrapolation starts 10 ms after the first
	// read; later ones long, so two anchors' few nanoseconds of error
	// weigh parts per hundred million.
	firstWindow = 10_000_000
	window      = 1_000_000_000
	// maxSpread is how far apart, in ticks, the two counter readings
	// around an anchor's runtime clock read may lie: 0.2 µs at 2.4 GHz,
	// about three times what an uninterrupted read takes. Further apart,
	// the goroutine was preempted or interrupted in between, or missed a
	// cache, and the pair is not kept: the anchor is the pair's midpoint,
	// which errs by up to half the spread.
	maxSpread = 512
	// maxRateChange is the largest change between two rate measurements,
	// as a fraction (1/100): NTP slews the runtime clock by at most
	// 500 ppm, so more than this is a counter that changed its rate.
	maxRateChange = 100
)

// Clock reads the runtime's monotonic clock (runtime nanotime, the
// monotonic part of time.Now), extrapolated from the time-stamp counter
// where the kernel trusts it. It is safe for concurrent use; reads take no
// lock. The zero Clock is not usable: use New or Shared.
type Clock struct {
	// seq is odd while an anchor is being written: a read that sees it odd
	// or changed reads the runtime clock instead (a sequence lock).
	seq atomic.Uint64
	// ticks and nanos are the anchor: a counter reading and the runtime
	// clock's at that moment.
	ticks atomic.Uint64
	nanos atomic.Int64
	// rate is nanoseconds per tick, fixed-point with 32 fractional bits.
	rate atomic.Uint64
	// limit is maxAge in ticks at rate; 0 while no rate is known or after
	// extrapolation was turned off, so every read takes the runtime clock.
	limit atomic.Uint64
	// off is set once when the counter cannot be trusted.
	off atomic.Bool

	// Only the anchor's writer (seq odd) touches these: where the current
	// rate measurement started.
	windowTicks  uint64
	windowNanos  int64
	windowLength int64
}

// New returns a Clock that extrapolates if this machine's kernel times
// with the TSC, and reads the runtime clock otherwise.
func New() *Clock {
	c := &Clock{windowLength: firstWindow}
	if !counterTrusted() {
		c.off.Store(true)
	}
	return c
}

var shared = sync.OnceValue(New)

// Shared is the process's Clock: one counter serves every producer, and
// its rate, once measured, serves later ones from their first read.
func Shared() *Clock { return shared() }

// runtimeNano is the runtime's monotonic clock in nanoseconds.
//
//go:linkname runtimeNano runtime.nanotime
func runtimeNano() int64

// Nanotime is the runtime's monotonic clock in nanoseconds, as
// runtime nanotime gives it (the process's own origin): within nanoseconds
// of a runtime clock read at the same moment, at a third of its cost
// when extrapolated. Two reads in a row may come out in either order by
// that error, so differences of readings taken microseconds apart can be
// a few nanoseconds negative.
func (c *Clock) Nanotime() int64 {
	s := c.seq.Load()
	ticks, nanos, rate, limit := c.ticks.Load(), c.nanos.Load(), c.rate.Load(), c.limit.Load()
	// A counter behind the anchor (read early, or on a CPU a tick behind)
	// wraps to a huge distance and fails the limit too.
	if d := readTicks() - ticks; d < limit && s&1 == 0 && c.seq.Load() == s {
		return nanos + int64(d*rate>>32) // d*rate < 2^64: d is under maxAge
	}
	return c.anchor()
}

// Extrapolating reports whether reads extrapolate from the counter now:
// false until the first rate is measured, and where the counter is not
// trusted.
func (c *Clock) Extrapolating() bool { return c.limit.Load() != 0 }

// anchor reads the runtime clock and returns it, taking it with the counter
// as the anchor later reads extrapolate from, unless another goroutine is
// doing so or the pair is not tight.
func (c *Clock) anchor() int64 {
	if c.off.Load() {
		return runtimeNano()
	}
	before := readTicks()
	nanos := runtimeNano()
	after := readTicks()
	s := c.seq.Load()
	if after-before > maxSpread || s&1 != 0 || !c.seq.CompareAndSwap(s, s+1) {
		return nanos
	}
	c.anchorAt(before+(after-before)/2, nanos)
	c.seq.Store(s + 2)
	return nanos
}

// anchorAt sets the anchor and, when the rate's window is over, the rate.
// Its caller holds the sequence lock.
func (c *Clock) anchorAt(ticks uint64, nanos int64) {
	switch span := nanos - c.windowNanos; {
	case c.windowNanos == 0:
		c.windowTicks, c.windowNanos = ticks, nanos
	case span >= c.windowLength:
		rate, ok := measureRate(span, ticks-c.windowTicks)
		if old := c.rate.Load(); !ok || (old != 0 && !rateClose(old, rate)) {
			c.off.Store(true)
			c.limit.Store(0)
			return
		}
		c.rate.Store(rate)
		c.limit.Store(uint64(maxAge<<32) / rate)
		c.windowTicks, c.windowNanos, c.windowLength = ticks, nanos, window
	}
	c.ticks.Store(ticks)
	c.nanos.Store(nanos)
}

// measureRate is span nanoseconds over ticks as a fixed-point rate (32
// fractional bits); not ok when the counter did not advance, or advanced
// implausibly slowly (under 1 MHz) or fast (over 2^32 GHz).
func measureRate(span int64, ticks uint64) (uint64, bool) {
	if span <= 0 || ticks == 0 || uint64(span)/ticks >= 1000 {
		return 0, false
	}
	// The quotient fits: span/ticks < 1000 < 2^32.
	rate, _ := bits.Div64(uint64(span)>>32, uint64(span)<<32, ticks)
	return rate, rate != 0
}

// rateClose reports whether two rates differ by at most 1/maxRateChange.
func rateClose(a, b uint64) bool {
	d := max(a, b) - min(a, b)
	return d <= a/maxRateChange
}
