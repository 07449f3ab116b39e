package perf

import (
	"math"
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
	}{{"p50", sum.Latency.P50, 500 * time.Millisecond}, {"p95", sum.Latency.P95, 950 * time.Millisecond}, {"p99", sum.Latency.P99, 990 * time.Millisecond}, {"p99.9", sum.Latency.P999, 999 * time.Millisecond}} {
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

// TestPercentilesOfKnownInputs checks each percentile against inputs whose
// percentiles are known, within HDR's three significant digits.
func TestPercentilesOfKnownInputs(t *testing.T) {
	type want struct{ p50, p90, p95, p99, p999, p9999, max time.Duration }
	cases := []struct {
		name      string
		latencies func(yield func(time.Duration))
		want      want
	}{
		{"uniform 1..10000 µs", func(yield func(time.Duration)) {
			for i := 1; i <= 10_000; i++ {
				yield(time.Duration(i) * time.Microsecond)
			}
		}, want{5 * time.Millisecond, 9 * time.Millisecond, 9500 * time.Microsecond, 9900 * time.Microsecond, 9990 * time.Microsecond, 9999 * time.Microsecond, 10 * time.Millisecond}},
		{"constant", func(yield func(time.Duration)) {
			for range 1000 {
				yield(3 * time.Millisecond)
			}
		}, want{3 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond, 3 * time.Millisecond}},
		{"99% fast, 1% stalled", func(yield func(time.Duration)) {
			for i := range 10_000 {
				if i%100 == 0 {
					yield(200 * time.Millisecond)
				} else {
					yield(time.Millisecond)
				}
			}
		}, want{time.Millisecond, time.Millisecond, time.Millisecond, time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond, 200 * time.Millisecond}},
		{"one record", func(yield func(time.Duration)) { yield(1234 * time.Microsecond) },
			want{1234 * time.Microsecond, 1234 * time.Microsecond, 1234 * time.Microsecond, 1234 * time.Microsecond, 1234 * time.Microsecond, 1234 * time.Microsecond, 1234 * time.Microsecond}},
		{"below a microsecond counts as one", func(yield func(time.Duration)) { yield(10 * time.Nanosecond) },
			want{time.Microsecond, time.Microsecond, time.Microsecond, time.Microsecond, time.Microsecond, time.Microsecond, 10 * time.Nanosecond}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Unix(0, 0)
			s := NewStats(nil, start, time.Hour)
			tc.latencies(func(d time.Duration) { s.Record(d, 1, start) })
			d := s.Summary(start.Add(time.Second)).Latency
			for _, p := range []struct {
				name      string
				got, want time.Duration
			}{{"p50", d.P50, tc.want.p50}, {"p90", d.P90, tc.want.p90}, {"p95", d.P95, tc.want.p95}, {"p99", d.P99, tc.want.p99},
				{"p99.9", d.P999, tc.want.p999}, {"p99.99", d.P9999, tc.want.p9999}, {"max", d.Max, tc.want.max}} {
				if diff := p.got - p.want; diff < 0 || diff > p.want/1000 {
					t.Errorf("%s = %v, want %v (within HDR precision, never below)", p.name, p.got, p.want)
				}
			}
		})
	}
}

// TestPercentileCurve checks the curve HdrHistogram plots: percentiles
// from 0 up to what the record count resolves, latencies never falling.
func TestPercentileCurve(t *testing.T) {
	start := time.Unix(0, 0)
	s := NewStats(nil, start, time.Hour)
	for i := 1; i <= 10_000; i++ {
		s.Record(time.Duration(i)*time.Microsecond, 1, start)
	}
	c := s.Summary(start).Latency.Curve
	// 1/(1-p) up to 10^4 in 20 steps a decade: 81 points.
	if len(c) != 81 || c[0].Percentile != 0 || math.Abs(c[len(c)-1].Percentile-99.99) > 1e-9 {
		t.Fatalf("curve of %d points from %v%% to %v%%, want 81 from 0%% to 99.99%%", len(c), c[0].Percentile, c[len(c)-1].Percentile)
	}
	for i := 1; i < len(c); i++ {
		if c[i].Percentile <= c[i-1].Percentile || c[i].Latency < c[i-1].Latency {
			t.Fatalf("curve falls between %+v and %+v", c[i-1], c[i])
		}
	}
	if at90 := c[20]; math.Abs(at90.Percentile-90) > 1e-9 || at90.Latency < 9*time.Millisecond || at90.Latency > 9009*time.Microsecond {
		t.Fatalf("curve point 20 = %+v, want 90%% at 9ms (within HDR precision)", at90)
	}
}

