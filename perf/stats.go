package perf

import (
	"fmt"
	"io"
	"math"
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
// interval. Records that complete before the measurement start (a warmup)
// are only counted as such: they are in no other figure and no line. It is
// safe for concurrent use; Record takes a mutex, which costs far less than
// the send it measures.
type Stats struct {
	mu       sync.Mutex
	out      io.Writer
	interval time.Duration
	start    time.Time
	total    window
	failed   int64
	warmup   int64
	// measuring is set by the first record to complete at or after start
	// (see warm).
	measuring bool
	hist      *hdrhistogram.Histogram
	current   window
	// intervals are the windows printed so far.
	intervals []Interval
	// uncorrected is the distribution of RecordCorrected's uncorrected
	// latencies, made at its first call.
	uncorrected    *hdrhistogram.Histogram
	uncorrectedMax time.Duration
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
// Records that complete before start are the warmup's.
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
		hist:     newHistogram(),
	}
}

func newHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(histogramMin, histogramMax, histogramDigits)
}

// record puts latency into h in its unit and range. RecordValue fails only
// above histogramMax; such a latency is still in the windows' count, sum
// and max, and caps the percentiles at an hour.
func record(h *hdrhistogram.Histogram, latency time.Duration) {
	_ = h.RecordValue(min(max(latency.Microseconds(), histogramMin), histogramMax))
}

// Record counts one successful send of bytes that took latency, completed at
// now. When the current window is older than the interval, its line is
// printed and a new window starts.
func (s *Stats) Record(latency time.Duration, bytes int, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.measuring && s.warm(now) {
		return
	}
	s.total.add(latency, bytes)
	s.current.add(latency, bytes)
	record(s.hist, latency)
	if now.Sub(s.current.start) >= s.interval {
		s.closeWindow(now)
	}
}

// RecordCorrected is Record for a paced run: latency is measured from the
// record's intended send time (Schedule.Due) and is the one every figure and
// line reports; uncorrected, from when the record was actually handed to
// the producer, goes into a second distribution (Summary.Uncorrected). The
// two differ where the sender fell behind its schedule: the records it
// could not send during a stall count the stall only in latency.
func (s *Stats) RecordCorrected(latency, uncorrected time.Duration, bytes int, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.measuring && s.warm(now) {
		return
	}
	s.total.add(latency, bytes)
	s.current.add(latency, bytes)
	record(s.hist, latency)
	if s.uncorrected == nil {
		s.uncorrected = newHistogram()
	}
	record(s.uncorrected, uncorrected)
	s.uncorrectedMax = max(s.uncorrectedMax, uncorrected)
	if now.Sub(s.current.start) >= s.interval {
		s.closeWindow(now)
	}
}

// warm counts a record that completed at now if that is before the
// measurement start, and reports whether it did. Records complete in time
// order (a producer's callbacks run on one goroutine), so the first record
// after the warmup ends it: measuring is set, and later records skip the
// time comparison.
func (s *Stats) warm(now time.Time) bool {
	if now.Before(s.start) {
		s.warmup++
		return true
	}
	s.measuring = true
	return false
}

// closeWindow prints the current window's line, keeps its interval, and
// starts the next window at now.
func (s *Stats) closeWindow(now time.Time) {
	if s.out != nil {
		fmt.Fprintln(s.out, s.current.line(now))
	}
	s.intervals = append(s.intervals, s.current.interval(s.start, now))
	s.current = window{start: now}
}

// RecordFailure counts a send that ended in an error. Like Java's tool, a
// failure is not in the sent count or the latencies; unlike the sent count,
// it includes the warmup's.
func (s *Stats) RecordFailure() {
	s.mu.Lock()
	s.failed++
	s.mu.Unlock()
}

// Progress is how many records completed so far: counted, in the warmup,
// and failed.
func (s *Stats) Progress() (records, warmup, failed int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total.count, s.warmup, s.failed
}

// line is the periodic report, in kafka-producer-perf-test's words.
func (w *window) line(now time.Time) string {
	rps, mbps := w.rates(now)
	return fmt.Sprintf("%d records sent, %.1f records/sec (%.2f MB/sec), %.1f ms avg latency, %.1f ms max latency.",
		w.count, rps, mbps, millis(w.avgLatency()), millis(w.latencyMax))
}

// Interval is one reporting window: a periodic line's figures.
type Interval struct {
	// Start and End are the window's bounds, from the measurement start.
	Start, End               time.Duration
	Records, Bytes           int64
	RecordsPerSec, MiBPerSec float64
	AvgLatency, MaxLatency   time.Duration
}

