package bench

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/perfproducer/perfproducer/bpf"
	"github.com/perfproducer/perfproducer/core"
)

// traceModes are BenchmarkTraceCost's variants: untraced; traced as
// perfproducer --trace traces itself (the probes attached, every batch
// handed over by Producer.TraceBatches and kept); and traced as trace --pid
// traces another perfproducer process (every batch through the uprobe on
// its probe point, which needs a test binary with its symbols: go test -c).
var traceModes = []string{"off", "on", "uprobe"}

// BenchmarkTraceCost is the cost of tracing perfproducer: the baseline row
// of the matrix for perfproducer in each traceMode, one after the other in
// the same run. The probes run in the kernel on this process's syscalls
// and the logs are drained by a goroutine of this process, so both count
// in cpu-ns/op. Joining the stamps with the writevs, done once after a
// run, is not timed. Traced modes need root; without it they are skipped.
func BenchmarkTraceCost(b *testing.B) {
	s, err := matrixSettingsFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	r := baseline()
	for _, mode := range traceModes {
		b.Run(r.String()+"/client=perfproducer/trace="+mode, func(b *testing.B) {
			if mode == "off" {
				benchRow(b, r, benchClient{name: "perfproducer", open: openPerfproducer}, s.blackhole)
				return
			}
			tr, err := bpf.Attach(context.Background(), bpf.Options{PID: os.Getpid(), LogWritevs: true, BatchStamps: mode == "uprobe"})
			if errors.Is(err, bpf.ErrNotSupported) || errors.Is(err, bpf.ErrPermission) {
				b.Skip(err)
			}
			if err != nil {
				b.Fatal(err)
			}
			defer tr.Close()
			if _, err := tr.Batches(); mode == "uprobe" && errors.Is(err, bpf.ErrNoBatchProbe) {
				b.Skip("this test binary has no symbol table, so no batch probe point: build it with go test -c")
			}
			var batches []bpf.BatchStamps
			open := openPerfproducer
			if mode == "on" {
				open = func(brokers []string, r row, acked ackFunc) (benchProducer, error) {
					p, err := openPerfproducer(brokers, r, acked)
					if err != nil {
						return nil, err
					}
					p.(*perfproducerBench).p.TraceBatches(func(s core.BatchStamps) { batches = append(batches, bpf.BatchStamps(s)) })
					return p, nil
				}
			}
			benchRow(b, r, benchClient{name: "perfproducer", open: open}, s.blackhole)
			if mode == "uprobe" {
				if batches, err = tr.Batches(); err != nil {
					b.Fatal(err)
				}
			}
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
