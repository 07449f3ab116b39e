package core

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// growableBatch opens a batch in a piece of first bytes of ar that may grow
// to limit bytes, as openBatch does for a partition whose hint is small.
func growableBatch(t *testing.T, ar *arena.Arena, first, limit int) *batch {
	t.Helper()
	span, err := ar.TryAlloc(first)
	if err != nil {
		t.Fatal(err)
	}
	b := newBatch(newPartition(&topicState{name: "t"}, 0), &batch{}, span, ar.Bytes(span), 1_700_000_000_000, 0)
	b.growIn(ar, limit)
	return b
}

// readBatch decodes the records b holds, once settled, into their values.
func readBatch(t *testing.T, b *batch) [][]byte {
	t.Helper()
	ok, count, end := b.settled()
	if !ok {
		t.Fatal("batch not settled")
	}
	var rr wire.RecordReader
	rr.Reset(b.bytes()[wire.BatchHeaderSize:end], count)
	var values [][]byte
	for i := int32(0); ; i++ {
		var rec wire.Record
		err := rr.Next(&rec)
		if errors.Is(err, io.EOF) {
			return values
		}
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if rec.OffsetDelta != i {
			t.Fatalf("record %d has offset delta %d", i, rec.OffsetDelta)
		}
		if c := b.completions.at(int(i)); c.opaque != binary.BigEndian.Uint64(rec.Value) {
			t.Fatalf("record %d: completion of record %d", binary.BigEndian.Uint64(rec.Value), c.opaque)
		}
		values = append(values, append([]byte(nil), rec.Value...))
	}
}