func (w *window) interval(start, now time.Time) Interval {
	rps, mbps := w.rates(now)
	return Interval{
		Start: w.start.Sub(start), End: now.Sub(start),
		Records: w.count, Bytes: w.bytes, RecordsPerSec: rps, MiBPerSec: mbps,
		AvgLatency: w.avgLatency(), MaxLatency: w.latencyMax,
	}
}

// Summary is the whole run's outcome.
type Summary struct {
	Records, Bytes, Failed int64
	// Warmup counts the records that completed during the warmup, in no
	// other figure.
	Warmup                   int64
	Elapsed                  time.Duration
	RecordsPerSec, MiBPerSec float64
	AvgLatency, MaxLatency   time.Duration
	// Latency is the distribution of the latencies the figures report:
	// Record's, or RecordCorrected's corrected ones.
	Latency Distribution
	// Uncorrected is the distribution of RecordCorrected's uncorrected
	// latencies; nil when it was not called.
	Uncorrected *Distribution
	// Intervals are the windows of the periodic lines, then the window
	// still open at the summary's time if it counted a record, so that
	// their records add up to Records.
	Intervals []Interval
}

// Distribution is a latency distribution's percentiles (HDR values:
// three significant digits, whole microseconds), its exact maximum, and
// its curve.
type Distribution struct {
	P50, P90, P95, P99, P999, P9999, Max time.Duration
	Curve                                []CurvePoint
}

// CurvePoint is one point of a percentile curve: the latency at or below
// which Percentile percent of the records completed.
type CurvePoint struct {
	Percentile float64
	Latency    time.Duration
}

// Curve resolution: HdrHistogram plots percentiles on a log scale of
// 1/(1-p), where 90%, 99%, 99.9% are equally spaced; the curve has
// curveStepsPerDecade points per decade up to the percentile the record
// count resolves (1-1/count), and at most curveMaxDecades decades
// (99.9999%).
const (
	curveStepsPerDecade = 20
	curveMaxDecades     = 6
)

func distribution(h *hdrhistogram.Histogram, maxLatency time.Duration) Distribution {
	at := func(q float64) time.Duration { return time.Duration(h.ValueAtQuantile(q)) * time.Microsecond }
	d := Distribution{
		P50: at(50), P90: at(90), P95: at(95), P99: at(99), P999: at(99.9), P9999: at(99.99),
		Max: maxLatency,
	}
	n := float64(h.TotalCount())
	for k := 0; k <= curveStepsPerDecade*curveMaxDecades; k++ {
		x := math.Pow(10, float64(k)/curveStepsPerDecade) // 1/(1-p)
		if x > n {
			break
		}
		p := 100 * (1 - 1/x)
		d.Curve = append(d.Curve, CurvePoint{Percentile: p, Latency: at(p)})
	}
	return d
}

// Summary reports the run from its start up to now.
func (s *Stats) Summary(now time.Time) Summary {
	s.mu.Lock()
	defer s.mu.Unlock()
	rps, mbps := s.total.rates(now)
	m := Summary{
		Records: s.total.count, Bytes: s.total.bytes, Failed: s.failed, Warmup: s.warmup,
		Elapsed:       now.Sub(s.start),
		RecordsPerSec: rps, MiBPerSec: mbps,
		AvgLatency: s.total.avgLatency(), MaxLatency: s.total.latencyMax,
		Latency:   distribution(s.hist, s.total.latencyMax),
		Intervals: append([]Interval(nil), s.intervals...),
	}
	if s.uncorrected != nil {
		u := distribution(s.uncorrected, s.uncorrectedMax)
		m.Uncorrected = &u
	}
	if s.current.count > 0 {
		m.Intervals = append(m.Intervals, s.current.interval(s.start, now))
	}
	return m
}

// String is the final line, in kafka-producer-perf-test's words (percentiles
// in whole milliseconds, as that tool prints them, so its parsers keep
// working).
func (m Summary) String() string {
	l := &m.Latency
	return fmt.Sprintf("%d records sent, %f records/sec (%.2f MB/sec), %.2f ms avg latency, %.2f ms max latency, %d ms 50th, %d ms 95th, %d ms 99th, %d ms 99.9th.",
		m.Records, m.RecordsPerSec, m.MiBPerSec, millis(m.AvgLatency), millis(m.MaxLatency),
		l.P50.Milliseconds(), l.P95.Milliseconds(), l.P99.Milliseconds(), l.P999.Milliseconds())
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
