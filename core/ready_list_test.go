package core

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// TestReadyListListsEachPartitionOnce: partitions listed from many
// goroutines at once reach the sender once each, however often they were
// listed, and a partition the sender unlisted can be listed again.
func TestReadyListListsEachPartitionOnce(t *testing.T) {
	const partitions, goroutines = 64, 8
	var l readyList
	st := &topicState{name: "t"}
	parts := make([]*partition, partitions)
	for i := range parts {
		parts[i] = newPartition(st, int32(i))
	}
	for round := range 3 {
		var wg sync.WaitGroup
		for range goroutines {
			wg.Go(func() {
				for _, p := range parts {
					l.list(p)
				}
			})
		}
		wg.Wait()
		got := l.takeInto(nil)
		seen := map[*partition]bool{}
		for _, p := range got {
			if seen[p] {
				t.Fatalf("round %d: partition %d taken twice", round, p.index)
			}
			seen[p] = true
		}
		if len(seen) != partitions {
			t.Fatalf("round %d: %d partitions taken, want %d", round, len(seen), partitions)
		}
		for _, p := range got {
			if !l.unlist(p, nil) {
				t.Fatalf("round %d: partition %d holds no batch, yet stayed listed", round, p.index)
			}
		}
	}
}

// TestReadyListKeepsAPartitionWithABatch: the sender does not drop a
// partition in which a batch was opened while it was unlisting it.
func TestReadyListKeepsAPartitionWithABatch(t *testing.T) {
	var l readyList
	p := newPartition(&topicState{name: "t"}, 0)
	l.list(p)
	l.takeInto(nil)
	// An appender links a batch while p is still listed, so it does not
	// list p again.
	linkBatch(p, &batch{part: p})
	l.list(p)
	if l.unlist(p, nil) {
		t.Fatal("unlist dropped a partition holding a batch that no one listed")
	}
	if !p.listed.Load() {
		t.Fatal("the partition kept by the sender is not marked listed")
	}
}

// TestSenderLooksOnlyAtBusyPartitions: with records for one partition of a
// 1,000-partition topic, each sender loop looks at about one partition, not
// at every partition the producer knows.
func TestSenderLooksOnlyAtBusyPartitions(t *testing.T) {
	const topic, partitions, records = "wide", 1000, 2000
	c := kafkatest.NewCluster(t, 1, topic, partitions)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger = 0 })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	r := Record{Topic: topic, Partition: 7, PartitionSet: true, Value: []byte("one partition of many")}
	for i := range records {
		if err := p.Send(ctx, &r, nil); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s := p.sender
	if s.loops == 0 {
		t.Fatal("the sender counted no loop")
	}
	if perLoop := float64(s.visits) / float64(s.loops); perLoop > 2 {
		t.Fatalf("the sender looked at %.1f partitions per loop (%d over %d loops), want about 1 of %d", perLoop, s.visits, s.loops, partitions)
	}
	got := kafkatest.Consume(t, c, topic, records)
	for _, rec := range got {
		if rec.Partition != 7 {
			t.Fatalf("record in partition %d, want 7", rec.Partition)
		}
	}
}

// TestFullBatchIsReadyAtOnce: with linger.ms at an hour, a batch the last
// record filled exactly goes out at once, as Java's RecordAccumulator
// sends a full batch without waiting for linger.ms.
func TestFullBatchIsReadyAtOnce(t *testing.T) {
	const topic, perBatch = "full", 10
	ts := time.UnixMilli(1_700_000_000_000)
	value := make([]byte, 100)
	size := exactBatchSize(value, perBatch)
	c := kafkatest.NewCluster(t, 1, topic, 1)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger, cfg.BatchSize = time.Hour, size })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	done := make(chan error, perBatch)
	r := Record{Topic: topic, Value: value, Timestamp: ts}
	for i := range perBatch {
		r.Opaque = uint64(i)
		if err := p.Send(ctx, &r, func(_ RecordMetadata, err error) { done <- err }); err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	for range perBatch {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("a record of the full batch failed: %v", err)
			}
		case <-ctx.Done():
			t.Fatalf("the full batch of %d bytes waited for linger.ms", size)
		}
	}
	got := kafkatest.Consume(t, c, topic, perBatch)
	for i, rec := range got {
		if rec.Offset != int64(i) || !rec.Timestamp.Equal(ts) || len(rec.Value) != len(value) {
			t.Fatalf("record %d: offset %d, timestamp %v, %d bytes", i, rec.Offset, rec.Timestamp, len(rec.Value))
		}
	}
}

