package core

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// TestStickyMovesOnAtBatchBoundaries: unkeyed 1 KiB records over 50
// partitions, with linger.ms at an hour so only full batches go out before
// Flush. The sticky partitioner moves on only when the partition's batch
// is full, so every batch but the one left open in each partition is full:
// no batch of a single record is left behind at each switch. Every record
// arrives, in order within its partition.
func TestStickyMovesOnAtBatchBoundaries(t *testing.T) {
	const topic, partitions, records, batchSize = "sticky", 50, 3000, 16 << 10
	c := kafkatest.NewCluster(t, 1, topic, partitions)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger, cfg.BatchSize = time.Hour, batchSize })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	value := make([]byte, 1<<10)
	r := Record{Topic: topic, Value: value}
	for i := range records {
		binary.BigEndian.PutUint32(value, uint32(i))
		if err := p.Send(ctx, &r, nil); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// A 16 KiB batch holds 15 of these records; each partition may end
	// with one batch less than full.
	perBatch := (batchSize - 61) / (len(value) + 10)
	if most := records/perBatch + partitions; p.Stats().BatchesSent > int64(most) {
		t.Fatalf("%d records of %d bytes went out in %d batches; want at most %d (full batches but the last of each partition)",
			records, len(value), p.Stats().BatchesSent, most)
	}
	got := kafkatest.Consume(t, c, topic, records)
	last := make(map[int32]int64)
	for _, rec := range got {
		i := int64(binary.BigEndian.Uint32(rec.Value))
		if prev, ok := last[rec.Partition]; ok && i <= prev {
			t.Fatalf("partition %d: record %d after %d", rec.Partition, i, prev)
		}
		last[rec.Partition] = i
	}
}
