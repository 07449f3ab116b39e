package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/perfproducer/perfproducer/perf"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// waitFor polls cond until it holds, failing the test after the deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(kafkatest.Deadline)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestCorrectedLatencyShowsAStall paces a run against a one-broker cluster
// that holds one Produce request, with so little buffer memory that Send
// blocks during the hold; the test releases the request once Send has
// blocked and then the hold's length has passed. The records due while Send
// was blocked are appended after the release, so their latency from append
// is short, but from their intended send time it covers the rest of the
// hold: every record due in the hold's first half has a corrected latency
// of at least half the hold, and they are more than 1% of the run, while
// only the few dozen records in the buffer saw the hold from their append.
// (Only those, due before Send blocked, have a corrected latency of the
// whole hold: the corrected p99 is at least half the hold, not all of it.)
func TestCorrectedLatencyShowsAStall(t *testing.T) {
	const (
		topic    = "stall"
		records  = 12_000
		rate     = 4_000.0 // records/s: a 3 s run
		armAfter = 2_000   // records completed before the hold
		hold     = time.Second
	)
	c := kafkatest.NewCluster(t, 1, topic, 2)
	var armed, holding atomic.Bool
	release := make(chan struct{})
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		if armed.Load() && holding.CompareAndSwap(false, true) {
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false // then handled as usual
	})
	t.Cleanup(func() {
		if holding.Load() {
			select {
			case <-release:
			default:
				close(release)
			}
		}
	})

	cfg, err := core.ParseProperties(map[string]string{
		"bootstrap.servers": strings.Join(c.ListenAddrs(), ","),
		// A few dozen records in flight: Send blocks soon into the hold.
		"batch.size": "1024", "buffer.memory": "8192",
	})
	if err != nil {
		t.Fatal(err)
	}
	p, err := core.NewProducer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	o := &options{topic: topic, numRecords: records, recordSize: 100, throughput: rate, producers: 1}
	pl, err := newPayloads(o)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	stats := perf.NewStats(nil, start, perf.DefaultInterval)
	done := make(chan *outcomes, 1)
	go func() { done <- produceRecords(context.Background(), o, p, pl, stats, start) }()

	waitFor(t, "records before the hold", func() bool { n, _, _ := stats.Progress(); return n >= armAfter })
	armed.Store(true)
	waitFor(t, "a Produce request held", holding.Load)
	waitFor(t, "Send to block on buffer memory", func() bool { return p.Stats().BufferWaiters > 0 })
	time.Sleep(hold) // the injected stall's length, not a synchronisation
	close(release)

	res := <-done
	if err := p.Flush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r := res.result(); r.failed > 0 || r.sent != records {
		t.Fatalf("%d of %d records sent failed: %v", r.failed, r.sent, r.firstErr)
	}
	sum := stats.Summary(time.Now())
	if sum.Records != records || sum.Uncorrected == nil {
		t.Fatalf("%d records counted, uncorrected distribution %v; want %d and one", sum.Records, sum.Uncorrected, records)
	}
	// The records due in the first half of the hold after Send blocked
	// completed after the release: their corrected latency is at least
	// hold/2.
	if due := int64(rate * hold.Seconds() / 2); due < records/100 {
		t.Fatalf("test shape: %d records due in half the hold, fewer than 1%% of %d", due, records)
	}
	corrected, uncorrected := sum.Latency, *sum.Uncorrected
	t.Logf("stall of %v: corrected p50 %v p99 %v max %v; uncorrected p50 %v p99 %v max %v", hold,
		corrected.P50, corrected.P99, corrected.Max, uncorrected.P50, uncorrected.P99, uncorrected.Max)
	if corrected.P99 < hold/2 || corrected.Max < hold {
		t.Errorf("corrected p99 %v and max %v, want at least %v and %v: the stall is missing", corrected.P99, corrected.Max, hold/2, hold)
	}
	// Only the records in flight when the hold began, a few dozen, saw it
	// from their append.
	if uncorrected.P99 >= hold/2 {
		t.Errorf("uncorrected p99 %v, want below %v: only the records in the buffer waited out the hold", uncorrected.P99, hold/2)
	}
	if uncorrected.Max < hold/2 {
		t.Errorf("uncorrected max %v, want at least %v: the records held in flight waited", uncorrected.Max, hold/2)
	}
}
