package core

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// sentRecord is what a test remembers of a record it sent.
type sentRecord struct {
	rec Record
	md  RecordMetadata
	// err is the error the record's callback got; such a record must not
	// be read back, unless err matches ErrMaybeWritten (then it may be,
	// once).
	err error
}

// readBackBounds is how many of sent may be read back: at least those
// acknowledged, at most those and the ones that failed as maybe written.
func readBackBounds(sent []sentRecord) (least, most int) {
	for _, s := range sent {
		switch {
		case s.err == nil:
			least++
			most++
		case errors.Is(s.err, ErrMaybeWritten):
			most++
		}
	}
	return least, most
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
	c := kafkatest.NewCluster(t, 1, topic, partitions)
	p := newTestProducer(t, c, nil)
	sent := sendAll(t, p, n, mixedRecord(topic, 16))
	verifyReadBack(t, sent, kafkatest.Consume(t, c, topic, n), partitions, true)
}

// mixedRecord makes record i: its index in the first 8 bytes of a value of
// valueSize bytes (at least 8), a key on two records of three, headers on
// one in five (one with a null value), and a distinct timestamp.
func mixedRecord(topic string, valueSize int) func(i int) Record {
	base := time.UnixMilli(1_700_000_000_000)
	return func(i int) Record {
		v := make([]byte, max(valueSize, 8))
		binary.BigEndian.PutUint64(v, uint64(i))
		for j := 8; j < len(v); j++ {
			v[j] = byte(i + j)
		}
		r := Record{Topic: topic, Value: v, Timestamp: base.Add(time.Duration(i) * time.Millisecond)}
		if i%3 != 0 {
			r.Key = fmt.Appendf(nil, "key-%d", i%50)
		}
		if i%5 == 0 {
			r.Headers = []Header{{Key: "h", Value: []byte{byte(i)}}, {Key: "nil"}}
		}
		return r
	}
}

// verifyReadBack checks every record read back against what was sent:
// each exactly once, its bytes, key, headers, timestamp, partition (the
// callback's, and murmur2's for keyed records), offset (unless the producer
// could not know it: acks=0), and Send order within each partition.
//
// Records whose callback failed (err set) must not be read back, unless
// their error matches ErrMaybeWritten.
func verifyReadBack(t *testing.T, sent []sentRecord, got []*kgo.Record, partitions int, offsets bool) {
	t.Helper()
	if least, most := readBackBounds(sent); len(got) < least || len(got) > most {
		t.Fatalf("read back %d records, %d were acknowledged and %d more may have been written", len(got), least, most-least)
	}
	seen := make([]bool, len(sent))
	lastOffset := map[int32]int64{}
	lastIndex := map[int32]int{}
	for _, g := range got {
		if len(g.Value) < 8 {
			t.Fatalf("read back a %d-byte value; every value sent starts with its 8-byte index", len(g.Value))
		}
		i := int(binary.BigEndian.Uint64(g.Value))
		if i < 0 || i >= len(sent) || seen[i] {
			t.Fatalf("record %d read back twice or never sent", i)
		}
		seen[i] = true
		s := sent[i]
		if s.err != nil && !errors.Is(s.err, ErrMaybeWritten) {
			t.Fatalf("record %d read back, yet its callback failed with %v", i, s.err)
		}
		// A record that failed as maybe written has no offset to compare.
		knownOffset := offsets && s.err == nil
		if !bytes.Equal(g.Value, s.rec.Value) {
			t.Fatalf("record %d value differs (%d bytes read, %d sent)", i, len(g.Value), len(s.rec.Value))
		}
		if g.Partition != s.md.Partition || knownOffset && g.Offset != s.md.Offset {
			t.Fatalf("record %d read at %d/%d, callback said %d/%d", i, g.Partition, g.Offset, s.md.Partition, s.md.Offset)
		}
		if !bytes.Equal(g.Key, s.rec.Key) || (g.Key == nil) != (s.rec.Key == nil) {
			t.Fatalf("record %d key %q, want %q", i, g.Key, s.rec.Key)
		}
		if s.rec.Key != nil && g.Partition != KeyPartition(s.rec.Key, partitions) {
			t.Fatalf("record %d with key %q in partition %d, murmur2 says %d", i, s.rec.Key, g.Partition, KeyPartition(s.rec.Key, partitions))
		}
		if !s.rec.Timestamp.IsZero() && !g.Timestamp.Equal(s.rec.Timestamp) || !g.Timestamp.Equal(s.md.Timestamp) {
			t.Fatalf("record %d timestamp %v, sent %v, callback said %v", i, g.Timestamp, s.rec.Timestamp, s.md.Timestamp)
		}
		if len(g.Headers) != len(s.rec.Headers) {
			t.Fatalf("record %d has %d headers, want %d", i, len(g.Headers), len(s.rec.Headers))
		}
		for j, h := range s.rec.Headers {
			if g.Headers[j].Key != h.Key || !bytes.Equal(g.Headers[j].Value, h.Value) || (g.Headers[j].Value == nil) != (h.Value == nil) {
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
}

func TestProduceMatrix(t *testing.T) {
	cases := []struct {
		name        string
		brokers     int
		partitions  int
		acks        int16
		compression Compression
		records     int
		valueSize   int
	}{
		{"1 broker 1 partition acks=all", 1, 1, AcksAll, CompressionNone, 500, 100},
		{"3 brokers 64 partitions acks=all", 3, 64, AcksAll, CompressionNone, 3000, 100},
		{"3 brokers 64 partitions acks=1 lz4", 3, 64, AcksLeader, CompressionLZ4, 3000, 100},
		{"acks=0 zstd", 3, 8, AcksNone, CompressionZstd, 2000, 100},
		{"gzip", 1, 4, AcksAll, CompressionGzip, 1000, 300},
		{"snappy", 1, 4, AcksAll, CompressionSnappy, 1000, 300},
		{"records larger than batch.size", 1, 2, AcksAll, CompressionNone, 20, 40 << 10},
		{"records larger than batch.size, compressed", 1, 2, AcksAll, CompressionZstd, 20, 40 << 10},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			const topic = "matrix"
			c := kafkatest.NewCluster(t, tc.brokers, topic, tc.partitions)
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.Acks = tc.acks
				cfg.Compression = tc.compression
				if tc.acks != AcksAll {
					cfg.EnableIdempotence = false
				}
			})
			sent := sendAll(t, p, tc.records, mixedRecord(topic, tc.valueSize))
			verifyReadBack(t, sent, kafkatest.Consume(t, c, topic, tc.records), tc.partitions, tc.acks != AcksNone)
		})
	}
}