// TestStickyTurnIsOneBatchSentAtOnce: records without a key, of one size,
// with linger.ms at an hour and batch.size leaving room for less than one
// more record after perBatch of them. The record that leaves too little room
// for another closes its batch, which goes at once, and the sticky
// partitioner moves on there: each turn of perBatch records fills one batch,
// and no batch waits for a record that would not fit, or for linger.ms.
func TestStickyTurnIsOneBatchSentAtOnce(t *testing.T) {
	const topic, perBatch, turns = "sticky-full", 10, 6
	ts := time.UnixMilli(1_700_000_000_000)
	value := make([]byte, 100)
	size := exactBatchSize(value, perBatch) + wire.RecordSizeFor(wire.RecordPayloadSize(nil, value, nil), perBatch, 0) - 1
	c := kafkatest.NewCluster(t, 1, topic, 3)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger, cfg.BatchSize = time.Hour, size })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	partitions := make([]int32, perBatch*turns)
	done := make(chan error, len(partitions))
	for i := range partitions {
		r := Record{Topic: topic, Value: binary.BigEndian.AppendUint64(make([]byte, 0, len(value)), uint64(i))[:len(value)], Timestamp: ts, Opaque: uint64(i)}
		err := p.Send(ctx, &r, func(md RecordMetadata, err error) {
			partitions[md.Opaque] = md.Partition
			done <- err
		})
		if err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	for range partitions {
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("a record failed: %v", err)
			}
		case <-ctx.Done():
			t.Fatalf("a batch with room for less than one more record waited for linger.ms (batch.size %d)", size)
		}
	}
	for turn := range turns {
		first := partitions[turn*perBatch]
		for i := turn * perBatch; i < (turn+1)*perBatch; i++ {
			if partitions[i] != first {
				t.Fatalf("record %d went to partition %d, record %d of its turn to %d: a turn should fill one %d-record batch (partitions %v)",
					i, partitions[i], turn*perBatch, first, perBatch, partitions)
			}
		}
	}
	got := kafkatest.Consume(t, c, topic, len(partitions))
	next := map[int32]int{} // the index of the record each partition holds next
	for _, rec := range got {
		i := int(binary.BigEndian.Uint64(rec.Value))
		if partitions[i] != rec.Partition || !rec.Timestamp.Equal(ts) || len(rec.Value) != len(value) {
			t.Fatalf("record %d read back from partition %d (acknowledged in %d), timestamp %v, %d bytes", i, rec.Partition, partitions[i], rec.Timestamp, len(rec.Value))
		}
		if i < next[rec.Partition] {
			t.Fatalf("partition %d holds record %d after record %d", rec.Partition, i, next[rec.Partition]-1)
		}
		next[rec.Partition] = i + 1
	}
}

// TestLingeringPartitionsWaitOnTimers: partitions whose only batch lingers
// are not looked at every loop. With linger.ms at an hour, 999 partitions
// hold one open batch each while exactly full batches of another partition
// keep the sender looping; each loop looks at about one partition. Flush
// then sends the lingering batches, and every record arrives.
func TestLingeringPartitionsWaitOnTimers(t *testing.T) {
	const topic, partitions, perBatch, busyBatches = "lingering", 1000, 10, 200
	ts := time.UnixMilli(1_700_000_000_000)
	value := make([]byte, 100)
	size := exactBatchSize(value, perBatch)
	c := kafkatest.NewCluster(t, 1, topic, partitions)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger, cfg.BatchSize = time.Hour, size })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	r := Record{Topic: topic, Value: value, Timestamp: ts, PartitionSet: true}
	for i := int32(1); i < partitions; i++ {
		r.Partition = i
		if err := p.Send(ctx, &r, nil); err != nil {
			t.Fatalf("Send to partition %d: %v", i, err)
		}
	}
	done := make(chan struct{}, perBatch*busyBatches)
	r.Partition = 0
	for range perBatch * busyBatches {
		if err := p.Send(ctx, &r, func(RecordMetadata, error) { done <- struct{}{} }); err != nil {
			t.Fatal(err)
		}
	}
	for range perBatch * busyBatches {
		select {
		case <-done:
		case <-ctx.Done():
			t.Fatal("the full batches of partition 0 did not go out")
		}
	}
	if err := p.Close(ctx); err != nil {
		t.Fatal(err)
	}
	s := p.sender
	// Each partition is looked at when its batch opens (then it waits on
	// its timer), and twice as Close drains it (its batch goes out; it is
	// empty); apart from those, a loop looked at partition 0 alone. A scan
	// of every partition would make it 1,000 per loop.
	if perLoop := float64(s.visits-3*partitions) / float64(s.loops); perLoop > 3 {
		t.Fatalf("the sender looked at %.1f partitions per loop (%d over %d loops) while 999 batches lingered", perLoop, s.visits, s.loops)
	}
	got := kafkatest.Consume(t, c, topic, partitions-1+perBatch*busyBatches)
	per := map[int32]int{}
	for _, rec := range got {
		per[rec.Partition]++
	}
	for i := int32(1); i < partitions; i++ {
		if per[i] != 1 {
			t.Fatalf("partition %d holds %d records, want 1", i, per[i])
		}
	}
	if per[0] != perBatch*busyBatches {
		t.Fatalf("partition 0 holds %d records, want %d", per[0], perBatch*busyBatches)
	}
}

