package bench

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// throughputRun sends records records through client as fast as it takes
// them, after benchWarmup acknowledged records that are not timed
// (connections, metadata, producer id), and measures the timed part. With
// fresh, each timed record's value is a copy of its own, made just before
// it is sent (see valuesEnv).
// brokerCPU reads the broker's CPU time. With a limit above zero, a client
// still sending after limit stops there: the result is over the records it
// sent (Records), so one slow client on one row cannot hold a whole matrix
// up for hours.
func throughputRun(ctx context.Context, client benchClient, r row, brokers []string, records int, limit time.Duration,
	fresh bool, brokerCPU func() (time.Duration, error)) (clientResult, error) {
	p, err := client.open(brokers, r, nil)
	if err != nil {
		return clientResult{}, fmt.Errorf("opening %s: %w", client.name, err)
	}
	defer p.close()
	values, keys := benchValues(r.valueSize), benchKeys(r.keySize)
	for i := range benchWarmup {
		if err := p.produce(ctx, int64(i), keyFor(keys, i), values[i%len(values)]); err != nil {
			return clientResult{}, fmt.Errorf("warm-up record %d: %w", i, err)
		}
	}
	if err := p.flush(ctx); err != nil {
		return clientResult{}, fmt.Errorf("warm-up flush: %w", err)
	}
	broker0, err := brokerCPU()
	if err != nil {
		return clientResult{}, err
	}
	allocs0, bytes0, gcs0 := heapAllocs()
	cpu0, start := processCPU(), time.Now()
	sent := 0
	for ; sent < records; sent++ {
		if limit > 0 && sent%limitCheckEvery == 0 && sent > 0 && time.Since(start) > limit {
			break
		}
		value := values[sent%len(values)]
		if fresh {
			value = append([]byte(nil), value...)
		}
		if err := p.produce(ctx, int64(sent), keyFor(keys, sent), value); err != nil {
			return clientResult{}, fmt.Errorf("record %d: %w", sent, err)
		}
	}
	if err := p.flush(ctx); err != nil {
		return clientResult{}, fmt.Errorf("flush: %w", err)
	}
	res := clientResult{Records: int64(sent), Elapsed: time.Since(start), CPU: processCPU() - cpu0}
	allocs1, bytes1, gcs1 := heapAllocs()
	res.Allocs, res.AllocBytes, res.GCs = allocs1-allocs0, bytes1-bytes0, gcs1-gcs0
	broker1, err := brokerCPU()
	if err != nil {
		return clientResult{}, err
	}
	res.BrokerCPU = broker1 - broker0
	return res, nil
}

// limitCheckEvery is how many records go between two looks at the clock
// for a run's limit: rarely enough to cost nothing per record.
const limitCheckEvery = 1024

// reportThroughput reports a throughput run: its own timing replaces the
// benchmark's (ns/op, MB/s, B/op, allocs/op), since the run happened in
// another process or after a warm-up the benchmark's clock saw.
func reportThroughput(b *testing.B, r row, res clientResult) {
	if res.Records < int64(b.N) {
		b.Logf("the run's time limit stopped the client after %d of %d records; its figures are over those", res.Records, b.N)
	}
	n := float64(res.Records)
	b.ReportMetric(float64(res.Elapsed)/n, "ns/op")
	b.ReportMetric(n*float64(r.keySize+r.valueSize)/res.Elapsed.Seconds()/1e6, "MB/s")
	b.ReportMetric(float64(res.AllocBytes)/n, "B/op")
	b.ReportMetric(float64(res.Allocs)/n, "allocs/op")
	b.ReportMetric(float64(res.Allocs)*1000/n, "allocs/1000op")
	b.ReportMetric(float64(res.GCs)*1e6/n, "gcs/1Mop")
	b.ReportMetric(float64(res.CPU)/n, "cpu-ns/op")
	b.ReportMetric(float64(res.BrokerCPU)/n, "broker-cpu-ns/op")
	b.ReportMetric(n/res.Elapsed.Seconds(), "records/s")
	if res.PeakRSS > 0 {
		b.ReportMetric(float64(res.PeakRSS)/(1<<20), "peak-rss-MiB")
	}
}
