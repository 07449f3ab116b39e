//go:build linux

package core

import (
	"context"
	"slices"
	"testing"

	"github.com/perfproducer/perfproducer/core/wire"
)

// TestLingeredBatchWaitsForTheCompressionBacklog: while the compression
// pool has its backlog of batches, a batch that has lingered linger.ms
// stays open (records may still join it); each batch the pool hands back
// wakes one held partition, the one held longest, whose batch then goes
// even if the pool is busy again.
func TestLingeredBatchWaitsForTheCompressionBacklog(t *testing.T) {
	pb := newPoolBench(t, 2) // the pool's backlog: 2 batches
	s := pb.s
	acc := accumulator{arena: pb.arena, batchSize: s.cfg.BatchSize, clock: s.clock, ready: s.readyList, wake: func() {},
		closeCtx: context.Background(), sender: &senderGoroutine{}}
	parts := []*partition{newPartition(pb.part.topic, 1), newPartition(pb.part.topic, 2)}
	lingered := int64(0)
	for _, p := range parts {
		r := Record{Topic: "t", Value: []byte("late")}
		payload := wire.RecordPayloadSize(r.Key, r.Value, r.Headers)
		if _, err := acc.append(context.Background(), p, &r, 1_700_000_000_000, s.clock.now(), payload, func(RecordMetadata, error) {}, false, &blockedTime{}); err != nil {
			t.Fatal(err)
		}
		lingered = max(lingered, p.first().createdNanos+int64(s.cfg.Linger))
	}
	// The sender takes the partitions off the ready list, and unlists them
	// while their batches are held (see sender.quiet).
	s.readyList.takeInto(nil)
	for _, p := range parts {
		p.listed.Store(false)
	}
	snap := s.meta.snapshot.Load()
	state := func(when string, want ...string) {
		t.Helper()
		for i, p := range parts {
			b := p.first()
			got := "gone"
			switch {
			case b != nil && b.open() && p.heldBy == &s.compressHeld && len(p.queue) == 0 && !p.listed.Load():
				got = "held"
			case b != nil && b.open() && p.heldBy == nil && p.listed.Load() && slices.Contains(s.active, p):
				got = "woken"
			case b == nil && len(p.queue) == 1 && !p.queue[0].open():
				got = "queued"
			}
			if got != want[i] {
				t.Fatalf("%s: partition %d is %s, want %s", when, p.index, got, want[i])
			}
		}
	}
	s.pull(parts[0], snap, lingered, closeLingered)
	s.pull(parts[1], snap, lingered, closeLingered)
	state("two batches with the pool", "held", "held")
	pb.finish(0)
	state("one batch back from the pool", "woken", "held")
	// The woken partition's batch goes, though the pool has its backlog
	// again: a batch is held for the pool once.
	s.pull(parts[0], snap, lingered, closeLingered)
	state("the woken batch visited", "queued", "held")
	if s.compressing != 2 {
		t.Fatalf("%d batches with the pool, want 2", s.compressing)
	}
	pb.finish(1)
	state("another batch back from the pool", "queued", "woken")
}
