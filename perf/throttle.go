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
	// known is a time the clock has certainly reached: a record due by
	// then goes without a clock read, so Wait reads the clock at most once
	// per record, and not at all while the sender is behind schedule.
	known time.Time
	now   func() time.Time // time.Now; tests count its calls
}

// NewThrottle paces from start at perSecond records per second. A
// perSecond of zero or less (the CLI's -1) disables pacing.
func NewThrottle(perSecond float64, start time.Time) *Throttle {
	return &Throttle{perSecond: perSecond, start: start, known: start, now: time.Now}
}

// Delay is how long to wait, at time now, before sending record number sent
// (0-based) so that the average rate since start stays at the target.
func (t *Throttle) Delay(sent int64, now time.Time) time.Duration {
	if t.perSecond <= 0 {
		return 0
	}
	return max(t.due(sent).Sub(now), 0)
}

// due is when record number sent may go.
func (t *Throttle) due(sent int64) time.Time {
	return t.start.Add(time.Duration(float64(sent) / t.perSecond * float64(time.Second)))
}

// Wait blocks until record number sent is due, or ctx ends (its error is
// returned). Unthrottled, it reads no clock.
func (t *Throttle) Wait(ctx context.Context, sent int64) error {
	if t.perSecond <= 0 {
		return ctx.Err()
	}
	due := t.due(sent)
	if !due.After(t.known) {
		return ctx.Err()
	}
	t.known = t.now()
	wait := due.Sub(t.known)
	if wait <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case <-timer.C:
		t.known = due // the timer fired: the clock is past due
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
