package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"math"
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
		doc.Metrics, doc.Trace = jsonMetrics(metrics), traced
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

// printMetrics prints metrics, one per line, sorted by name and aligned on
// the longest, as the Java tool prints its metrics (a double with three
// decimals).
func printMetrics(w io.Writer, metrics map[string]any) {
	width := len("Metric Name")
	for name := range metrics {
		width = max(width, len(name))
	}
	fmt.Fprintf(w, "\n%-*s : %s\n", width, "Metric Name", "Value")
	for _, name := range slices.Sorted(maps.Keys(metrics)) {
		v := metrics[name]
		if f, ok := v.(float64); ok {
			v = fmt.Sprintf("%.3f", f)
		}
		fmt.Fprintf(w, "%-*s : %v\n", width, name, v)
	}
}

// producerMetrics are the producer's metrics by their Java names with tags
// ("producer-metrics:record-send-rate:{client-id=X}"), for --print-metrics
// and --json alike, plus batch-send-total: perfproducer's count of
// acknowledged batches, which --trace's stage breakdown accounts for.
func producerMetrics(p *core.Producer, cfg *core.Config) map[string]any {
	metrics := map[string]any{
		fmt.Sprintf("%s:batch-send-total:{client-id=%s}", core.MetricsGroup, cfg.ClientID): p.Stats().BatchesSent,
	}
	for _, m := range p.Metrics() {
		metrics[m.String()] = m.Value
	}
	return metrics
}

// jsonMetrics is metrics as JSON can hold them: a metric without samples
// (NaN, as Java reports an average of nothing) becomes null.
func jsonMetrics(metrics map[string]any) map[string]any {
	out := make(map[string]any, len(metrics))
	for name, v := range metrics {
		if f, ok := v.(float64); ok && math.IsNaN(f) {
			v = nil
		}
		out[name] = v
	}
	return out
}
