package bench

import (
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// The environment sets BenchmarkLatency's rate and length.
const (
	// rateEnv is the records per second of BenchmarkLatency (default
	// 50000).
	rateEnv = "BENCH_RATE"
	// durationEnv is how long BenchmarkLatency sends (default 10s),
	// warm-up included.
	durationEnv = "BENCH_DURATION"
)

// latencyRow is BenchmarkLatency's workload: 100-byte unkeyed records,
// acks=all (with idempotence where the client has it), three brokers that
// store what they are sent (kfake without BlackholeProduce), 12
// partitions, no codec.
func latencyRow() row { return baseline().with(withBrokers(3), withAcksAll(true)) }

// BenchmarkLatency sends records at a fixed rate for a fixed time through
// each client in turn, each in a process of its own against a fresh
// cluster, and reports the latency from each record's intended send time
// to its acknowledgement (coordinated-omission free; see latencyRun) over
// the whole run, warm-up included: p50-ms, p99-ms, p99.9-ms, max-ms, and
// first-ms, the first record's; and hiccup-max-ms, the longest stall of the
// machine itself meanwhile (see hiccupMeter), and broker-hiccup-max-ms, the
// longest of the broker's process. Also the client's CPU time per record,
// the broker's, and the client process's peak RSS. A run's length is set
// by BENCH_DURATION, not by b.N: run it with -benchtime=1x. Names read
// size=100/parts=12/brokers=3/acks=all/codec=none/keys=0/rate=50000/client=sarama.
func BenchmarkLatency(b *testing.B) {
	s, err := matrixSettingsFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	rate, duration, err := latencySettingsFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	r := latencyRow()
	for _, client := range s.clients {
		if client.throughputOnly {
			continue
		}
		b.Run(fmt.Sprintf("%s/rate=%.0f/client=%s", r, rate, client.name), func(b *testing.B) {
			broker := startBroker(b, r.brokers, r.partitions, benchTopic, false)
			hiccups := startHiccupMeter()
			res := runClient(b, clientJob{
				Client: client.name, Row: specOf(r), Brokers: broker.addrs, BrokerPID: broker.pid,
				Rate: rate, Duration: duration,
			})
			hiccup := hiccups.end()
			brokerHiccup := broker.stop().Hiccup
			lat := res.Latency
			ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
			b.ReportMetric(ms(lat.P50), "p50-ms")
			b.ReportMetric(ms(lat.P99), "p99-ms")
			b.ReportMetric(ms(lat.P999), "p99.9-ms")
			b.ReportMetric(ms(lat.Max), "max-ms")
			b.ReportMetric(ms(lat.First), "first-ms")
			b.ReportMetric(ms(hiccup), "hiccup-max-ms")
			b.ReportMetric(ms(brokerHiccup), "broker-hiccup-max-ms")
			n := float64(res.Records)
			b.ReportMetric(n/res.Elapsed.Seconds(), "records/s")
			b.ReportMetric(float64(res.CPU)/n, "cpu-ns/record")
			b.ReportMetric(float64(res.BrokerCPU)/n, "broker-cpu-ns/record")
			b.ReportMetric(float64(res.PeakRSS)/(1<<20), "peak-rss-MiB")
			b.Logf("worst records (seq, due after start, latency): %v; %d GCs, longest pause %v",
				lat.Worst, lat.GCs, lat.GCPauseMax)
		})
	}
}

// latencySettingsFromEnv reads BENCH_RATE and BENCH_DURATION.
func latencySettingsFromEnv() (rate float64, duration time.Duration, err error) {
	rate, duration = 50000, 10*time.Second
	if v := os.Getenv(rateEnv); v != "" {
		if rate, err = strconv.ParseFloat(v, 64); err != nil || rate <= 0 {
			return 0, 0, fmt.Errorf("%s=%q: want records per second, more than 0", rateEnv, v)
		}
	}
	if v := os.Getenv(durationEnv); v != "" {
		if duration, err = time.ParseDuration(v); err != nil || duration <= 0 {
			return 0, 0, fmt.Errorf("%s=%q: want a duration such as 10s", durationEnv, v)
		}
	}
	return rate, duration, nil
}