// TestBatchGrowsWhileOpen: appenders racing into a batch opened in 512
// bytes that may grow to 16 KiB all get in, the batch grows rather than
// closing, every record is intact in the memory it ends in (each
// appender's in the order it appended them, each with its own
// completion), and the pieces it grew out of went back to the arena.
func TestBatchGrowsWhileOpen(t *testing.T) {
	const appenders, perAppender, limit = 4, 25, 16 << 10
	ar, err := arena.New(1<<20, limit, arena.Options{MinPiece: minBatchMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer ar.Close()
	for round := range 50 {
		b := growableBatch(t, ar, minBatchMemory, limit)
		var wg sync.WaitGroup
		for a := range appenders {
			wg.Go(func() {
				value := make([]byte, 100)
				for i := range perAppender {
					n := uint64(a<<16 | i)
					binary.BigEndian.PutUint64(value, n)
					r := Record{Topic: "t", Value: value, Opaque: n}
					if ok, _, _ := b.tryAppend(&r, b.baseTimestamp, 0, wire.RecordPayloadSize(nil, value, nil), nil); !ok {
						t.Errorf("round %d: record %x did not go into a batch that may grow to %d bytes", round, n, limit)
						return
					}
				}
			})
		}
		wg.Wait()
		if t.Failed() {
			return
		}
		if n := len(b.bytes()); n <= minBatchMemory || n > limit {
			t.Fatalf("after %d records of 100 bytes the batch has %d bytes of memory", appenders*perAppender, n)
		}
		b.close()
		next := make([]int, appenders)
		for _, v := range readBatch(t, b) {
			n := binary.BigEndian.Uint64(v)
			a, i := int(n>>16), int(n&0xffff)
			if a >= appenders || i != next[a] {
				t.Fatalf("round %d: record %x where appender %d's record %d was next", round, n, a, next[min(a, appenders-1)])
			}
			next[a]++
		}
		for a, n := range next {
			if n != perAppender {
				t.Fatalf("round %d: %d of appender %d's %d records in the batch", round, n, a, perAppender)
			}
		}
		b.releaseCompletions()
		if err := ar.Free(b.span); err != nil {
			t.Fatal(err)
		}
		if st := ar.Stats(); st.Free != st.Total {
			t.Fatalf("round %d: %d of %d bytes free once the batch's memory went back: growing kept some", round, st.Free, st.Total)
		}
	}
}

// TestBatchClosesWhenItCannotGrow: a batch that needs more memory while the
// arena has none free closes instead (the next batch waits for memory, not
// this append), keeps its records, and is ready for the sender.
func TestBatchClosesWhenItCannotGrow(t *testing.T) {
	const slot = 16 << 10
	ar, err := arena.New(2*slot, slot, arena.Options{MinPiece: minBatchMemory})
	if err != nil {
		t.Fatal(err)
	}
	defer ar.Close()
	b := growableBatch(t, ar, minBatchMemory, slot)
	other, err := ar.TryAlloc(slot) // the other slot: nothing left to grow into
	if err != nil {
		t.Fatal(err)
	}
	value := make([]byte, 100)
	payload := wire.RecordPayloadSize(nil, value, nil)
	appended := 0
	for {
		binary.BigEndian.PutUint64(value, uint64(appended))
		r := Record{Topic: "t", Value: value, Opaque: uint64(appended)}
		ok, ready, _ := b.tryAppend(&r, b.baseTimestamp, 0, payload, nil)
		if !ok {
			if !ready {
				t.Fatal("a batch closed for want of memory is not reported ready")
			}
			break
		}
		appended++
		if appended > minBatchMemory/100 {
			t.Fatalf("%d records of 100 bytes in a batch of %d bytes that could not grow", appended, len(b.bytes()))
		}
	}
	if b.open() || len(b.bytes()) != minBatchMemory {
		t.Fatalf("open %v with %d bytes; want closed in its %d bytes", b.open(), len(b.bytes()), minBatchMemory)
	}
	if got := readBatch(t, b); len(got) != appended {
		t.Fatalf("%d records in the batch, %d appended", len(got), appended)
	}
	b.releaseCompletions()
	for _, sp := range []arena.Span{b.span, other} {
		if err := ar.Free(sp); err != nil {
			t.Fatal(err)
		}
	}
}

// TestGrowingBatchesCarryEveryRecord: partitions sharing little memory
// (64 partitions in four batch.size slots) start their batches in 1 KiB
// pieces; with linger.ms long, each partition's records all go in one
// batch that grew, not in a batch per filled piece, and every record
// arrives, in order, with its key, headers and timestamp.
func TestGrowingBatchesCarryEveryRecord(t *testing.T) {
	const topic, partitions, busy, perPartition = "growing", 64, 8, 30
	c := kafkatest.NewCluster(t, 1, topic, partitions)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Linger, cfg.BatchSize, cfg.BufferMemory = time.Hour, shortBatchSize, 4*shortBatchSize
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if _, _, err := p.meta.topic(ctx, topic, p.cfg.MaxBlock, p.closeCtx); err != nil {
		t.Fatal(err)
	}
	if first := firstBatchMemory(&p.cfg, partitions); first >= shortBatchSize {
		t.Fatalf("first batches take %d bytes: the test needs them smaller than batch.size", first)
	}
	value := make([]byte, 100)
	base := time.UnixMilli(1_700_000_000_000)
	for i := range perPartition {
		for part := range busy {
			binary.BigEndian.PutUint32(value, uint32(part)<<8|uint32(i))
			r := Record{Topic: topic, Partition: int32(part), PartitionSet: true, Value: value,
				Key:       []byte(fmt.Sprintf("k%d-%d", part, i)),
				Headers:   []Header{{Key: "i", Value: []byte(fmt.Sprint(i))}},
				Timestamp: base.Add(time.Duration(i) * time.Millisecond)}
			if err := p.Send(ctx, &r, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if sent := p.Stats().BatchesSent; sent != busy {
		t.Fatalf("%d batches sent; want %d (one a partition, grown)", sent, busy)
	}
	// The sender gives a batch's memory back just after its callbacks,
	// which Flush waits for.
	waitFor(t, ctx, "every batch's memory to come back", func() bool {
		st := p.Stats()
		return st.BufferFree == st.BufferTotal
	})
	next := make(map[int32]int)
	for _, rec := range kafkatest.Consume(t, c, topic, busy*perPartition) {
		v := binary.BigEndian.Uint32(rec.Value)
		part, i := int32(v>>8), int(v&0xff)
		if part != rec.Partition || i != next[part] || len(rec.Value) != len(value) ||
			string(rec.Key) != fmt.Sprintf("k%d-%d", part, i) ||
			len(rec.Headers) != 1 || rec.Headers[0].Key != "i" || string(rec.Headers[0].Value) != fmt.Sprint(i) ||
			!rec.Timestamp.Equal(base.Add(time.Duration(i)*time.Millisecond)) {
			t.Fatalf("%d/%d: record %x key %q headers %v at %v; want record %d of partition %d",
				rec.Partition, rec.Offset, v, rec.Key, rec.Headers, rec.Timestamp, next[rec.Partition], rec.Partition)
		}
		next[part]++
	}
}
