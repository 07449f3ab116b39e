package bench

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core"
)

// sendChunk is how many records a Send benchmark appends before it stops
// the clock and flushes: about 2.3 MB of full batches, far below
// buffer.memory (32 MiB), so Send never waits for memory and what is timed
// is the append path alone. The sender goroutine still drains while Sends
// run, as it does in production.
const sendChunk = 20_000

// BenchmarkSend times one Send of a 100-byte record into a running producer
// (Kafka's defaults; a 3-broker, 12-partition kfake cluster in a child
// process), without and with keys (1024 distinct 16-byte keys), from one
// goroutine and from one per core.
//
// The parallel case splits each chunk among GOMAXPROCS goroutines by hand
// rather than with b.RunParallel, which cannot stop the clock: over a long
// run Send would then wait for buffer memory at the broker's pace, which
// BenchmarkMatrix measures.
func BenchmarkSend(b *testing.B) {
	for _, keyed := range []bool{false, true} {
		for _, workers := range []int{1, runtime.GOMAXPROCS(0)} {
			name := fmt.Sprintf("keys=%v/goroutines=%d", map[bool]string{false: "none", true: "1024"}[keyed], workers)
			b.Run(name, func(b *testing.B) { benchSend(b, keyed, workers) })
		}
	}
}

func benchSend(b *testing.B, keyed bool, workers int) {
	// Kafka's producer defaults on a 3-broker cluster that stores records.
	r := baseline().with(withBrokers(3), withAcksAll(true))
	broker := startBroker(b, r.brokers, r.partitions, benchTopic, false)
	pb, err := openPerfproducer(broker.addrs, r, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer pb.close()
	p := pb.(*perfproducerBench)
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	values := benchValues(r.valueSize)
	keys := make([][]byte, len(values))
	for i := range keys {
		keys[i] = fmt.Appendf(nil, "key-%012d", i)
	}
	// Each goroutine sends records first, first+workers, ... of a chunk
	// from its own Record.
	sendRange := func(first, end int) error {
		rec := core.Record{Topic: benchTopic}
		for i := first; i < end; i += workers {
			rec.Value = values[i%len(values)]
			if keyed {
				rec.Key = keys[i%len(keys)]
			}
			if err := p.p.Send(ctx, &rec, p.cb); err != nil {
				return fmt.Errorf("record %d: %w", i, err)
			}
		}
		return nil
	}
	flush := func() {
		if err := p.flush(ctx); err != nil {
			b.Fatalf("flush: %v", err)
		}
	}
	// Warm up: connections, producer id, and a chunk's worth of batches
	// and completion chunks in their pools.
	if err := sendRange(0, sendChunk); err != nil {
		b.Fatal(err)
	}
	flush()
	b.ReportAllocs()
	b.SetBytes(int64(r.valueSize))
	b.ResetTimer()
	var cpu time.Duration
	var allocs uint64
	for done := 0; done < b.N; done += sendChunk {
		end := min(done+sendChunk, b.N)
		startAllocs, _, _ := heapAllocs()
		start := processCPU()
		if workers == 1 {
			if err := sendRange(done, end); err != nil {
				b.Fatal(err)
			}
		} else {
			errs := make([]error, workers)
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() { errs[w] = sendRange(done+w, end) })
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		cpu += processCPU() - start
		endAllocs, _, _ := heapAllocs()
		allocs += endAllocs - startAllocs
		flush()
		b.StartTimer()
	}
	b.ReportMetric(float64(cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(allocs)*1000/float64(b.N), "allocs/1000op")
}
