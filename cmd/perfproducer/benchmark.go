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
	p, err := core.NewProducer(cfg)
	if err != nil {
		return result{}, err
	}

	start := time.Now()
	stats := perf.NewStats(stdout, start, perf.DefaultInterval)
	var res result
	var failed atomic.Int64
	var errOnce sync.Once
	// Each record's Opaque is its value's size. The callback reads no
	// clock: the producer stamps when it appended the record and when it
	// settled the batch, from clock reads it makes anyway.
	cb := func(md core.RecordMetadata, err error) {
		if err != nil {
			failed.Add(1)
			errOnce.Do(func() { res.firstErr = err })
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
			failed.Add(1)
			errOnce.Do(func() { res.firstErr = err })
			if ctx.Err() != nil {
				break
			}
		}
	}

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
	res.failed = failed.Load()
	return res, nil
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
