package bench

import (
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/perf"
)

func TestSummarizeLatencies(t *testing.T) {
	start := time.Unix(1000, 0)
	sched := perf.NewSchedule(1000, start)
	// Record i took i+1 ms: 1..1000 ms, the slowest the last.
	latencies := make([]atomic.Int64, 1000)
	for i := range latencies {
		latencies[i].Store(int64(time.Duration(i+1)*time.Millisecond) + 1)
	}
	got, err := summarizeLatencies(latencies, sched, start)
	if err != nil {
		t.Fatal(err)
	}
	// HdrHistogram with 3 significant digits: within 0.1 %.
	near := func(d, want time.Duration) bool { return d >= want-want/1000 && d <= want+want/1000 }
	for _, c := range []struct {
		name      string
		got, want time.Duration
	}{
		{"p50", got.P50, 500 * time.Millisecond},
		{"p99", got.P99, 990 * time.Millisecond},
		{"p99.9", got.P999, 999 * time.Millisecond},
		{"max", got.Max, 1000 * time.Millisecond},
		{"first", got.First, time.Millisecond},
	} {
		if !near(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if len(got.Worst) != worstKept || got.Worst[0].Seq != 999 || got.Worst[0].Due != 999*time.Millisecond {
		t.Errorf("worst records %v, want %d from record 999, due at 999ms", got.Worst, worstKept)
	}
}

func TestSummarizeLatenciesFailsOnALostRecord(t *testing.T) {
	start := time.Unix(1000, 0)
	latencies := make([]atomic.Int64, 3)
	latencies[0].Store(int64(time.Millisecond) + 1)
	latencies[2].Store(int64(time.Millisecond) + 1)
	_, err := summarizeLatencies(latencies, perf.NewSchedule(1000, start), start)
	if err == nil || !strings.Contains(err.Error(), "1 records") {
		t.Fatalf("record 1 without an outcome: err %v, want one record missing", err)
	}
}
