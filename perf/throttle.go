package perf

import (
	"context"
	"time"
)

// Throttle paces a sender to approximately a target number of records per
// second, like kafka-producer-perf-test's --throughput: it never bursts ahead
// of the schedule start + n/target, and it never tries to catch up faster than
// the target after falling behind by more than one record's worth.
//
// A Throttle is used by one goroutine.
type Throttle struct {
	perSecond float64
	start     time.Time
}

// NewThrottle paces from start at perSecond records per second. A
// perSecond of zero or less (the CLI's -1) disables pacing.
func NewThrottle(perSecond float64, start time.Time) *Throttle {
	return &Throttle{perSecond: perSecond, start: start}
}

// Delay is how long to wait, at time now, before sending record number sent
// (0-based) so that the average rate since start stays at the target.
func (t *Throttle) Delay(sent int64, now time.Time) time.Duration {
	if t.perSecond <= 0 {
		return 0
	}
	due := t.start.Add(time.Duration(float64(sent) / t.perSecond * float64(time.Second)))
	if wait := due.Sub(now); wait > 0 {
		return wait
	}
	return 0
}

// Wait blocks until record number sent is due, or ctx ends (its error is
// returned).
func (t *Throttle) Wait(ctx context.Context, sent int64) error {
	wait := t.Delay(sent, time.Now())
	if wait == 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
