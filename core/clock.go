package core

import (
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
// single clock read: wall time is the monotonic reading plus an anchor the
// sender refreshes every second, so a Send reads one clock, not two as
// time.Now does, and a wall-clock step shows up within a second.
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

// anchorRefresh is how often the wall-clock anchor is taken again.
const anchorRefresh = int64(time.Second)

func newMonoClock() *monoClock {
	c := &monoClock{base: time.Now(), ticks: tsc.Shared()}
	// Reading the two clocks a few nanoseconds apart errs by that much.
	c.baseRuntime = runtimeNano() - int64(time.Since(c.base))
	c.anchor.Store(&wallAnchor{mono: 0, wallNanos: c.base.UnixNano()})
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
// reading mono.
func (c *monoClock) wallMillis(mono int64) int64 {
	a := c.anchor.Load()
	return (a.wallNanos + mono - a.mono) / int64(time.Millisecond)
}

// refreshAnchor re-reads the wall clock when the anchor is a second old.
// The sender calls it each loop.
func (c *monoClock) refreshAnchor(mono int64) {
	if mono-c.anchor.Load().mono < anchorRefresh {
		return
	}
	wall := time.Now()
	c.anchor.Store(&wallAnchor{mono: int64(wall.Sub(c.base)), wallNanos: wall.UnixNano()})
}
