package bench

import (
	"context"
	"flag"
	"fmt"
	"os"
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

// TestMain serves a broker when this binary runs as the benchmarks' child
// process. Otherwise, when benchmarks run, it prints the broker's mode as a
// configuration line of the benchmark output (benchstat keeps it with the
// results that follow).
func TestMain(m *testing.M) {
	if spec := os.Getenv(brokerEnv); spec != "" {
		os.Exit(serveBroker(spec))
	}
	flag.Parse()
	if flag.Lookup("test.bench").Value.String() != "" {
		if s, err := matrixSettingsFromEnv(); err == nil {
			fmt.Printf("blackhole: %s\n", map[bool]string{false: "off", true: "on"}[s.blackhole])
		}
	}
	os.Exit(m.Run())
}

// BenchmarkMatrix sends b.N records and waits for every acknowledgement,
// for each row of the speed matrix (defaultRows, or fullRows; see
// matrixSettingsFromEnv) and each client in turn, into a kfake cluster
// started afresh for every run, so no client meets a longer log than
// another. Names read
// size=100/parts=12/brokers=1/acks=1/codec=none/keys=0/client=franz-go.
//
// The broker runs in a child process on the same cores, so it competes
// with the client for CPU but its allocations are not counted as the
// client's; its CPU time per record is reported apart (broker-cpu-ns/op),
// since a client that sends smaller batches or more requests makes the
// broker work harder.
func BenchmarkMatrix(b *testing.B) {
	s, err := matrixSettingsFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range s.rows {
		for _, client := range s.clients {
			b.Run(r.String()+"/client="+client.name, func(b *testing.B) {
				benchRow(b, r, client, s.blackhole)
			})
		}
	}
}

func benchRow(b *testing.B, r row, client benchClient, blackhole bool) {
	broker := startBroker(b, r.brokers, r.partitions, benchTopic, blackhole)
	p, err := client.open(broker.addrs, r)
	if err != nil {
		b.Fatalf("opening %s: %v", client.name, err)
	}
	defer p.close()
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	values, keys := benchValues(r.valueSize), benchKeys(r.keySize)
	key := func(i int) []byte {
		if keys == nil {
			return nil
		}
		return keys[i%len(keys)]
	}
	for i := range benchWarmup {
		if err := p.produce(ctx, key(i), values[i%len(values)]); err != nil {
			b.Fatalf("warm-up record %d: %v", i, err)
		}
	}
	if err := p.flush(ctx); err != nil {
		b.Fatalf("warm-up flush: %v", err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(r.keySize + r.valueSize))
	b.ResetTimer()
	allocs, cpu, brokerCPU := heapAllocs(), processCPU(), broker.cpu(b)
	for i := range b.N {
		if err := p.produce(ctx, key(i), values[i%len(values)]); err != nil {
			b.Fatalf("record %d: %v", i, err)
		}
	}
	if err := p.flush(ctx); err != nil {
		b.Fatalf("flush: %v", err)
	}
	b.StopTimer()
	b.ReportMetric(float64(heapAllocs()-allocs)*1000/float64(b.N), "allocs/1000op")
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(broker.cpu(b)-brokerCPU)/float64(b.N), "broker-cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
