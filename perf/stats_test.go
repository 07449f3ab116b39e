package perf

import (
	"strings"
	"testing"
	"time"
)

func TestStatsPrintsOneLinePerWindow(t *testing.T) {
	var out strings.Builder
	start := time.Unix(0, 0)
	s := NewStats(&out, start, 5*time.Second)

	// Four records of 1 MiB in the first window; the fourth completes at 5 s
	// and closes the window.
	for i, at := range []time.Duration{time.Second, 2 * time.Second, 3 * time.Second, 5 * time.Second} {
		s.Record(time.Duration(i+1)*time.Millisecond, 1<<20, start.Add(at))
	}
	want := "4 records sent, 0.8 records/sec (0.80 MB/sec), 2.5 ms avg latency, 4.0 ms max latency.\n"
	if out.String() != want {
		t.Fatalf("periodic output:\n got %q\nwant %q", out.String(), want)
	}

	// The next record opens a new window and prints nothing yet.
	s.Record(time.Millisecond, 10, start.Add(6*time.Second))
	if strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("a second line was printed before its window ended: %q", out.String())
	}
}

func TestSummaryLine(t *testing.T) {
	start := time.Unix(0, 0)
	s := NewStats(nil, start, time.Hour)
	// 1000 records with latencies 1..1000 ms.
	for i := 1; i <= 1000; i++ {
		s.Record(time.Duration(i)*time.Millisecond, 100, start.Add(time.Duration(i)*time.Millisecond))
	}
	s.RecordFailure()
	sum := s.Summary(start.Add(2 * time.Second))

	if sum.Records != 1000 || sum.Bytes != 100_000 || sum.Failed != 1 {
		t.Fatalf("counts = %d records, %d bytes, %d failed; want 1000, 100000, 1", sum.Records, sum.Bytes, sum.Failed)
	}
	// HDR keeps three significant digits: allow its bucket width.
	for _, p := range []struct {
		name      string
		got, want time.Duration
	}{{"p50", sum.P50, 500 * time.Millisecond}, {"p95", sum.P95, 950 * time.Millisecond}, {"p99", sum.P99, 990 * time.Millisecond}, {"p99.9", sum.P999, 999 * time.Millisecond}} {
		if diff := p.got - p.want; diff < 0 || diff > p.want/1000+time.Millisecond {
			t.Errorf("%s = %v, want %v (within HDR precision)", p.name, p.got, p.want)
		}
	}
	want := "1000 records sent, 500.000000 records/sec (0.05 MB/sec), 500.50 ms avg latency, 1000.00 ms max latency, 500 ms 50th, 950 ms 95th, 990 ms 99th, 999 ms 99.9th."
	if got := sum.String(); got != want {
		t.Fatalf("final line:\n got %q\nwant %q", got, want)
	}
}

func TestSummaryOfNothing(t *testing.T) {
	start := time.Unix(0, 0)
	sum := NewStats(nil, start, 0).Summary(start)
	if sum.Records != 0 || sum.RecordsPerSec != 0 || sum.AvgLatency != 0 {
		t.Fatalf("empty summary = %+v, want zeros", sum)
	}
}

func BenchmarkStatsRecord(b *testing.B) {
	start := time.Now()
	s := NewStats(nil, start, time.Hour)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		s.Record(time.Duration(i%5000)*time.Microsecond, 100, start)
	}
}
