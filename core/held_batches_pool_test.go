//go:build linux

package core

import (
	"context"
	"slices"
	"testing"

	"github.com/perfproducer/perfproducer/core/wire"
)

// TestLingeredBatchWaitsForTheCompressionBacklog: with batches waiting for
// the compression pool, a batch that has lingered linger.ms stays open
// (records may still join it) until the pool has handed every batch back,
// then goes, even if the pool is busy again.
func TestLingeredBatchWaitsForTheCompressionBacklog(t *testing.T) {
	pb := newPoolBench(t, 2)
	s := pb.s
	p := newPartition(pb.part.topic, 1)
	acc := accumulator{arena: pb.arena, batchSize: s.cfg.BatchSize, clock: s.clock, ready: s.readyList, wake: func() {},
		closeCtx: context.Background(), sender: &senderGoroutine{}}
	r := Record{Topic: "t", Value: []byte("late")}
	payload := wire.RecordPayloadSize(r.Key, r.Value, r.Headers)
	if _, err := acc.append(context.Background(), p, &r, 1_700_000_000_000, s.clock.now(), payload, func(RecordMetadata, error) {}, &blockedTime{}); err != nil {
		t.Fatal(err)
	}
	// The sender takes the partition off the ready list, and unlists it
	// while its batch is held (see sender.quiet).
	s.readyList.takeInto(nil)
	p.listed.Store(false)
	open := p.cursor.next.Load()
	lingered := open.createdNanos + int64(s.cfg.Linger)
	snap := s.meta.snapshot.Load()
	held := func(when string) {
		t.Helper()
		if len(p.queue) != 0 || !open.open() || p.heldBy != &s.compressHeld {
			t.Fatalf("%s: the lingered batch is open %v, queued %d, held %v; want it open and held for the pool", when, open.open(), len(p.queue), p.heldBy != nil)
		}
	}
	s.pull(p, snap, lingered, false, true)
	held("two batches with the pool")
	pb.finish(0)
	held("one batch with the pool")
	pb.finish(1)
	if p.heldBy != nil || !p.listed.Load() || !slices.Contains(s.active, p) {
		t.Fatalf("the pool ran dry and the partition is held %v, listed %v: want it listed again", p.heldBy != nil, p.listed.Load())
	}
	// Another batch goes to the pool meanwhile: a batch is held for the
	// pool once, so this one goes now all the same.
	s.compressing++
	s.pull(p, snap, lingered, false, true)
	if len(p.queue) != 1 || p.queue[0] != open || open.open() {
		t.Fatalf("after the pool ran dry %d batches were queued, the lingered one open %v: want it closed and queued", len(p.queue), open.open())
	}
}
