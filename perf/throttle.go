package perf

import (
	"context"
	"time"
)

// Schedule is a constant-rate plan, kafka-producer-perf-test's --throughput:
// record n (0-based) is due at start + n/perSecond. A record's due time is
// its intended send time, from which a latency free of coordinated omission
// is measured (Gil Tene's term; wrk2 and HdrHistogram correct for it the same
// way): a sender held up does not stop the clock of the records it should
// have sent meanwhile.
type Schedule struct {
	perSecond float64
	start     time.Time
}

// NewSchedule plans perSecond records per second from start. A perSecond
// of zero or less (the CLI's -1) is an unpaced run.
func NewSchedule(perSecond float64, start time.Time) Schedule {
	return Schedule{perSecond: perSecond, start: start}
}

// Paced reports whether the schedule sets a rate.
func (s Schedule) Paced() bool { return s.perSecond > 0 }

// Due is when record n is due: its intended send time. It reads no clock.
// Unpaced, every record is due at the start.
func (s Schedule) Due(n int64) time.Time {
	if s.perSecond <= 0 {
		return s.start
	}
	return s.start.Add(time.Duration(float64(n) / s.perSecond * float64(time.Second)))
}

// Throttle paces a sender to a Schedule. It never sends a record before
// it is due; a sender that fell behind (a Send that blocked, a stall) sends
// the overdue records at once, without waiting, until it is back on
// schedule, so the rate over the run holds whatever the stalls. Senders
// that share a rate each take every k-th record of one Schedule, each with
// its own Throttle: each then paces rate/k.
//
// A Throttle is used by one goroutine.
type Throttle struct {
	Schedule
	// known is a time the clock has certainly reached: a record due by
	// then goes without a clock read, so Wait reads the clock at most once
	// per record, and not at all while the sender is behind schedule.
	known time.Time
	timer *time.Timer // reused: a paced record costs no allocation
	// now and sleep are the clock; tests replace them.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// NewThrottle paces from start at perSecond records per second. A
// perSecond of zero or less (the CLI's -1) disables pacing.
func NewThrottle(perSecond float64, start time.Time) *Throttle {
	return NewSchedule(perSecond, start).Throttle()
}

// Throttle returns a Throttle that paces to s.
func (s Schedule) Throttle() *Throttle {
	t := &Throttle{Schedule: s, known: s.start, now: time.Now}
	t.sleep = t.sleepTimer
	return t
}

// Delay is how long to wait, at time now, before sending record number sent
// (0-based) so that the average rate since start stays at the target.
func (t *Throttle) Delay(sent int64, now time.Time) time.Duration {
	if t.perSecond <= 0 {
		return 0
	}
	return max(t.Due(sent).Sub(now), 0)
}

// Wait blocks until record number sent is due, or ctx ends (its error is
// returned). Unthrottled, it reads no clock.
func (t *Throttle) Wait(ctx context.Context, sent int64) error {
	if t.perSecond <= 0 {
		return ctx.Err()
	}
	due := t.Due(sent)
	if !due.After(t.known) {
		return ctx.Err()
	}
	t.known = t.now()
	wait := due.Sub(t.known)
	if wait <= 0 {
		return ctx.Err()
	}
	if err := t.sleep(ctx, wait); err != nil {
		return err
	}
	t.known = due // the sleep ended: the clock is past due
	return nil
}

// sleepTimer waits d on the Throttle's one timer, or until ctx ends.
func (t *Throttle) sleepTimer(ctx context.Context, d time.Duration) error {
	if t.timer == nil {
		t.timer = time.NewTimer(d)
	} else {
		t.timer.Reset(d)
	}
	select {
	case <-t.timer.C:
		return nil
	case <-ctx.Done():
		t.timer.Stop()
		return ctx.Err()
	}
}
