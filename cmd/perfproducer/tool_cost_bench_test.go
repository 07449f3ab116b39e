package main

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/perf"
)

// discardProducer acknowledges every record at once, on the caller's
// goroutine, without a clock read: what is left is the tool's own cost.
type discardProducer struct{ at time.Time }

func (d discardProducer) Send(_ context.Context, r *core.Record, cb core.Callback) error {
	cb(core.RecordMetadata{Topic: r.Topic, Offset: 0, Opaque: r.Opaque, SendTime: d.at, CompletionTime: d.at}, nil)
	return nil
}

// BenchmarkToolLoop is the cost per record of perfproducer itself, its
// produce loop and statistics with an unthrottled run of 100-byte records,
// so users can tell what is the tool and what is the library in the tool's
// figures.
func BenchmarkToolLoop(b *testing.B) {
	o := &options{topic: "t", numRecords: int64(b.N), recordSize: 100, throughput: -1}
	pl, err := newPayloads(o)
	if err != nil {
		b.Fatal(err)
	}
	start := time.Now()
	stats := perf.NewStats(io.Discard, start, perf.DefaultInterval)
	b.ReportAllocs()
	b.ResetTimer()
	res := produceRecords(context.Background(), o, discardProducer{at: start}, pl, stats, start)
	b.StopTimer()
	if r := res.result(); r.failed != 0 {
		b.Fatalf("%d records failed: %v", r.failed, r.firstErr)
	}
	if got := stats.Summary(start).Records; got != int64(b.N) {
		b.Fatalf("%d records counted, want %d", got, b.N)
	}
}
