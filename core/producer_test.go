package core

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"sync"
	"testing"
	"time"
)

// sentRecord is what a test remembers of a record it sent.
type sentRecord struct {
	rec Record
	md  RecordMetadata
}

// sendAll sends n records made by mk, asynchronously, and returns every
// outcome once all callbacks have run.
func sendAll(t *testing.T, p *Producer, n int, mk func(i int) Record) []sentRecord {
	t.Helper()
	out := make([]sentRecord, n)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var errs []error
	calls := make([]int, n)
	for i := range n {
		r := mk(i)
		r.Opaque = uint64(i)
		out[i].rec = r
		wg.Add(1)
		err := p.Send(context.Background(), &r, func(md RecordMetadata, err error) {
			defer wg.Done()
			mu.Lock()
			defer mu.Unlock()
			calls[md.Opaque]++
			if err != nil {
				errs = append(errs, fmt.Errorf("record %d: %w", md.Opaque, err))
				return
			}
			out[md.Opaque].md = md
		})
		if err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	wg.Wait()
	for i, c := range calls {
		if c != 1 {
			t.Fatalf("record %d: callback ran %d times, want exactly once", i, c)
		}
	}
	if len(errs) > 0 {
		t.Fatalf("%d records failed, first: %v", len(errs), errs[0])
	}
	return out
}

func TestProduceAndReadBack(t *testing.T) {
	const topic, partitions, n = "orders", 4, 2000
	c := newCluster(t, 1, topic, partitions)
	p := newTestProducer(t, c, nil)
	base := time.UnixMilli(1_700_000_000_000)
	sent := sendAll(t, p, n, func(i int) Record {
		r := Record{Topic: topic, Value: binary.BigEndian.AppendUint64(nil, uint64(i)), Timestamp: base.Add(time.Duration(i) * time.Millisecond)}
		if i%3 != 0 {
			r.Key = fmt.Appendf(nil, "key-%d", i%50)
		}
		if i%5 == 0 {
			r.Headers = []Header{{Key: "h", Value: []byte{byte(i)}}, {Key: "nil"}}
		}
		return r
	})
	got := consume(t, c, topic, n)

	lastOffset := map[int32]int64{}
	lastIndex := map[int32]int{}
	for _, g := range got {
		i := int(binary.BigEndian.Uint64(g.Value))
		s := sent[i]
		if g.Partition != s.md.Partition || g.Offset != s.md.Offset {
			t.Fatalf("record %d read at %d/%d, callback said %d/%d", i, g.Partition, g.Offset, s.md.Partition, s.md.Offset)
		}
		if !bytes.Equal(g.Key, s.rec.Key) || (g.Key == nil) != (s.rec.Key == nil) {
			t.Fatalf("record %d key %q, want %q", i, g.Key, s.rec.Key)
		}
		if s.rec.Key != nil && g.Partition != KeyPartition(s.rec.Key, partitions) {
			t.Fatalf("record %d with key %q in partition %d, murmur2 says %d", i, s.rec.Key, g.Partition, KeyPartition(s.rec.Key, partitions))
		}
		if !g.Timestamp.Equal(s.rec.Timestamp) {
			t.Fatalf("record %d timestamp %v, want %v", i, g.Timestamp, s.rec.Timestamp)
		}
		if len(g.Headers) != len(s.rec.Headers) {
			t.Fatalf("record %d has %d headers, want %d", i, len(g.Headers), len(s.rec.Headers))
		}
		for j, h := range s.rec.Headers {
			if g.Headers[j].Key != h.Key || !bytes.Equal(g.Headers[j].Value, h.Value) {
				t.Fatalf("record %d header %d = %q:%q, want %q:%q", i, j, g.Headers[j].Key, g.Headers[j].Value, h.Key, h.Value)
			}
		}
		if last, ok := lastOffset[g.Partition]; ok && g.Offset <= last {
			t.Fatalf("partition %d offsets out of order: %d after %d", g.Partition, g.Offset, last)
		}
		lastOffset[g.Partition] = g.Offset
		if last, ok := lastIndex[g.Partition]; ok && i <= last {
			t.Fatalf("partition %d holds record %d after record %d: not in Send order", g.Partition, i, last)
		}
		lastIndex[g.Partition] = i
	}
	if len(lastIndex) != partitions {
		t.Fatalf("records landed in %d partitions, want all %d", len(lastIndex), partitions)
	}
}
