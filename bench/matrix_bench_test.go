package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
	"regexp"
	"testing"
	"time"
)

const (
	// benchWarmup records go out (and are acknowledged) before the clock
	// starts, so connections, metadata and the producer id are in place.
	benchWarmup = 2000
	// startDeadline bounds starting and stopping a broker or a client.
	startDeadline = 2 * time.Minute
	// runDeadline bounds one measured run, the slowest client's largest
	// row included.
	runDeadline = 10 * time.Minute
)

// TestMain serves a broker, or runs a client, when this binary runs as a
// benchmark's child process. Otherwise, when benchmarks run, it prints the
// broker's mode as a configuration line of the benchmark output (benchstat
// keeps it with the results that follow).
func TestMain(m *testing.M) {
	if spec := os.Getenv(brokerEnv); spec != "" {
		os.Exit(serveBroker(spec))
	}
	if spec := os.Getenv(clientEnv); spec != "" {
		os.Exit(serveClient(spec))
	}
	flag.Parse()
	// BenchmarkLatency's brokers always store: the line would misdescribe
	// a run of it alone.
	if pattern := flag.Lookup("test.bench").Value.String(); pattern != "" && !latencyOnly.MatchString(pattern) {
		if s, err := matrixSettingsFromEnv(); err == nil {
			fmt.Printf("blackhole: %s\n", map[bool]string{false: "off", true: "on"}[s.blackhole])
			fmt.Printf("values: %s\n", map[bool]string{false: "reused", true: "fresh"}[s.freshValues])
		}
	}
	os.Exit(m.Run())
}

// latencyOnly matches -bench patterns that select BenchmarkLatency alone.
var latencyOnly = regexp.MustCompile(`^\^?BenchmarkLatency\b`)

// BenchmarkMatrix sends b.N records and waits for every acknowledgement,
// for each row of the speed matrix (defaultRows, or fullRows; see
// matrixSettingsFromEnv) and each client in turn, into a kfake cluster
// started afresh for every run, so no client meets a longer log than
// another. Names read
// size=100/parts=12/brokers=1/acks=1/codec=none/keys=0/client=franz-go.
//
// The broker and the client each run in a child process on the same
// cores: the broker competes with the client for CPU but its allocations
// are not counted as the client's, and each client's peak RSS
// (peak-rss-MiB) is its own. The broker's CPU time per record is reported
// apart (broker-cpu-ns/op), since a client that sends smaller batches or
// more requests makes the broker work harder. Timing starts after
// benchWarmup acknowledged records; ns/op, MB/s, B/op and allocs/op are
// the client process's figures for the timed part. A client still sending
// after BENCH_RUN_LIMIT stops there, and its figures are over the records
// it sent (the output says so).
func BenchmarkMatrix(b *testing.B) {
	s, err := matrixSettingsFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range s.rows {
		for _, client := range s.clients {
			b.Run(r.String()+"/client="+client.name, func(b *testing.B) {
				b.ReportAllocs()
				broker := startBroker(b, r.brokers, r.partitions, benchTopic, s.blackhole)
				res := runClient(b, clientJob{
					Client: client.name, Row: specOf(r), Brokers: broker.addrs, BrokerPID: broker.pid,
					Records: b.N, Limit: s.runLimit, FreshValues: s.freshValues,
				})
				reportThroughput(b, r, res)
				reportProduce(b, broker.stop().Produce)
			})
		}
	}
}

// reportProduce reports what the broker was sent, warm-up included:
// records a batch and batches a request (see produceTally).
func reportProduce(b *testing.B, c produceCounts) {
	if c.Batches == 0 || c.Requests == 0 {
		return
	}
	b.ReportMetric(float64(c.Records)/float64(c.Batches), "records/batch")
	b.ReportMetric(float64(c.Batches)/float64(c.Requests), "batches/request")
}

// benchRow is one run of BenchmarkMatrix's with the client in this process,
// for benchmarks that attach to the client (BenchmarkTraceCost); it
// reports no peak RSS, which would be the whole test process's.
func benchRow(b *testing.B, r row, client benchClient, blackhole bool) {
	b.ReportAllocs()
	broker := startBroker(b, r.brokers, r.partitions, benchTopic, blackhole)
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	brokerCPU := func() (time.Duration, error) { return processCPUOf(broker.pid) }
	res, err := throughputRun(ctx, client, r, broker.addrs, b.N, 0, false, brokerCPU)
	if err != nil {
		b.Fatal(err)
	}
	reportThroughput(b, r, res)
}
