// Package tsc reads the runtime's monotonic clock cheaply on Linux/amd64 by
// extrapolating it from the CPU's time-stamp counter.
//
// A Go clock read (runtime nanotime, behind time.Now and time.Since) calls
// the vDSO's clock_gettime on the system stack: about 36 ns on the virtual
// machines this producer is tuned on, against 12 ns for the RDTSC
// instruction the vDSO itself reads. When the kernel's own clocksource is
// the TSC (so the kernel has found it invariant and in step across CPUs),
// a Clock pairs one counter reading with one runtime clock reading (an
// anchor), measures the counter's rate against the runtime clock over
// seconds, and answers later reads as anchor + ticks since x rate: the
// arithmetic the vDSO does, without its stack switch and ordering fence.
//
// Readings stay within nanoseconds of the runtime clock's:
//   - an anchor is at most maxAge (1 ms) old when it is extrapolated from;
//     older, and the read takes the runtime clock and anchors again;
//   - an anchor is kept only when its two counter readings around the
//     runtime clock read lie close together (no preemption in between);
//   - the rate is re-measured every second and follows the runtime clock's
//     NTP slewing; a rate that moves by more than 1% (a counter that is not
//     invariant after all, say on a migrated virtual machine) turns
//     extrapolation off for good.
//
// Elsewhere (another clocksource, another architecture, /sys unreadable)
// a Clock simply reads the runtime clock.
//
// This package imports no other package of the project.
package tsc
