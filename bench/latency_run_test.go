package bench

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"github.com/perfproducer/perfproducer/perf"
)

// latencyResult is a fixed-rate run's latency distribution, from each
// record's intended send time to its acknowledgement, warm-up included,
// and what locates its worst records.
type latencyResult struct {
	P50, P99, P999, Max time.Duration
	// First is the first record's latency; Worst are the slowest records,
	// slowest first.
	First time.Duration
	Worst []slowRecord
	// GCs and GCPauseMax are the process's garbage collections over the
	// run and the longest stop-the-world pause among them.
	GCs        uint32
	GCPauseMax time.Duration
}

// slowRecord is one record's latency and when it was due, from the start.
type slowRecord struct {
	Seq     int64
	Due     time.Duration
	Latency time.Duration
}

// Latencies are kept in microseconds from 1 µs to an hour with three
// significant digits, as perfproducer's CLI keeps them.
const (
	latencyLowest  = 1
	latencyHighest = int64(time.Hour / time.Microsecond)
	latencyDigits  = 3
	worstKept      = 5
)

// latencyRun sends rate records per second for duration through client,
// paced by perf.Throttle from the moment the client is opened, so its
// start-up (connections, metadata, producer id) is part of the first
// records' latencies. A record's latency runs from its intended send time
// (perf.Schedule.Due) to its outcome, read from the clock when the client
// delivers it: a client that falls behind its schedule, or holds records,
// has every late record counted from when it should have gone, which is
// free of coordinated omission. Every record must be acknowledged exactly
// once, without error.
func latencyRun(ctx context.Context, client benchClient, r row, brokers []string, rate float64, duration time.Duration,
	brokerCPU func() (time.Duration, error)) (clientResult, error) {
	n := int64(rate * duration.Seconds())
	if n <= 0 {
		return clientResult{}, fmt.Errorf("a rate of %v records/s for %v sends no record", rate, duration)
	}
	values := benchValues(r.valueSize)
	// latencies[seq] is record seq's latency in ns plus one; zero until its
	// outcome arrives, so a lost or repeated outcome shows.
	latencies := make([]atomic.Int64, n)
	var failed, stray atomic.Int64
	broker0, err := brokerCPU()
	if err != nil {
		return clientResult{}, err
	}
	var gc0 runtime.MemStats
	runtime.ReadMemStats(&gc0)
	cpu0, start := processCPU(), time.Now()
	sched := perf.NewSchedule(rate, start)
	acked := func(seq int64, err error) {
		now := time.Now()
		if err != nil {
			failed.Add(1)
		}
		if seq < 0 || seq >= n || !latencies[seq].CompareAndSwap(0, int64(max(now.Sub(sched.Due(seq)), 0))+1) {
			stray.Add(1)
		}
	}
	p, err := client.open(brokers, r, acked)
	if err != nil {
		return clientResult{}, fmt.Errorf("opening %s: %w", client.name, err)
	}
	defer p.close()
	throttle := sched.Throttle()
	for seq := range n {
		if err := throttle.Wait(ctx, seq); err != nil {
			return clientResult{}, fmt.Errorf("record %d: %w", seq, err)
		}
		if err := p.produce(ctx, seq, nil, values[seq%int64(len(values))]); err != nil {
			return clientResult{}, fmt.Errorf("record %d: %w", seq, err)
		}
	}
	if err := p.flush(ctx); err != nil {
		return clientResult{}, fmt.Errorf("flush: %w", err)
	}
	res := clientResult{Records: n, Elapsed: time.Since(start), CPU: processCPU() - cpu0}
	broker1, err := brokerCPU()
	if err != nil {
		return clientResult{}, err
	}
	res.BrokerCPU = broker1 - broker0
	var gc1 runtime.MemStats
	runtime.ReadMemStats(&gc1)
	if failed.Load() > 0 || stray.Load() > 0 {
		return clientResult{}, fmt.Errorf("%d records failed, %d outcomes for no record or a record twice", failed.Load(), stray.Load())
	}
	lat, err := summarizeLatencies(latencies, sched, start)
	if err != nil {
		return clientResult{}, err
	}
	lat.GCs = gc1.NumGC - gc0.NumGC
	lat.GCPauseMax = gcPauseMax(&gc1, gc1.NumGC-gc0.NumGC)
	res.Latency = lat
	return res, nil
}

// summarizeLatencies builds the distribution of every record's latency,
// failing if a record has none.
func summarizeLatencies(latencies []atomic.Int64, sched perf.Schedule, start time.Time) (*latencyResult, error) {
	hist := hdrhistogram.New(latencyLowest, latencyHighest, latencyDigits)
	var worst []slowRecord
	missing := 0
	for seq := range latencies {
		v := latencies[seq].Load()
		if v == 0 {
			missing++
			continue
		}
		d := time.Duration(v - 1)
		if err := hist.RecordValue(max(int64(d/time.Microsecond), latencyLowest)); err != nil {
			return nil, fmt.Errorf("record %d's latency %v: %w", seq, d, err)
		}
		if len(worst) < worstKept || d > worst[len(worst)-1].Latency {
			worst = append(worst, slowRecord{int64(seq), sched.Due(int64(seq)).Sub(start), d})
			slices.SortFunc(worst, func(a, b slowRecord) int { return int(b.Latency - a.Latency) })
			worst = worst[:min(len(worst), worstKept)]
		}
	}
	if missing > 0 {
		return nil, fmt.Errorf("%d records flushed without an outcome", missing)
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	return &latencyResult{
		P50:   us(hist.ValueAtQuantile(50)),
		P99:   us(hist.ValueAtQuantile(99)),
		P999:  us(hist.ValueAtQuantile(99.9)),
		Max:   worst[0].Latency,
		First: time.Duration(latencies[0].Load() - 1),
		Worst: worst,
	}, nil
}

// gcPauseMax is the longest of the last gcs stop-the-world pauses
// (MemStats keeps the last 256).
func gcPauseMax(ms *runtime.MemStats, gcs uint32) time.Duration {
	var longest uint64
	for i := range min(gcs, uint32(len(ms.PauseNs))) {
		longest = max(longest, ms.PauseNs[(ms.NumGC-i+255)%256])
	}
	return time.Duration(longest)
}
