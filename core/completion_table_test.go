package core

import (
	"sync"
	"testing"
	"unsafe"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
)

// TestBatchOfFewRecordsAllocatesOnlyItself: a batch whose memory has room
// for many more records than it gets (a few 1 KiB records in 16 KiB)
// allocates the batch struct and nothing else, its completions included;
// room for more than the inline chunks' records must not cost their
// pointers up front.
func TestBatchOfFewRecordsAllocatesOnlyItself(t *testing.T) {
	part := newPartition(&topicState{name: "t"}, 0)
	buf := make([]byte, 16384)
	r := Record{Topic: "t", Key: make([]byte, 16), Value: make([]byte, 1024)}
	payload := wire.RecordPayloadSize(r.Key, r.Value, r.Headers)
	cb := func(RecordMetadata, error) {}
	cycle := func() {
		b := newBatch(part, &batch{}, arena.Span{}, buf, 1_700_000_000_000, 0)
		if b.completions.capacity() <= headRecords+firstChunkSize+inlineChunks*completionChunkSize {
			t.Fatalf("a 16 KiB batch has room for %d completions: the test needs more than the inline chunks hold", b.completions.capacity())
		}
		for range 3 {
			if ok, _, _ := b.tryAppend(&r, b.baseTimestamp, 0, payload, cb); !ok {
				t.Fatal("a 1 KiB record did not fit an empty 16 KiB batch")
			}
		}
		b.releaseCompletions()
	}
	cycle() // a spare first chunk for the runs below
	if allocs := testing.AllocsPerRun(100, cycle); allocs != 1 {
		t.Fatalf("opening a batch, appending 3 records and releasing it: %v allocations, want 1 (the batch)", allocs)
	}
}

// TestCompletionTableKeepsEveryRecord: appenders racing to store the
// completions of a batch of thousands of records, past the inline chunks,
// each find theirs, and release leaves no chunk behind.
func TestCompletionTableKeepsEveryRecord(t *testing.T) {
	const records, appenders = 2333, 4
	for round := range 20 {
		var table completionTable
		table.init(records)
		if table.capacity() < records {
			t.Fatalf("capacity %d for %d records", table.capacity(), records)
		}
		var wg sync.WaitGroup
		for a := range appenders {
			wg.Go(func() {
				for i := a; i < records; i += appenders {
					table.store(i, completion{opaque: uint64(i), timestampDelta: int64(round)})
				}
			})
		}
		wg.Wait()
		for i := range records {
			if c := table.at(i); c.opaque != uint64(i) || c.timestampDelta != int64(round) {
				t.Fatalf("round %d: record %d's completion reads %+v", round, i, c)
			}
		}
		table.release(records)
		if table.first.Load() != nil {
			t.Fatal("release left the first chunk in place")
		}
		for k := range int(table.chunks) {
			if table.chunkSlot(k, false).Load() != nil {
				t.Fatalf("release left chunk %d in place", k)
			}
		}
	}
}

// TestBatchOfTwoRecordsTakesNoChunk: the first two completions live in the
// batch itself, so a batch of one or two records (most batches with
// thousands of keyed partitions) borrows no spare chunk.
func TestBatchOfTwoRecordsTakesNoChunk(t *testing.T) {
	b := newBatch(newPartition(&topicState{name: "t"}, 0), &batch{}, arena.Span{}, make([]byte, 4096), 1_700_000_000_000, 0)
	r := Record{Topic: "t", Value: make([]byte, 1024)}
	payload := wire.RecordPayloadSize(r.Key, r.Value, r.Headers)
	for i := range 3 {
		if ok, _, _ := b.tryAppend(&r, b.baseTimestamp, int64(i), payload, nil); !ok {
			t.Fatalf("record %d did not fit a 4 KiB batch", i)
		}
		if took := b.completions.first.Load() != nil; took != (i >= headRecords) {
			t.Fatalf("after %d records the batch holds a completion chunk: %v", i+1, took)
		}
	}
	for i := range 3 {
		if c := b.completions.at(i); c.appendNanos != int64(i) {
			t.Fatalf("record %d's completion reads append time %d", i, c.appendNanos)
		}
	}
	b.releaseCompletions()
}

// TestBatchStructStaysSmall: a batch struct of more than 512 bytes gets a
// header from the Go allocator, which made every batch dearer; completions
// or pointers kept inline must not push it past that.
func TestBatchStructStaysSmall(t *testing.T) {
	if size := unsafe.Sizeof(batch{}); size > 512 {
		t.Fatalf("a batch struct is %d bytes, more than 512", size)
	}
}
