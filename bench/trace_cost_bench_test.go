package bench

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/perfproducer/perfproducer/bpf"
	"github.com/perfproducer/perfproducer/core"
)

// BenchmarkTraceCost is the cost of perfproducer's --trace: the baseline
// row of the matrix for perfproducer, untraced (trace=off) and with the
// eBPF probes attached to this process and every batch stamped and kept
// (trace=on), one after the other in the same run. The probes run in the
// kernel on this process's syscalls and the writev log is drained by a
// goroutine of this process, so both count in cpu-ns/op. Joining the
// stamps with the writevs, done once after a run, is not timed. trace=on
// needs root; without it, it is skipped.
func BenchmarkTraceCost(b *testing.B) {
	s, err := matrixSettingsFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	r := baseline()
	for _, traced := range []bool{false, true} {
		name := map[bool]string{false: "off", true: "on"}[traced]
		b.Run(r.String()+"/client=perfproducer/trace="+name, func(b *testing.B) {
			if !traced {
				benchRow(b, r, benchClient{"perfproducer", openPerfproducer}, s.blackhole)
				return
			}
			tr, err := bpf.Attach(context.Background(), bpf.Options{PID: os.Getpid(), LogWritevs: true})
			if errors.Is(err, bpf.ErrNotSupported) || errors.Is(err, bpf.ErrPermission) {
				b.Skip(err)
			}
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			var batches []bpf.BatchStamps
			open := func(brokers []string, r row) (benchProducer, error) {
				p, err := openPerfproducer(brokers, r)
				if err != nil {
					return nil, err
				}
				p.(*perfproducerBench).p.TraceBatches(func(s core.BatchStamps) { batches = append(batches, bpf.BatchStamps(s)) })
				return p, nil
			}
			benchRow(b, r, benchClient{"perfproducer", open}, s.blackhole)
			stages, err := tr.Stages(batches)
			if err != nil {
				b.Fatal(err)
			}
			if stages.Joined == 0 {
				b.Fatalf("none of %d batches joined with the kernel's writevs", stages.Batches)
			}
			b.ReportMetric(float64(stages.Joined)/float64(max(stages.Batches, 1)), "joined/batch")
		})
	}
}
