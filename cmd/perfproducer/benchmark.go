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

// printMetrics prints the producer's counters, one per line, sorted by name
// as the Java tool prints its metrics.
func printMetrics(w io.Writer, p *core.Producer, cfg *core.Config) {
	s := p.Stats()
	metrics := map[string]any{
		"producer-metrics:record-send-total":      s.RecordsSent,
		"producer-metrics:record-error-total":     s.RecordsFailed,
		"producer-metrics:record-retry-total":     s.Retries,
		"producer-metrics:batch-send-total":       s.BatchesSent,
		"producer-metrics:byte-total":             s.BytesSent,
		"producer-metrics:produce-response-total": s.ProduceResponses,
		"producer-metrics:buffer-total-bytes":     s.BufferTotal,
		"producer-metrics:buffer-available-bytes": s.BufferFree,
		"producer-metrics:waiting-threads":        s.BufferWaiters,
		"producer-metrics:metadata-version":       s.MetadataVersion,
		"producer-metrics:records-per-batch-avg":  ratio(s.RecordsSent, s.BatchesSent),
		"producer-metrics:batch-size-avg":         ratio(s.BytesSent, s.BatchesSent),
	}
	fmt.Fprintf(w, "\n%-60s : %s\n", "Metric Name", "Value")
	for _, name := range slices.Sorted(maps.Keys(metrics)) {
		fmt.Fprintf(w, "%-60s : %v\n", fmt.Sprintf("%s:{client-id=%s}", name, cfg.ClientID), metrics[name])
	}
}

func ratio(a, b int64) string {
	if b == 0 {
		return "NaN"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
}
