package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/perfproducer/perfproducer/bpf"
	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/perf"
)

// result is how a run ended.
type result struct {
	sent, failed int64
	firstErr     error
}

// benchmark produces the records and reports as kafka-producer-perf-test
// does, then writes --json and --plot.
func benchmark(ctx context.Context, o *options, stdout, stderr io.Writer) (result, error) {
	props, err := producerProps(o)
	if err != nil {
		return result{}, err
	}
	embedded := props["bootstrap.servers"] == ""
	if embedded {
		cluster, err := startEmbeddedCluster(o.topic, o.embedded)
		if err != nil {
			return result{}, err
		}
		defer cluster.Close()
		props["bootstrap.servers"] = strings.Join(cluster.ListenAddrs(), ",")
	}
	cfg, err := core.ParseProperties(props)
	if err != nil {
		return result{}, err
	}
	pl, err := newPayloads(o)
	if err != nil {
		return result{}, err
	}
	out, err := createOutputs(o)
	if err != nil {
		return result{}, err
	}
	defer out.close()
	if embedded {
		fmt.Fprintf(stderr, "perfproducer: no --bootstrap-server given: started an embedded cluster of %d brokers at %s, topic %q with %d partitions\n",
			o.embedded.brokers, props["bootstrap.servers"], o.topic, o.embedded.partitions)
	}
	var trace *selfTrace
	if o.trace {
		if trace, err = traceSelf(ctx, props["bootstrap.servers"]); err != nil {
			return result{}, err
		}
		defer trace.close()
	}
	p, err := core.NewProducer(cfg)
	if err != nil {
		return result{}, err
	}
	if trace != nil {
		trace.watch(p)
	}

	start := time.Now()
	stats := perf.NewStats(stdout, start.Add(o.warmup), perf.DefaultInterval)
	progress := startProgress(stderr, o, stats, start)
	outcomes := produceRecords(ctx, o, p, pl, stats, start)

	closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.DeliveryTimeout+cfg.RequestTimeout)
	defer cancel()
	var metrics map[string]any
	var sum perf.Summary
	if o.printMetrics || out.json != nil {
		if err := p.Flush(closeCtx); err != nil {
			fmt.Fprintln(stderr, "perfproducer: flush:", err)
		}
		metrics = producerMetrics(p, &cfg)
	}
	if o.printMetrics {
		progress.stop()
		sum = stats.Summary(time.Now())
		fmt.Fprintln(stdout, sum)
		printMetrics(stdout, metrics)
	}
	if err := p.Close(closeCtx); err != nil {
		fmt.Fprintln(stderr, "perfproducer: close:", err)
	}
	if !o.printMetrics {
		progress.stop()
		sum = stats.Summary(time.Now())
		fmt.Fprintln(stdout, sum)
	}
	var traced *bpf.Report
	if trace != nil {
		// After Close: every batch is stamped by then.
		traced = printSelfTrace(stdout, stderr, trace)
	}
	res := outcomes.result()
	if out.json != nil {
		doc := newRunReport(o, props, start, sum)
		doc.Summary.Sent, doc.Summary.Failed = res.sent, res.failed
		maps.Copy(doc.Errors, outcomes.errors.snapshot())
		doc.Metrics, doc.Trace = metrics, traced
		if embedded {
			doc.Config.Embedded = &embeddedConfig{Brokers: o.embedded.brokers, Partitions: o.embedded.partitions, Blackhole: o.embedded.blackhole}
		}
		if err := out.writeJSON(doc); err != nil {
			return res, err
		}
	}
	if out.plot != nil {
		if err := out.writePlot(sum); err != nil {
			return res, err
		}
	}
	return res, nil
}

// producerProps merges --producer.config, then --producer-props, then
// --bootstrap-server. No bootstrap.servers means the embedded cluster.
func producerProps(o *options) (map[string]string, error) {
	props := map[string]string{}
	if o.producerConfig != "" {
		f, err := os.Open(o.producerConfig)
		if err != nil {
			return nil, usagef("--producer.config cannot be read: %v", err)
		}
		fileProps, err := core.ReadProperties(f)
		f.Close()
		if err != nil {
			return nil, usagef("--producer.config %s cannot be read: %v", o.producerConfig, err)
		}
		maps.Copy(props, fileProps)
	}
	maps.Copy(props, o.producerProps)
	if o.bootstrapServer != "" {
		props["bootstrap.servers"] = o.bootstrapServer
	}
	if props["bootstrap.servers"] != "" {
		if err := o.checkEmbeddedUnused("the bootstrap.servers property"); err != nil {
			return nil, err
		}
	}
	if _, ok := props["client.id"]; !ok {
		props["client.id"] = "perf-producer-client"
	}
	return props, nil
}

// producerMetrics returns the producer's metrics by their printed names,
// for --print-metrics and --json alike.
func producerMetrics(p *core.Producer, cfg *core.Config) map[string]any {
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
	return withClientID(metrics, cfg.ClientID)
}

// withClientID names each metric as the Java tool prints it, tagged with
// the client's id.
func withClientID(metrics map[string]any, clientID string) map[string]any {
	named := make(map[string]any, len(metrics))
	for name, v := range metrics {
		named[fmt.Sprintf("%s:{client-id=%s}", name, clientID)] = v
	}
	return named
}

// printMetrics prints metrics, one per line, sorted by name as the Java
// tool prints its metrics.
func printMetrics(w io.Writer, metrics map[string]any) {
	fmt.Fprintf(w, "\n%-60s : %s\n", "Metric Name", "Value")
	for _, name := range slices.Sorted(maps.Keys(metrics)) {
		fmt.Fprintf(w, "%-60s : %v\n", name, metrics[name])
	}
}

func ratio(a, b int64) string {
	if b == 0 {
		return "NaN"
	}
	return fmt.Sprintf("%.3f", float64(a)/float64(b))
}
