package perf

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// Latencies are recorded in microseconds from 1 µs to one hour with three
// significant digits: fine enough for loopback sends, wide enough for a stalled
// cluster, and a fixed ~200 KiB whatever the record count (Java's tool keeps a
// sampled array instead).
const (
	histogramMin     = 1
	histogramMax     = int64(time.Hour / time.Microsecond)
	histogramDigits  = 3
	DefaultInterval  = 5 * time.Second
	bytesPerMebibyte = 1024 * 1024
)

// Stats accumulates the outcome of every send: count, bytes, latency, and a
// reporting window that prints kafka-producer-perf-test's periodic line every
// interval. It is safe for concurrent use; Record takes a mutex, which costs
// far less than the send it measures.
type Stats struct {
	mu       sync.Mutex
	out      io.Writer
	interval time.Duration
	start    time.Time
	total    window
	failed   int64
	hist     *hdrhistogram.Histogram
	current  window
}

// window is the running sums of one reporting period (or of the whole run).
type window struct {
	start        time.Time
	count, bytes int64
	latencySum   time.Duration
	latencyMax   time.Duration
}

func (w *window) add(latency time.Duration, bytes int) {
	w.count++
	w.bytes += int64(bytes)
	w.latencySum += latency
	w.latencyMax = max(w.latencyMax, latency)
}

// rates returns records/s and MiB/s over the window's life up to now.
func (w *window) rates(now time.Time) (recordsPerSec, mibPerSec float64) {
	elapsed := now.Sub(w.start).Seconds()
	if elapsed <= 0 {
		return 0, 0
	}
	return float64(w.count) / elapsed, float64(w.bytes) / elapsed / bytesPerMebibyte
}

func (w *window) avgLatency() time.Duration {
	if w.count == 0 {
		return 0
	}
	return w.latencySum / time.Duration(w.count)
}

// NewStats starts measuring at start and prints a periodic line to out every
// interval (nil out prints nothing; interval 0 means DefaultInterval).
func NewStats(out io.Writer, start time.Time, interval time.Duration) *Stats {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return &Stats{
		out:      out,
		interval: interval,
		start:    start,
		total:    window{start: start},
		current:  window{start: start},
		hist:     hdrhistogram.New(histogramMin, histogramMax, histogramDigits),
	}
}

// Record counts one successful send of bytes that took latency, completed at
// now. When the current window is older than the interval, its line is
// printed and a new window starts.
func (s *Stats) Record(latency time.Duration, bytes int, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total.add(latency, bytes)
	s.current.add(latency, bytes)
	us := max(latency.Microseconds(), histogramMin)
	// RecordValue fails only above histogramMax; such a latency is still in
	// the count, sum and max above, and caps the percentiles at an hour.
	_ = s.hist.RecordValue(min(us, histogramMax))
	if now.Sub(s.current.start) >= s.interval {
		if s.out != nil {
			fmt.Fprintln(s.out, s.current.line(now))
		}
		s.current = window{start: now}
	}
}

// RecordFailure counts a send that ended in an error. Like Java's tool, a
// failure is not in the sent count or the latencies.
func (s *Stats) RecordFailure() {
	s.mu.Lock()
	s.failed++
	s.mu.Unlock()
}

// line is the periodic report, in kafka-producer-perf-test's words.
func (w *window) line(now time.Time) string {
	rps, mbps := w.rates(now)
	return fmt.Sprintf("%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.",
		w.count, rps, mbps, millis(w.avgLatency()), millis(w.latencyMax))
}

// Summary is the whole run's outcome.
type Summary struct {
	Records, Bytes, Failed   int64
	Elapsed                  time.Duration
	RecordsPerSec, MiBPerSec float64
	AvgLatency, MaxLatency   time.Duration
	P50, P95, P99, P999      time.Duration
}

// Summary reports the run from its start up to now.
func (s *Stats) Summary(now time.Time) Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	rps, mbps := s.total.rates(now)
	at := func(q float64) time.Duration {
		return time.Duration(s.hist.ValueAtQuantile(q)) * time.Microsecond
	}
	return Summary{
		Records: s.total.count, Bytes: s.total.bytes, Failed: s.failed,
		Elapsed:       now.Sub(s.start),
		RecordsPerSec: rps, MiBPerSec: mbps,
		AvgLatency: s.total.avgLatency(), MaxLatency: s.total.latencyMax,
		P50: at(50), P95: at(95), P99: at(99), P999: at(99.9),
	}
}

// String is the final line, in kafka-producer-perf-test's words (percentiles
// in whole milliseconds, as that tool prints them, so its parsers keep
// working).
func (m Summary) String() string {
	return fmt.Sprintf("%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.",
		m.Records, m.RecordsPerSec, m.MiBPerSec, millis(m.AvgLatency), millis(m.MaxLatency),
		m.P50.Milliseconds(), m.P95.Milliseconds(), m.P99.Milliseconds(), m.P999.Milliseconds())
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
