package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/perf"
)

// result is how a run ended.
type result struct {
	failed   int64
	firstErr error
}

// benchmark produces the records and reports as kafka-producer-perf-test
// does.
func benchmark(ctx context.Context, o *options, stdout, stderr io.Writer) (result, error) {
	props, err := producerProps(o)
	if err != nil {
		return result{}, err
	}
	if props["bootstrap.servers"] == "" {
		cluster, err := startEmbeddedCluster(o.topic)
		if err != nil {
			return result{}, err
		}
		defer cluster.Close()
		props["bootstrap.servers"] = strings.Join(cluster.ListenAddrs(), ",")
		fmt.Fprintf(stderr, "perfproducer: no --bootstrap-server given: started an embedded cluster of %d brokers at %s, topic %q with %d partitions\n",
			embeddedBrokers, props["bootstrap.servers"], o.topic, embeddedPartitions)
	}
	cfg, err := core.ParseProperties(props)
	if err != nil {
		return result{}, err
	}
	pl, err := newPayloads(o)
	if err != nil {
		return result{}, err
	}
	var trace *selfTrace
	if o.trace {
		if trace, err = traceSelf(ctx, props["bootstrap.servers"]); err != nil {
			return result{}, err
		}
		defer trace.close()
		// Deferred after Close below runs: every batch is stamped by then.
		defer printSelfTrace(stdout, stderr, trace)
	}
	p, err := core.NewProducer(cfg)
	if err != nil {
		return result{}, err
	}
	if trace != nil {
		trace.watch(p)
	}

	start := time.Now()
	stats := perf.NewStats(stdout, start, perf.DefaultInterval)
	res := produceRecords(ctx, o, p, pl, stats, start)

	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.DeliveryTimeout+cfg.RequestTimeout)
	defer cancel()
	if o.printMetrics {
		if err := p.Flush(closeCtx); err != nil {
			fmt.Fprintln(stderr, "perfproducer: flush:", err)
		}
		fmt.Fprintln(stdout, stats.Summary(time.Now()))
		printMetrics(stdout, p, &cfg)
	}
	if err := p.Close(closeCtx); err != nil {
		fmt.Fprintln(stderr, "perfproducer: close:", err)
	}
	if !o.printMetrics {
		fmt.Fprintln(stdout, stats.Summary(time.Now()))
	}
	return res.result(), nil
}

// sender is the part of core.Producer the produce loop uses; the
// benchmark of the tool's own cost passes one that sends nothing.
type sender interface {
	Send(ctx context.Context, r *core.Record, cb core.Callback) error
}

// outcomes gathers how records ended; its callback is safe for concurrent
// use.
type outcomes struct {
	failed   atomic.Int64
	errOnce  sync.Once
	firstErr error
}

func (o *outcomes) fail(err error) {
	o.failed.Add(1)
	o.errOnce.Do(func() { o.firstErr = err })
}

// result is read once every callback has run.
func (o *outcomes) result() result { return result{failed: o.failed.Load(), firstErr: o.firstErr} }

// produceRecords sends --num-records records through p at --throughput,
// feeding every outcome to stats, and returns once the last Send returned
// (outcomes still arrive until p is flushed or closed). Each record's
// Opaque is its value's size; the callback reads no clock, since the
// producer stamps when it appended the record and when it settled the
// batch from clock reads it makes anyway.
func produceRecords(ctx context.Context, o *options, p sender, pl *payloads, stats *perf.Stats, start time.Time) *outcomes {
	res := new(outcomes)
	cb := func(md core.RecordMetadata, err error) {
		if err != nil {
			res.fail(err)
			stats.RecordFailure()
			return
		}
		stats.Record(md.Latency(), int(md.Opaque), md.CompletionTime)
	}
	throttle := perf.NewThrottle(o.throughput, start)
	r := core.Record{Topic: o.topic}
	for i := range o.numRecords {
		if err := throttle.Wait(ctx, i); err != nil {
			break // interrupted: report what was sent
		}
		r.Value, r.Key = pl.next(i)
		r.Opaque = uint64(len(r.Value))
		if err := p.Send(ctx, &r, cb); err != nil {
			res.fail(err)
			if ctx.Err() != nil {
				break
			}
		}
	}
	return res
}

// producerProps merges --producer.config, then --producer-props, then
// --bootstrap-server. No bootstrap.servers means the embedded cluster.
func producerProps(o *options) (map[string]string, error) {
	props := map[string]string{}
	if o.producerConfig != "" {
		f, err := os.Open(o.producerConfig)
		if err != nil {
			return nil, fmt.Errorf("--producer.config: %w", err)
		}
		fileProps, err := core.ReadProperties(f)
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("--producer.config %s: %w", o.producerConfig, err)
		}
		maps.Copy(props, fileProps)
	}
	maps.Copy(props, o.producerProps)
	if o.bootstrapServer != "" {
		props["bootstrap.servers"] = o.bootstrapServer
	}
	if _, ok := props["client.id"]; !ok {
		props["client.id"] = "perf-producer-client"
	}
	return props, nil
}

// printMetrics prints the producer's metrics, one per line, sorted by name
// and aligned on the longest, as the Java tool prints its metrics.
func printMetrics(w io.Writer, p *core.Producer, cfg *core.Config) {
	metrics := producerMetrics(p, cfg)
	width := len("Metric Name")
	for name := range metrics {
		width = max(width, len(name))
	}
	fmt.Fprintf(w, "\n%-*s : %s\n", width, "Metric Name", "Value")
	for _, name := range slices.Sorted(maps.Keys(metrics)) {
		fmt.Fprintf(w, "%-*s : %v\n", width, name, metrics[name])
	}
}

// producerMetrics are the producer's metrics by their Java names with tags
// ("producer-metrics:record-send-rate:{client-id=X}"), valued as Java's
// tools print a double, plus batch-send-total: perfproducer's count of
// acknowledged batches, which --trace's stage breakdown accounts for.
func producerMetrics(p *core.Producer, cfg *core.Config) map[string]any {
	metrics := map[string]any{
		fmt.Sprintf("%s:batch-send-total:{client-id=%s}", core.MetricsGroup, cfg.ClientID): p.Stats().BatchesSent,
	}
	for _, m := range p.Metrics() {
		metrics[m.String()] = fmt.Sprintf("%.3f", m.Value)
	}
	return metrics
}
