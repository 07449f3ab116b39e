package core

import (
	"math"
	"sync/atomic"
	"time"
	_ "unsafe" // for go:linkname

	"github.com/perfproducer/perfproducer/internal/tsc"
)

// monoClock reads monotonic time as int64 nanoseconds since the producer
// started: cheap to store in atomics and to compare, and immune to wall-clock
// steps (linger, backoff and timeouts must not jump when NTP does).
//
// It also gives record timestamps (wall-clock milliseconds) from the same
// single clock read: wall time is the monotonic reading plus an anchor, a
// wall-clock read paired with a monotonic one, taken again once it is a
// millisecond old. So a Send reads one clock, not two as time.Now does; a
// busy producer reads the wall clock once a millisecond, an idle one at
// its next Send; and a step or slew of the wall clock alone (NTP, a VM's
// host setting the guest's time) shows within a millisecond. On a busy
// 2-core VM the wall clock was seen to move against the monotonic one by
// 1.6 µs in 56 ms: with an anchor a second old, records near a
// millisecond's edge were stamped a millisecond earlier than time.Now
// said just before Send.
//
// Readings come from package tsc: the runtime's monotonic clock,
// extrapolated from the CPU's time-stamp counter where the kernel times
// with it, which makes Send's one clock read a third as costly. They stay
// within nanoseconds of the runtime clock, so a record's timestamp is the
// millisecond time.Now would give except within that distance of a
// millisecond's edge, as if the clock had been read that much earlier or
// later.
type monoClock struct {
	base time.Time
	// baseRuntime is the runtime's monotonic clock at base: readings plus
	// baseRuntime are the runtime clock's nanoseconds, which on Linux are
	// CLOCK_MONOTONIC's, the clock eBPF programs read (bpf_ktime_get_ns),
	// so batch stamps compare with kernel stamps directly.
	baseRuntime int64
	ticks       *tsc.Clock
	anchor      atomic.Pointer[wallAnchor]
}

// wallAnchor pairs a monotonic reading with the wall time, in Unix
// nanoseconds, at that moment. Nanoseconds, not milliseconds: a timestamp
// is then rounded down once, to the millisecond time.Now().UnixMilli()
// would give, rather than twice.
type wallAnchor struct {
	mono      int64
	wallNanos int64
}

// anchorRefresh is the age at which the wall-clock anchor is taken again.
const anchorRefresh = int64(time.Millisecond)

func newMonoClock() *monoClock {
	c := &monoClock{base: time.Now(), ticks: tsc.Shared()}
	// Reading the two clocks a few nanoseconds apart errs by that much.
	c.baseRuntime = runtimeNano() - int64(time.Since(c.base))
	c.takeAnchor()
	return c
}

func (c *monoClock) now() int64 { return c.ticks.Nanotime() - c.baseRuntime }

// runtimeNano is the runtime's monotonic clock, the one time.Now's
// monotonic reading comes from, offset by the process's start. Go exposes
// no offset-free reading; the runtime keeps this name reachable for that.
//
//go:linkname runtimeNano runtime.nanotime
func runtimeNano() int64

// monotonic converts reading mono to the runtime clock's nanoseconds.
func (c *monoClock) monotonic(mono int64) int64 { return c.baseRuntime + mono }

// at is the time.Time of monotonic reading mono, with its monotonic
// reading kept (Time.Add keeps it), so times from at compare and subtract
// exactly without another clock read.
func (c *monoClock) at(mono int64) time.Time { return c.base.Add(time.Duration(mono)) }

// wallMillis is the wall-clock time, in Unix milliseconds, at monotonic
// reading mono, which was just read. It takes the anchor again first when
// it is anchorRefresh old (goroutines that find it so at once each take
// one; the last stored stands).
func (c *monoClock) wallMillis(mono int64) int64 {
	a := c.anchor.Load()
	if mono-a.mono >= anchorRefresh {
		a = c.takeAnchor()
	}
	return (a.wallNanos + mono - a.mono) / int64(time.Millisecond)
}

// takeAnchor sets the anchor from a fresh wall-clock read and returns it.
func (c *monoClock) takeAnchor() *wallAnchor {
	a := tightWallAnchor(c.now, func() int64 { return time.Now().UnixNano() })
	c.anchor.Store(&a)
	return &a
}

// maxAnchorSpread bounds the monotonic readings around an anchor's wall
// clock read; the anchor then errs by at most half of it. Uninterrupted,
// the three reads take about a tenth of it; anchorTries samples are taken
// at most, and the tightest kept.
const (
	maxAnchorSpread = int64(time.Microsecond)
	anchorTries     = 16
)

// tightWallAnchor pairs a wall-clock read (Unix nanoseconds) with the
// monotonic reading of the same moment: the midpoint of the monotonic
// readings just before and just after it. A thread interrupted between the
// reads (a busy machine, a VM's host) would pair readings microseconds or
// more apart, and every timestamp until the next anchor would be off by that
// much: a record stamped a millisecond earlier than time.Now said when
// Send began. So a pair further apart than maxAnchorSpread is read again.
func tightWallAnchor(mono, wall func() int64) wallAnchor {
	var best wallAnchor
	bestSpread := int64(math.MaxInt64)
	for range anchorTries {
		before := mono()
		w := wall()
		after := mono()
		if spread := after - before; spread < bestSpread {
			best, bestSpread = wallAnchor{mono: before + spread/2, wallNanos: w}, spread
		}
		if bestSpread <= maxAnchorSpread {
			break
		}
	}
	return best
}
