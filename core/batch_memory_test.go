package core

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestSmallBatchesShareBufferMemory: forty partitions each hold an open
// batch of two small records in a buffer.memory of four batch.size slots,
// whether they are one topic's or ten topics' (all share the buffer).
// With a whole slot per batch, 36 of the Sends would wait for memory;
// pieces of slots hold them all at once, and every record arrives.
func TestSmallBatchesShareBufferMemory(t *testing.T) {
	const partitions, perPartition = 40, 2
	for _, topics := range []int{1, 10} {
		t.Run(fmt.Sprintf("topics=%d", topics), func(t *testing.T) {
			names := make([]string, topics)
			for i := range names {
				names[i] = fmt.Sprintf("small%d", i)
			}
			c := kafkatest.NewCluster(t, 1, names[0], partitions/topics, kfake.SeedTopics(int32(partitions/topics), names[1:]...))
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.Linger, cfg.BatchSize, cfg.BufferMemory = time.Hour, 16<<10, 64<<10
			})
			ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
			defer cancel()
			// Every topic's metadata first, so no Send meets a topic
			// before the producer knows how many partitions share the
			// buffer.
			for _, name := range names {
				if _, _, err := p.meta.topic(ctx, name, p.cfg.MaxBlock, p.closeCtx); err != nil {
					t.Fatal(err)
				}
			}
			value := make([]byte, 100)
			for i := range perPartition {
				for n := range partitions {
					topic, part := names[n%topics], int32(n/topics)
					binary.BigEndian.PutUint32(value, uint32(n)<<8|uint32(i))
					r := Record{Topic: topic, Key: []byte(fmt.Sprint(n)), Value: value, Partition: part, PartitionSet: true}
					if err := p.Send(ctx, &r, nil); err != nil {
						t.Fatalf("Send %d to %s/%d: %v", i, topic, part, err)
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
			for _, name := range names {
				got := kafkatest.Consume(t, c, name, partitions/topics*perPartition)
				next := make(map[int32]uint32)
				for _, rec := range got {
					v := binary.BigEndian.Uint32(rec.Value)
					n := int(v >> 8)
					if names[n%topics] != name || int32(n/topics) != rec.Partition || string(rec.Key) != fmt.Sprint(n) || len(rec.Value) != len(value) {
						t.Fatalf("record %x with key %q in %s/%d", v, rec.Key, name, rec.Partition)
					}
					if i := v & 0xff; i != next[rec.Partition] {
						t.Fatalf("%s/%d: record %d where %d was next", name, rec.Partition, i, next[rec.Partition])
					}
					next[rec.Partition]++
				}
			}
		})
	}
}

// TestBatchMemoryGrowsWithLoad: with memory short (64 partitions share
// four batch.size slots), a partition whose last batch was small starts the
// next one in a small piece of memory; under steady load each full batch
// doubles the next, so the batches soon hold batch.size again: 64
// batch.size worth of records go out in barely more than 64 batches.
func TestBatchMemoryGrowsWithLoad(t *testing.T) {
	const topic, fullBatches = "grows", 64
	c, p := shortOfMemory(t, topic)
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	value := make([]byte, 100)
	r := Record{Topic: topic, Value: value, PartitionSet: true}
	if err := p.Send(ctx, &r, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil { // one small batch: the next starts small
		t.Fatal(err)
	}
	records := fullBatches * shortBatchSize / (len(value) + 10)
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

// TestOnlyFastFilledBatchesDoubleTheNext: 64 partitions fill a
// buffer.memory of 64 KiB with one batch each, in 1 KiB pieces (their
// share). A second record for partition 0 finds its batch full and the
// buffer too, so the batch cannot grow and a new one opens. When the full
// batch filled within linger.ms, the partition's load outruns its batches
// and the new one asks for twice the memory; when it filled only after
// lingering longer, the new one asks for what the last batch filled, as
// any batch does, and leaves the rest of the buffer to other partitions.
// Either way every record arrives, in order.
func TestOnlyFastFilledBatchesDoubleTheNext(t *testing.T) {
	const topic, partitions, share = "fastfill", 64, 1 << 10
	for _, tc := range []struct {
		name     string
		fastFill time.Duration // 0: linger.ms (an hour), which every batch here fills within
		want     int
	}{
		{name: "filled within linger", want: 2 * share},
		{name: "filled after lingering", fastFill: time.Millisecond, want: share},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, p := shortOfMemory(t, topic)
			ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
			defer cancel()
			tm, _, err := p.meta.topic(ctx, topic, p.cfg.MaxBlock, p.closeCtx)
			if err != nil {
				t.Fatal(err)
			}
			// A record fills most of a 1 KiB piece: batch header, record
			// framing and 900 bytes of value.
			value := make([]byte, 900)
			send := func(part int32, seq byte) {
				t.Helper()
				value[0], value[1] = byte(part), seq
				r := Record{Topic: topic, Value: value, Partition: part, PartitionSet: true}
				if err := p.Send(ctx, &r, nil); err != nil {
					t.Fatalf("Send %d to partition %d: %v", seq, part, err)
				}
			}
			for part := range int32(partitions) {
				send(part, 0)
			}
			first := tm.partitions[0].part.tail.Load()
			if st := p.Stats(); st.BufferFree != 0 || st.BatchesSent != 0 || len(first.bytes()) != share {
				t.Fatalf("%d free of %d bytes, %d batches sent, partition 0's batch in %d bytes; want the buffer full of %d-byte batches, all open",
					st.BufferFree, st.BufferTotal, st.BatchesSent, len(first.bytes()), share)
			}
			if tc.fastFill > 0 {
				// As with linger.ms of fastFill, while the real linger.ms
				// (an hour) keeps every batch open.
				p.acc.fastFill = int64(tc.fastFill)
				waitFor(t, ctx, "partition 0's batch to be older than "+tc.fastFill.String(), func() bool {
					return p.clock.now()-first.createdNanos > int64(tc.fastFill)
				})
			}
			send(0, 1) // waits for memory: the sender then sends every batch
			if next := tm.partitions[0].part.tail.Load(); next == first || len(next.bytes()) != tc.want {
				t.Fatalf("partition 0's next batch has %d bytes of memory (a new batch: %v); want %d", len(next.bytes()), next != first, tc.want)
			}
			if err := p.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			got := kafkatest.Consume(t, c, topic, partitions+1)
			next := make(map[int32]byte)
			for _, rec := range got {
				if int32(rec.Value[0]) != rec.Partition || rec.Value[1] != next[rec.Partition] || len(rec.Value) != len(value) {
					t.Fatalf("partition %d: record %d of partition %d (%d bytes), want record %d", rec.Partition, rec.Value[1], rec.Value[0], len(rec.Value), next[rec.Partition])
				}
				next[rec.Partition]++
			}
			if next[0] != 2 {
				t.Fatalf("partition 0 holds %d records, want 2", next[0])
			}
		})
	}
}

// TestSmallBatchLeavesTheNextOneWholeMemory: with memory to spare (one
// partition, 32 MiB), a partition whose last batch held one record still
// opens its next batch in a whole batch.size slot, as Java's producer
// does: a batch.size worth of records lingering together goes out as one
// batch. Asking only what the last batch filled, the next batch would
// start in a small piece and copy its records at every growth; before
// batches grew, its records left in batches of 512 bytes, 1 KiB, 2 KiB, ...
func TestSmallBatchLeavesTheNextOneWholeMemory(t *testing.T) {
	const topic, batchSize = "whole", 16 << 10
	c := kafkatest.NewCluster(t, 1, topic, 1)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger, cfg.BatchSize = time.Hour, batchSize })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	value := make([]byte, 100)
	r := Record{Topic: topic, Value: value}
	if err := p.Send(ctx, &r, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil { // one small batch
		t.Fatal(err)
	}
	// Well under one batch.size, headers and varints included.
	records := batchSize / (len(value) + 20)
	for range records {
		if err := p.Send(ctx, &r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if sent := p.Stats().BatchesSent - 1; sent != 1 {
		t.Fatalf("%d records of %d bytes, lingering together, went out in %d batches; want 1", records, len(value), sent)
	}
	kafkatest.Consume(t, c, topic, records+1)
}

// TestMemoryWaitLeavesBatchesOpenWhileAnswersAreDue: buffer.memory holds
// three batches; two are in Produce requests the broker holds, the third
// is partition 1's open batch. A Send to partition 0 waits for memory. The
// held requests' answers will free some, so partition 1's batch stays open
// and takes another record, rather than going out with one and leaving the
// next record a batch of its own. Every record is read back, in order.
func TestMemoryWaitLeavesBatchesOpenWhileAnswersAreDue(t *testing.T) {
	const topic, batchSize = "memwait", 16 << 10
	// Partitions 0 and 1 on broker 0, partition 2 on broker 1: the
	// metadata requests by which the test tells that the sender has looped
	// go to broker 1 while broker 0 holds requests.
	c := kafkatest.NewCluster(t, 2, topic, 3)
	for part, node := range []int32{0, 0, 1} {
		if err := c.MoveTopicPartition(topic, int32(part), node); err != nil {
			t.Fatal(err)
		}
	}
	held, release := make(chan struct{}), make(chan struct{})
	var armed, holding atomic.Bool
	holding.Store(true)
	var mu sync.Mutex
	var requests [][]int32 // the partitions of each Produce request, once armed
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if !armed.Load() {
			return nil, nil, false
		}
		mu.Lock()
		requests = append(requests, producePartitions(req))
		mu.Unlock()
		if holding.CompareAndSwap(true, false) {
			close(held)
			c.SleepControl(func() { <-release })
		}
		return nil, nil, false
	})
	metadata := countMetadataRounds(c)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Linger, cfg.BatchSize, cfg.BufferMemory = time.Hour, batchSize, 3*batchSize
		cfg.MetadataMaxAge = 20 * time.Millisecond
	})
	var releaseOnce sync.Once
	answer := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(answer) // a test that fails early still lets the broker answer before Close
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()

	type sent struct {
		part  int32
		value []byte
	}
	var order []sent
	record := func(part int32, size int) *Record {
		value := binary.BigEndian.AppendUint32(make([]byte, 0, size), uint32(len(order)))
		value = value[:size]
		order = append(order, sent{part, value})
		return &Record{Topic: topic, Value: value, Partition: part, PartitionSet: true}
	}
	var errs []error
	var errMu sync.Mutex
	failed := func(_ RecordMetadata, err error) {
		if err != nil {
			errMu.Lock()
			errs = append(errs, err)
			errMu.Unlock()
		}
	}
	send := func(part int32, size int) {
		t.Helper()
		if err := p.Send(ctx, record(part, size), failed); err != nil {
			t.Fatalf("Send to partition %d: %v", part, err)
		}
	}

	// Broker 1's connection, for the metadata requests.
	send(2, 100)
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	armed.Store(true)
	send(0, batchSize-400) // fills partition 0's batch: it goes at once, and the broker holds it
	<-held
	send(0, batchSize-400) // a second, in flight behind the first
	send(1, 100)           // partition 1's open batch: the rest of buffer.memory
	// Partition 0's next batch has no memory until a held request is
	// answered.
	waiting := make(chan error, 1)
	r := record(0, 100)
	go func() { waiting <- p.Send(ctx, r, failed) }()
	waitFor(t, ctx, "the Send to wait for memory", func() bool { return p.arena.Waiters() > 0 })
	metadata.waitTwoMore(t, ctx)
	if b := p.meta.snapshot.Load().topics[topic].partitions[1].part.tail.Load(); !b.open() {
		t.Fatal("partition 1's batch was closed while a Send waited for memory that held requests will free")
	}
	send(1, 100) // joins partition 1's batch, still open

	answer()
	if err := <-waiting; err != nil {
		t.Fatalf("the Send that waited for memory: %v", err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	errMu.Lock()
	if len(errs) != 0 {
		t.Fatalf("callbacks reported %v", errs)
	}
	errMu.Unlock()
	mu.Lock()
	got := requests
	mu.Unlock()
	var withPartition1 int
	for _, parts := range got {
		if slices.Contains(parts, 1) {
			withPartition1++
		}
	}
	if withPartition1 != 1 {
		t.Fatalf("Produce requests (their partitions): %v; want partition 1's two records in one batch, in one request", got)
	}

	records := kafkatest.Consume(t, c, topic, len(order))
	want := map[int32][]int{} // each partition's records, in the order sent
	for i, s := range order {
		want[s.part] = append(want[s.part], i)
	}
	next := map[int32]int{}
	for _, rec := range records {
		i := int(binary.BigEndian.Uint32(rec.Value))
		w := want[rec.Partition]
		if n := next[rec.Partition]; n >= len(w) || w[n] != i || !bytes.Equal(rec.Value, order[i].value) {
			t.Fatalf("partition %d: record %d (%d bytes) out of place; want the records %v in order", rec.Partition, i, len(rec.Value), w)
		}
		next[rec.Partition]++
	}
}

// TestStickyBatchesTakeBatchSize: with memory short for its partitions (64
// share four batch.size slots, so a keyed partition's batch starts in a
// 1 KiB piece), the batches the sticky partitioner fills still take
// batch.size each: it stays on a partition for a batch's worth of records,
// so eight batch.size worth of unkeyed records go out in about eight
// batches, not in a hundred pieces.
func TestStickyBatchesTakeBatchSize(t *testing.T) {
	const topic, fullBatches = "sticky", 8
	c, p := shortOfMemory(t, topic)
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	value := make([]byte, 100)
	records := fullBatches * shortBatchSize / (len(value) + 10)
	for i := range records {
		binary.BigEndian.PutUint32(value, uint32(i))
		r := Record{Topic: topic, Value: value}
		if err := p.Send(ctx, &r, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if sent := p.Stats().BatchesSent; sent > fullBatches+2 {
		t.Fatalf("%d unkeyed records of %d bytes went out in %d batches; want at most %d", records, len(value), sent, fullBatches+2)
	}
	got := kafkatest.Consume(t, c, topic, records)
	last := make(map[int32]int64)
	seen := make([]bool, records)
	for _, rec := range got {
		i := int64(binary.BigEndian.Uint32(rec.Value))
		if prev, ok := last[rec.Partition]; ok && i <= prev || i >= int64(records) || seen[i] || rec.Key != nil || len(rec.Value) != len(value) {
			t.Fatalf("record %d (key %q, %d bytes) in partition %d after record %d", i, rec.Key, len(rec.Value), rec.Partition, last[rec.Partition])
		}
		seen[i], last[rec.Partition] = true, i
	}
}

// shortOfMemory starts a one-broker cluster with 64 partitions of topic
// and a producer whose 64 partitions share a buffer.memory of four
// batch.size (shortBatchSize) slots, lingering an hour.
func shortOfMemory(t *testing.T, topic string) (*kfake.Cluster, *Producer) {
	c := kafkatest.NewCluster(t, 1, topic, 64)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Linger, cfg.BatchSize, cfg.BufferMemory = time.Hour, shortBatchSize, 4*shortBatchSize
	})
	return c, p
}

const shortBatchSize = 16 << 10
