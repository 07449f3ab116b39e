package bpf_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/perfproducer/perfproducer/bpf"
	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// TestStagesOfOwnProduce traces this process while the producer, stamping
// its batches, sends a bounded run: every batch acknowledged is stamped,
// its request's writevs are found between its seal and its response, and
// its stages are in time order.
func TestStagesOfOwnProduce(t *testing.T) {
	const topic, records, valueSize = "bpf-stages", 5000, 200
	c := kafkatest.NewCluster(t, 2, topic, 4)
	tr := attachWith(t, bpf.Options{PID: os.Getpid(), Ports: brokerPorts(t, c), LogWritevs: true})

	cfg := core.DefaultConfig()
	cfg.BootstrapServers = c.ListenAddrs()
	cfg.BatchSize = 8 << 10
	p, err := core.NewProducer(cfg)
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	// Set before the first Send, run on the sender goroutine only: Close's
	// return orders its appends before the reads below.
	var batches []bpf.BatchStamps
	p.TraceBatches(func(s core.BatchStamps) { batches = append(batches, bpf.BatchStamps(s)) })
	ctx, cancel := context.WithTimeout(context.Background(), kafkatest.Deadline)
	defer cancel()
	var failed atomic.Int64
	value := make([]byte, valueSize)
	for range records {
		rec := core.Record{Topic: topic, Value: value}
		if err := p.Send(ctx, &rec, func(_ core.RecordMetadata, err error) {
			if err != nil {
				failed.Add(1)
			}
		}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if err := p.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d records failed", n)
	}
	kafkatest.Consume(t, c, topic, records)
	st := p.Stats()
	if got, want := int64(len(batches)), st.BatchesSent; got != want || got == 0 {
		t.Fatalf("%d batches stamped, the producer counted %d sent", got, want)
	}
	writevs, err := tr.Writevs()
	if err != nil {
		t.Fatalf("Writevs: %v", err)
	}
	lost, err := tr.WritevsLost()
	if err != nil {
		t.Fatalf("WritevsLost: %v", err)
	}
	if lost != 0 {
		t.Fatalf("the probes lost %d writevs", lost)
	}
	lives := bpf.JoinWritevs(batches, writevs)
	for i, l := range lives {
		if !l.Joined {
			t.Fatalf("batch %d (%+v): none of the %d writevs fell between its seal and its response", i, l.BatchStamps, len(writevs))
		}
		order := []int64{l.Appended, l.Sealed, l.WritevEnter, l.WritevExit, l.ResponseRead, l.CallbacksDone}
		if l.Written != 0 {
			order = []int64{l.Appended, l.Sealed, l.WritevEnter, l.WritevExit, l.Written, l.ResponseRead, l.CallbacksDone}
		}
		for j := 1; j < len(order); j++ {
			if order[j] < order[j-1] {
				t.Fatalf("batch %d: stages out of time order: %+v", i, l)
			}
		}
	}
	r := bpf.Breakdown(lives)
	if r.Batches != len(batches) || r.Joined != len(batches) {
		t.Fatalf("breakdown of %d batches, %d joined; want %d of each", r.Batches, r.Joined, len(batches))
	}
	t.Logf("%d batches, %d joined by their request's address", r.Batches, r.Exact)
	if (runtime.GOARCH == "amd64" || runtime.GOARCH == "arm64") && r.Exact == 0 {
		t.Error("no batch joined by its request's address: the probes read no writev's first iovec")
	}
	for _, s := range r.Stages {
		if s.Count != len(batches) || s.P50 > s.P99 || s.P99 > s.Max {
			t.Errorf("stage %+v: want %d batches, p50 <= p99 <= max", s, len(batches))
		}
	}
	tracerReport, err := tr.Stages(batches)
	if err != nil {
		t.Fatalf("Stages: %v", err)
	}
	if tracerReport.Joined != len(batches) {
		t.Fatalf("Tracer.Stages joined %d of %d batches", tracerReport.Joined, len(batches))
	}
	if err := tr.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := tr.Writevs(); !errors.Is(err, bpf.ErrClosed) {
		t.Fatalf("Writevs after Close = %v, want ErrClosed", err)
	}
}
