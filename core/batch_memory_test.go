package core

import (
	"context"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// TestSmallBatchesShareBufferMemory: forty partitions each hold an open
// batch of two small records in a buffer.memory of four batch.size slots.
// With a whole slot per batch, 36 of the Sends would wait for memory;
// pieces of slots hold them all at once, and every record arrives.
func TestSmallBatchesShareBufferMemory(t *testing.T) {
	const topic, partitions, perPartition = "small", 40, 2
	c := kafkatest.NewCluster(t, 1, topic, partitions)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Linger, cfg.BatchSize, cfg.BufferMemory = time.Hour, 16<<10, 64<<10
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	value := make([]byte, 100)
	for i := range perPartition {
		for part := range int32(partitions) {
			binary.BigEndian.PutUint32(value, uint32(part)<<8|uint32(i))
			r := Record{Topic: topic, Key: []byte(fmt.Sprint(part)), Value: value, Partition: part, PartitionSet: true}
			if err := p.Send(ctx, &r, nil); err != nil {
				t.Fatalf("Send %d to partition %d: %v", i, part, err)
			}
		}
	}
	if st := p.Stats(); st.BufferWaits != 0 || st.BufferFree == 0 || st.BatchesSent != 0 {
		t.Fatalf("%d open batches: %d Sends waited for memory, %d of %d bytes free, %d batches sent; want no wait, room left, all lingering",
			partitions, st.BufferWaits, st.BufferFree, st.BufferTotal, st.BatchesSent)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := kafkatest.Consume(t, c, topic, partitions*perPartition)
	next := make(map[int32]uint32)
	for _, rec := range got {
		v := binary.BigEndian.Uint32(rec.Value)
		if part := int32(v >> 8); part != rec.Partition || string(rec.Key) != fmt.Sprint(part) || len(rec.Value) != len(value) {
			t.Fatalf("record %x with key %q in partition %d", v, rec.Key, rec.Partition)
		}
		if i := v & 0xff; i != next[rec.Partition] {
			t.Fatalf("partition %d: record %d where %d was next", rec.Partition, i, next[rec.Partition])
		}
		next[rec.Partition]++
	}
}

// TestBatchMemoryGrowsWithLoad: a partition whose last batch was small
// starts the next one in a small piece of memory; under steady load each
// full batch doubles the next, so the batches soon hold batch.size again:
// 64 batch.size worth of records go out in barely more than 64 batches.
func TestBatchMemoryGrowsWithLoad(t *testing.T) {
	const topic, batchSize, fullBatches = "grows", 16 << 10, 64
	c := kafkatest.NewCluster(t, 1, topic, 1)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger, cfg.BatchSize = time.Hour, batchSize })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	value := make([]byte, 100)
	r := Record{Topic: topic, Value: value}
	if err := p.Send(ctx, &r, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil { // one small batch: the next starts small
		t.Fatal(err)
	}
	records := fullBatches * batchSize / (len(value) + 10)
	for range records {
		if err := p.Send(ctx, &r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	// From 512 bytes, doubling reaches 16 KiB in five batches.
	if sent := p.Stats().BatchesSent - 1; sent > fullBatches+6 {
		t.Fatalf("%d records of %d bytes went out in %d batches; want at most %d", records, len(value), sent, fullBatches+6)
	}
	kafkatest.Consume(t, c, topic, records+1)
}
