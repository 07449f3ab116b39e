package perf

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestThrottleDelay(t *testing.T) {
	start := time.Unix(1000, 0)
	cases := []struct {
		name      string
		perSecond float64
		sent      int64
		at        time.Duration // after start
		want      time.Duration
	}{
		{"unlimited never waits", -1, 1_000_000, 0, 0},
		{"zero rate means unlimited", 0, 5, 0, 0},
		{"first record is due at once", 100, 0, 0, 0},
		{"ahead of schedule waits for its slot", 100, 50, 100 * time.Millisecond, 400 * time.Millisecond},
		{"on schedule does not wait", 100, 50, 500 * time.Millisecond, 0},
		{"behind schedule does not wait", 100, 50, 2 * time.Second, 0},
		{"fractional rates", 0.5, 1, 0, 2 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := NewThrottle(tc.perSecond, start)
			if got := th.Delay(tc.sent, start.Add(tc.at)); got != tc.want {
				t.Fatalf("Delay(%d, +%v) = %v, want %v", tc.sent, tc.at, got, tc.want)
			}
		})
	}
}

func TestThrottleWaitEndsWithContext(t *testing.T) {
	th := NewThrottle(1, time.Now()) // record 3600 is due in an hour
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := th.Wait(ctx, 3600); !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait on a cancelled context = %v, want context.Canceled", err)
	}
}

func TestThrottleWaitReturnsWhenDue(t *testing.T) {
	th := NewThrottle(-1, time.Now())
	if err := th.Wait(context.Background(), 1<<40); err != nil {
		t.Fatalf("unlimited Wait = %v, want nil", err)
	}
}

// TestThrottleClockReads counts Wait's clock reads: none unthrottled, and
// at most one per record when throttled, however far ahead or behind the
// schedule the sender is.
func TestThrottleClockReads(t *testing.T) {
	cases := []struct {
		name      string
		perSecond float64
		maxReads  int
	}{
		{"unthrottled", -1, 0},
		{"behind schedule", 1e9, 1},
		{"ahead of schedule", 200_000, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			th := NewThrottle(tc.perSecond, time.Now())
			reads := 0
			th.now = func() time.Time { reads++; return time.Now() }
			for i := range int64(200) {
				if err := th.Wait(context.Background(), i); err != nil {
					t.Fatal(err)
				}
			}
			if reads > tc.maxReads {
				t.Fatalf("200 Waits read the clock %d times, want at most %d", reads, tc.maxReads)
			}
		})
	}
}

// fakeClock is one sender's view of time in a simulated run: Wait's sleeps
// and the sender's own work move it on; nothing waits for real.
type fakeClock struct {
	now   time.Time
	reads int
}

func (c *fakeClock) use(th *Throttle) {
	th.now = func() time.Time { c.reads++; return c.now }
	th.sleep = func(_ context.Context, d time.Duration) error { c.now = c.now.Add(d); return nil }
}

// TestThrottlePacesBoundedRun simulates runs of 10 s on a fake clock, with
// each Send taking a varying time and a few stalls longer than many
// records' worth, by one sender or several sharing the rate (each takes
// every k-th record of one schedule): no record goes before it is due, the
// records sent by the end are the records due by then to within 1%, and
// Wait reads the clock at most once per record.
func TestThrottlePacesBoundedRun(t *testing.T) {
	const run = 10 * time.Second
	cases := []struct {
		name      string
		perSecond float64
		senders   int
		// Every every-th send takes stall; the last stall ends before the
		// run does, so the sender can catch up.
		stall time.Duration
		every int64
	}{
		{"one sender", 5000, 1, 0, 0},
		{"one sender with stalls", 5000, 1, 300 * time.Millisecond, 4999},
		{"four senders share the rate", 5000, 4, 0, 0},
		{"four senders with stalls", 5000, 4, 300 * time.Millisecond, 997},
		{"slow rate with stalls", 7, 1, 2 * time.Second, 25},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Unix(1000, 0)
			end := start.Add(run)
			sched := NewSchedule(tc.perSecond, start)
			var sent int64
			for g := range tc.senders {
				clock := &fakeClock{now: start}
				th := sched.Throttle()
				clock.use(th)
				records := 0
				for i := int64(g); ; i += int64(tc.senders) {
					if err := th.Wait(context.Background(), i); err != nil {
						t.Fatal(err)
					}
					if clock.now.After(end) {
						break
					}
					if clock.now.Before(sched.Due(i)) {
						t.Fatalf("record %d sent at %v, before it was due at %v", i, clock.now.Sub(start), sched.Due(i).Sub(start))
					}
					records++
					cost := time.Duration(i%7) * 20 * time.Microsecond // below a record's share of time
					if tc.every > 0 && i%tc.every == tc.every-1 {
						cost = tc.stall
					}
					clock.now = clock.now.Add(cost)
				}
				if clock.reads > records+1 {
					t.Errorf("sender %d read the clock %d times for %d records", g, clock.reads, records)
				}
				sent += int64(records)
			}
			// Records 0..n-1 are due by the end when (n-1)/rate <= run.
			due := int64(run.Seconds()*tc.perSecond) + 1
			if sent > due || float64(due-sent) > 0.01*float64(due) {
				t.Fatalf("%d records sent in %v at %v/s, want %d within 1%% and never more", sent, run, tc.perSecond, due)
			}
		})
	}
}

func TestScheduleDue(t *testing.T) {
	start := time.Unix(1000, 0)
	cases := []struct {
		perSecond float64
		n         int64
		want      time.Duration
	}{
		{-1, 1 << 40, 0},
		{1000, 0, 0},
		{1000, 1500, 1500 * time.Millisecond},
		{0.5, 3, 6 * time.Second},
	}
	for _, tc := range cases {
		if got := NewSchedule(tc.perSecond, start).Due(tc.n).Sub(start); got != tc.want {
			t.Errorf("Due(%d) at %v/s = +%v, want +%v", tc.n, tc.perSecond, got, tc.want)
		}
	}
}

// TestThrottleWaitAllocatesNothing: a paced Wait that sleeps reuses the
// Throttle's one timer.
func TestThrottleWaitAllocatesNothing(t *testing.T) {
	th := NewThrottle(1e9, time.Now().Add(time.Hour)) // every record is due in the future
	slept := 0
	sleep := th.sleep
	th.sleep = func(ctx context.Context, d time.Duration) error {
		slept++
		return sleep(ctx, time.Microsecond) // the real timer, briefly
	}
	if err := th.Wait(context.Background(), 0); err != nil { // makes the timer
		t.Fatal(err)
	}
	i := int64(1)
	allocs := testing.AllocsPerRun(100, func() {
		th.known = time.Time{} // so that Wait reads the clock and sleeps again
		if err := th.Wait(context.Background(), i); err != nil {
			t.Fatal(err)
		}
		i++
	})
	if allocs != 0 || slept < 100 {
		t.Fatalf("%v allocations per Wait over %d sleeps, want none", allocs, slept)
	}
}