func TestRecordSizes(t *testing.T) {
	const topic = "sizes"
	c := kafkatest.NewCluster(t, 1, topic, 1, kfake.BrokerConfigs(map[string]string{"message.max.bytes": "4194304"}))
	p := newTestProducer(t, c, func(cfg *Config) { cfg.MaxRequestSize = 2 << 20 })
	sizes := []int{0, 1, 7, 100, 16 << 10, 16<<10 + 1, 256 << 10, 1 << 20}
	// Records of exactly these value sizes; the index lives in the key.
	var sent []sentRecord
	for i, size := range sizes {
		r := Record{Topic: topic, Key: binary.BigEndian.AppendUint64(nil, uint64(i)), Value: bytes.Repeat([]byte{byte(i)}, size)}
		md, err := p.SendSync(context.Background(), &r)
		if err != nil {
			t.Fatalf("value of %d bytes: %v", size, err)
		}
		sent = append(sent, sentRecord{rec: r, md: md})
	}
	got := kafkatest.Consume(t, c, topic, len(sizes))
	for _, g := range got {
		i := int(binary.BigEndian.Uint64(g.Key))
		if !bytes.Equal(g.Value, sent[i].rec.Value) || g.Offset != sent[i].md.Offset {
			t.Fatalf("value of %d bytes read back as %d bytes at offset %d (sent at %d)", sizes[i], len(g.Value), g.Offset, sent[i].md.Offset)
		}
	}
}

// TestOneProduceRequestPerBroker checks the drain: ready batches of every
// partition a broker leads go to it in one Produce request.
func TestOneProduceRequestPerBroker(t *testing.T) {
	const topic, partitions = "grouped", 12
	c := kafkatest.NewCluster(t, 3, topic, partitions)
	var mu sync.Mutex
	perBroker := map[int32][]int32{} // broker → partitions in its requests
	requests := 0
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		mu.Lock()
		defer mu.Unlock()
		requests++
		node := c.CurrentNode()
		for _, rt := range req.(*kmsg.ProduceRequest).Topics {
			for _, rp := range rt.Partitions {
				perBroker[node] = append(perBroker[node], rp.Partition)
			}
		}
		return nil, nil, false
	})
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger = time.Hour })
	// Learn the topic first, so every record below is appended before the
	// flush makes the batches ready.
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	warm := Record{Topic: topic, Value: []byte("warm-up"), Partition: 0, PartitionSet: true}
	if err := p.Send(ctx, &warm, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil { // linger.ms is an hour: only a flush sends
		t.Fatal(err)
	}
	mu.Lock()
	requests, perBroker = 0, map[int32][]int32{}
	mu.Unlock()
	var o outcomes
	for i := range partitions {
		r := Record{Topic: topic, Value: []byte("x"), Partition: int32(i), PartitionSet: true, Opaque: uint64(i)}
		if err := p.Send(context.Background(), &r, o.callback); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	if requests != len(perBroker) {
		t.Fatalf("%d Produce requests went to %d brokers: want one request per broker", requests, len(perBroker))
	}
	seen := 0
	for node, parts := range perBroker {
		for _, part := range parts {
			if leader := c.LeaderFor(topic, part); leader != node {
				t.Fatalf("partition %d went to broker %d, its leader is %d", part, node, leader)
			}
		}
		seen += len(parts)
	}
	if seen != partitions {
		t.Fatalf("the requests carried %d partitions, want %d", seen, partitions)
	}
}