// TestWarmupIsExcluded: records that complete before the measurement start
// are counted as the warmup's and in no figure, line or interval.
func TestWarmupIsExcluded(t *testing.T) {
	var out strings.Builder
	launch := time.Unix(0, 0)
	measured := launch.Add(10 * time.Second)
	s := NewStats(&out, measured, time.Second)
	for i := range 100 { // one record every 100 ms of warmup, latency 1 s
		s.Record(time.Second, 10, launch.Add(time.Duration(i)*100*time.Millisecond))
	}
	for i := range 30 { // then 30 of 2 ms, one every 100 ms
		s.Record(2*time.Millisecond, 10, measured.Add(time.Duration(i)*100*time.Millisecond))
	}
	sum := s.Summary(measured.Add(3 * time.Second))
	if sum.Warmup != 100 || sum.Records != 30 || sum.Bytes != 300 || sum.MaxLatency != 2*time.Millisecond || sum.Latency.Max != 2*time.Millisecond {
		t.Fatalf("summary = %d warmup, %d records, %d bytes, max %v; want 100, 30, 300, 2ms", sum.Warmup, sum.Records, sum.Bytes, sum.MaxLatency)
	}
	if sum.RecordsPerSec != 10 {
		t.Fatalf("%v records/s, want 10: the rate is measured from the end of the warmup", sum.RecordsPerSec)
	}
	if strings.Contains(out.String(), "1000.0 ms") {
		t.Fatalf("a periodic line counts warmup records:\n%s", out.String())
	}
}

// TestIntervalsAddUpToTheTotal: the intervals are the periodic lines'
// windows and the open one, their records the summary's.
func TestIntervalsAddUpToTheTotal(t *testing.T) {
	var out strings.Builder
	start := time.Unix(0, 0)
	s := NewStats(&out, start, time.Second)
	for i := range 45 { // one record every 100 ms for 4.5 s
		s.Record(time.Millisecond, 100, start.Add(time.Duration(i+1)*100*time.Millisecond))
	}
	sum := s.Summary(start.Add(4600 * time.Millisecond))
	lines := strings.Count(out.String(), "\n")
	if lines != 4 || len(sum.Intervals) != 5 {
		t.Fatalf("%d lines and %d intervals, want 4 and 5 (the open window last)", lines, len(sum.Intervals))
	}
	var records, bytes int64
	for i, iv := range sum.Intervals {
		records += iv.Records
		bytes += iv.Bytes
		if i > 0 && iv.Start != sum.Intervals[i-1].End {
			t.Fatalf("interval %d starts at %v, the previous ended at %v", i, iv.Start, sum.Intervals[i-1].End)
		}
	}
	if records != sum.Records || bytes != sum.Bytes {
		t.Fatalf("intervals hold %d records, %d bytes; the summary %d, %d", records, bytes, sum.Records, sum.Bytes)
	}
	if first := sum.Intervals[0]; first.Records != 10 || first.End != time.Second || first.RecordsPerSec != 10 {
		t.Fatalf("first interval = %+v, want 10 records in [0, 1s], 10/s", first)
	}
}

// TestRecordCorrected: the corrected latency is what the figures report;
// the uncorrected one has a distribution of its own.
func TestRecordCorrected(t *testing.T) {
	var out strings.Builder
	start := time.Unix(0, 0)
	s := NewStats(&out, start, time.Second)
	// A stall: the 100 records due in 100 ms went after it, all at once.
	for i := range 100 {
		s.RecordCorrected(time.Duration(100-i)*time.Millisecond, time.Millisecond, 1, start.Add(time.Duration(i)*time.Microsecond))
	}
	sum := s.Summary(start.Add(2 * time.Second))
	if sum.Uncorrected == nil {
		t.Fatal("no uncorrected distribution")
	}
	if sum.Latency.P99 < 99*time.Millisecond || sum.MaxLatency != 100*time.Millisecond {
		t.Fatalf("corrected p99 %v, max %v; want 99ms and 100ms", sum.Latency.P99, sum.MaxLatency)
	}
	if sum.Uncorrected.P99 != time.Millisecond || sum.Uncorrected.Max != time.Millisecond {
		t.Fatalf("uncorrected p99 %v, max %v; want 1ms", sum.Uncorrected.P99, sum.Uncorrected.Max)
	}
	if NewStats(nil, start, 0).Summary(start).Uncorrected != nil {
		t.Fatal("an uncorrected distribution without RecordCorrected")
	}
}
