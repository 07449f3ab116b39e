package bench

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/perfproducer/perfproducer/bpf"
	"github.com/perfproducer/perfproducer/core"
)

// transportRows are BenchmarkTransport's workloads: 100-byte records,
// acks=1, no codec, at 12 and 1,000 partitions and 1 and 3 brokers,
// unkeyed and keyed (keyed records at 1,000 partitions make many small
// batches and requests: the syscall-heavy case).
func transportRows() []row {
	var rows []row
	for _, parts := range []int{12, 1000} {
		for _, brokers := range []int{1, 3} {
			for _, keys := range []int{0, 16} {
				rows = append(rows, baseline().with(withPartitions(parts), withBrokers(brokers), withKeys(keys)))
			}
		}
	}
	return rows
}

// BenchmarkTransport is perfproducer on each transport (transport=epoll,
// the default, and transport=iouring) in turn, for each of transportRows,
// as BenchmarkMatrix runs a row, but with the client in this process (see
// benchRow: no peak RSS). Where the eBPF probes attach (root, a
// kernel with BTF), the process's system calls are counted too and
// reported per MB of record bytes (syscalls/MB: every traced system call
// of this process, warm-up included, over the row's bytes, warm-up
// included) and per record; elsewhere those metrics are left out.
func BenchmarkTransport(b *testing.B) {
	s, err := matrixSettingsFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	for _, r := range transportRows() {
		for _, transport := range []core.Transport{core.TransportEpoll, core.TransportIOURing} {
			b.Run(r.String()+"/client=perfproducer/transport="+string(transport), func(b *testing.B) {
				tr, err := bpf.Attach(context.Background(), bpf.Options{PID: os.Getpid()})
				switch {
				case errors.Is(err, bpf.ErrNotSupported) || errors.Is(err, bpf.ErrPermission):
					tr = nil
				case err != nil:
					b.Fatal(err)
				default:
					defer tr.Close()
				}
				open := func(brokers []string, r row, acked ackFunc) (benchProducer, error) {
					return openPerfproducerWith(brokers, r, acked, func(cfg *core.Config) {
						cfg.Transport = transport
						cfg.TransportFallback = false
					})
				}
				benchRow(b, r, benchClient{name: "perfproducer", open: open}, s.blackhole)
				if tr == nil {
					return
				}
				snap, err := tr.Snapshot()
				if err != nil {
					b.Fatal(err)
				}
				var calls uint64
				for _, sc := range snap.Syscalls {
					calls += sc.Count
				}
				records := float64(b.N + benchWarmup)
				mb := records * float64(r.valueSize+r.keySize) / 1e6
				b.ReportMetric(float64(calls)/mb, "syscalls/MB")
				b.ReportMetric(float64(calls)/records, "syscalls/op")
			})
		}
	}
}