// exactBatchSize is the batch.size that records of value, all with one
// timestamp, fill exactly n at a time.
func exactBatchSize(value []byte, n int32) int {
	payload := wire.RecordPayloadSize(nil, value, nil)
	size := wire.BatchHeaderSize
	for i := range n {
		size += wire.RecordSizeFor(payload, i, 0)
	}
	return size
}

// linkBatch links b behind p's tail and moves the tail to it, as an
// appender does.
func linkBatch(p *partition, b *batch) {
	tail := p.tail.Load()
	b.chainIndex = tail.chainIndex + 1
	tail.next.Store(b)
	p.tail.Store(b)
}

// TestFirstBatchOnTheChain: partition.first finds the batch after the
// cursor from the tail when it is the only one, through the cursor's link
// when more wait, and reads a tail that lags a link as the chain before it.
func TestFirstBatchOnTheChain(t *testing.T) {
	p := newPartition(&topicState{name: "t"}, 0)
	if b := p.first(); b != nil {
		t.Fatalf("first of an empty chain = %p, want nil", b)
	}
	one, two := &batch{part: p}, &batch{part: p}
	linkBatch(p, one)
	if b := p.first(); b != one {
		t.Fatalf("first of a one-batch chain = %p, want %p", b, one)
	}
	linkBatch(p, two)
	if b := p.first(); b != one {
		t.Fatalf("first of a two-batch chain = %p, want %p", b, one)
	}
	p.takeOff(one)
	if b := p.first(); b != two {
		t.Fatalf("first after taking one off = %p, want %p", b, two)
	}
	p.takeOff(two)
	// An appender linked a third batch and has not moved the tail yet.
	three := &batch{part: p, chainIndex: two.chainIndex + 1}
	two.next.Store(three)
	if b := p.first(); b != nil {
		t.Fatalf("first with the tail lagging = %p, want nil until the tail moves", b)
	}
	p.tail.Store(three)
	if b := p.first(); b != three {
		t.Fatalf("first once the tail moved = %p, want %p", b, three)
	}
}

// TestBatchesLingerBeforeGoing: a batch waits linger.ms before it goes,
// whatever timer the sender keeps for it. One record to each of 200
// partitions, with linger.ms at 50: no record is answered sooner than
// linger.ms after its Send, and every record is read back where it was
// sent.
func TestBatchesLingerBeforeGoing(t *testing.T) {
	const topic, partitions, linger = "lingered", 200, 50 * time.Millisecond
	ts := time.UnixMilli(1_700_000_000_000)
	c := kafkatest.NewCluster(t, 1, topic, partitions)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger = linger })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	type answer struct {
		part int32
		md   RecordMetadata
		err  error
	}
	answers := make(chan answer, partitions)
	for i := range int32(partitions) {
		r := Record{Topic: topic, Value: binary.BigEndian.AppendUint32(nil, uint32(i)), Timestamp: ts, Partition: i, PartitionSet: true}
		if err := p.Send(ctx, &r, func(md RecordMetadata, err error) { answers <- answer{i, md, err} }); err != nil {
			t.Fatalf("Send to partition %d: %v", i, err)
		}
	}
	for range partitions {
		select {
		case a := <-answers:
			if a.err != nil {
				t.Fatalf("partition %d: %v", a.part, a.err)
			}
			if a.md.Partition != a.part {
				t.Fatalf("record for partition %d acknowledged in %d", a.part, a.md.Partition)
			}
			if got := a.md.Latency(); got < linger {
				t.Fatalf("partition %d: record answered %v after its Send, before linger.ms (%v) passed", a.part, got, linger)
			}
		case <-ctx.Done():
			t.Fatal("records not answered")
		}
	}
	got := kafkatest.Consume(t, c, topic, partitions)
	per := map[int32]int{}
	for _, rec := range got {
		if i := int32(binary.BigEndian.Uint32(rec.Value)); i != rec.Partition || !rec.Timestamp.Equal(ts) {
			t.Fatalf("record for partition %d read back from partition %d with timestamp %v", i, rec.Partition, rec.Timestamp)
		}
		per[rec.Partition]++
	}
	if len(per) != partitions {
		t.Fatalf("records read back from %d partitions, want %d", len(per), partitions)
	}
	for part, n := range per {
		if n != 1 {
			t.Fatalf("partition %d holds %d records, want 1", part, n)
		}
	}
}
