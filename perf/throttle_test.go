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
