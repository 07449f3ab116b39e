package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/core/wire"
)

// TestFloorSealsEveryRecord checks that the floor does the work it claims
// for every record: each one lands, in order, in a batch of its partition
// that is valid Kafka (CRC32C, record count, the row's codec when it
// shrinks the batch) and no larger than batch.size.
func TestFloorSealsEveryRecord(t *testing.T) {
	const records = 5000
	for _, codec := range []core.Compression{core.CompressionNone, core.CompressionLZ4, core.CompressionZstd} {
		for _, keySize := range []int{0, 16} {
			r := row{valueSize: 100, partitions: 12, brokers: 1, codec: codec, keySize: keySize}
			t.Run(r.String(), func(t *testing.T) {
				f, err := newFloor(r)
				if err != nil {
					t.Fatal(err)
				}
				values, keys := benchValues(r.valueSize), benchKeys(r.keySize)
				// want holds each partition's records in the order sent.
				want := make(map[int][]int)
				for i := range records {
					p := 0
					if keys != nil {
						p = int(core.KeyPartition(keyFor(keys, i), r.partitions))
					}
					want[p] = append(want[p], i)
				}
				got := make(map[int][]int)
				compressed, sticky := 0, 0
				dec := wire.NewDecompressor(1 << 20)
				f.check = func(p int, sealed []byte) {
					if keys == nil {
						// Unkeyed batches go to one partition after
						// another; their records are in one order.
						if p != sticky {
							t.Fatalf("an unkeyed batch went to partition %d, want %d", p, sticky)
						}
						sticky = (sticky + 1) % r.partitions
						p = 0
					}
					var b kmsg.RecordBatch
					if err := b.ReadFrom(sealed); err != nil {
						t.Fatalf("partition %d: batch does not parse: %v", p, err)
					}
					if len(sealed) > benchBatchSize {
						t.Errorf("partition %d: batch of %d bytes, over batch.size %d", p, len(sealed), benchBatchSize)
					}
					if crc := crc32.Checksum(sealed[21:], crc32.MakeTable(crc32.Castagnoli)); uint32(b.CRC) != crc {
						t.Fatalf("partition %d: CRC %08x, the bytes' is %08x", p, uint32(b.CRC), crc)
					}
					section := b.Records
					if c := wire.Codec(b.Attributes & int16(wire.AttrCodecMask)); c != wire.CodecNone {
						if c != wire.Codec(codec) {
							t.Fatalf("partition %d: batch compressed with %s, row's codec is %s", p, c, codec)
						}
						compressed++
						if section, err = dec.Decompress(c, b.Records); err != nil {
							t.Fatalf("partition %d: %v", p, err)
						}
					}
					var rr wire.RecordReader
					rr.Reset(section, b.NumRecords)
					for j := range b.NumRecords {
						var rec wire.Record
						if err := rr.Next(&rec); err != nil {
							t.Fatalf("partition %d: record %d of %d: %v", p, len(got[p]), b.NumRecords, err)
						}
						n := len(got[p])
						if n >= len(want[p]) {
							t.Fatalf("partition %d: more records than the %d sent to it", p, len(want[p]))
						}
						i := want[p][n]
						if rec.OffsetDelta != j || !bytes.Equal(rec.Key, keyFor(keys, i)) || !bytes.Equal(rec.Value, values[i%len(values)]) {
							t.Fatalf("partition %d: record %d is not record %d as sent", p, n, i)
						}
						got[p] = append(got[p], i)
					}
					if binary.BigEndian.Uint32(sealed[57:]) != uint32(b.NumRecords) || b.LastOffsetDelta != b.NumRecords-1 {
						t.Fatalf("partition %d: header counts %d records, last offset delta %d", p, b.NumRecords, b.LastOffsetDelta)
					}
				}
				ctx := context.Background()
				for i := range records {
					if err := f.produce(ctx, int64(i), keyFor(keys, i), values[i%len(values)]); err != nil {
						t.Fatal(err)
					}
				}
				if err := f.flush(ctx); err != nil {
					t.Fatal(err)
				}
				for p, w := range want {
					if len(got[p]) != len(w) {
						t.Errorf("partition %d: %d records sealed, %d sent", p, len(got[p]), len(w))
					}
				}
				if f.sealedRecords != records {
					t.Errorf("%d records sealed, %d sent", f.sealedRecords, records)
				}
				if codec != core.CompressionNone && compressed != f.sealedBatches {
					t.Errorf("%d of %d batches compressed; the values are text, which every codec shrinks", compressed, f.sealedBatches)
				}
			})
		}
	}
}

// TestFloorSendDelivers runs floor-send against a three-broker kfake
// cluster and reads every record back with kgo: all of them, once each, in
// the order sent within each partition, keyed ones in murmur2's partition,
// with their keys, values and a timestamp of the run.
func TestFloorSendDelivers(t *testing.T) {
	const records, partitions = 4000, 12
	for _, tc := range []struct {
		codec   core.Compression
		keySize int
		acksAll bool
	}{
		{core.CompressionNone, 0, false},
		{core.CompressionLZ4, 16, true},
		{core.CompressionZstd, 0, true},
		{core.CompressionNone, 16, false},
	} {
		r := row{valueSize: 100, partitions: partitions, brokers: 3, acksAll: tc.acksAll, codec: tc.codec, keySize: tc.keySize}
		t.Run(r.String(), func(t *testing.T) {
			c, err := kfake.NewCluster(kfake.NumBrokers(3), kfake.SeedTopics(partitions, benchTopic))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			start := time.Now().UnixMilli()
			p, err := openFloorSend(c.ListenAddrs(), r, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer p.close()
			keys := benchKeys(r.keySize)
			value := func(i int) []byte { return fmt.Appendf(nil, "record %06d %s", i, bytes.Repeat([]byte("x"), 80)) }
			for i := range records {
				if err := p.produce(ctx, int64(i), keyFor(keys, i), value(i)); err != nil {
					t.Fatal(err)
				}
			}
			if err := p.flush(ctx); err != nil {
				t.Fatal(err)
			}
			end := time.Now().UnixMilli()

			cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...), kgo.ConsumeTopics(benchTopic),
				kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()))
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			seen := make([]bool, records)
			last := make(map[int32]int)
			for n := 0; n < records; {
				fetches := cl.PollFetches(ctx)
				if err := ctx.Err(); err != nil {
					t.Fatalf("read back %d of %d records: %v", n, records, err)
				}
				fetches.EachError(func(_ string, _ int32, err error) { t.Fatalf("fetch: %v", err) })
				fetches.EachRecord(func(rec *kgo.Record) {
					var i int
					if _, err := fmt.Sscanf(string(rec.Value), "record %d", &i); err != nil || i < 0 || i >= records {
						t.Fatalf("partition %d: a record not sent: %q", rec.Partition, rec.Value)
					}
					if seen[i] {
						t.Fatalf("record %d read twice", i)
					}
					seen[i] = true
					n++
					if prev, ok := last[rec.Partition]; ok && i <= prev {
						t.Fatalf("partition %d: record %d after record %d", rec.Partition, i, prev)
					}
					last[rec.Partition] = i
					if !bytes.Equal(rec.Value, value(i)) || !bytes.Equal(rec.Key, keyFor(keys, i)) {
						t.Fatalf("record %d: key %x value %q, sent %x %q", i, rec.Key, rec.Value, keyFor(keys, i), value(i))
					}
					if keys != nil && rec.Partition != core.KeyPartition(keyFor(keys, i), partitions) {
						t.Fatalf("record %d in partition %d, murmur2 says %d", i, rec.Partition, core.KeyPartition(keyFor(keys, i), partitions))
					}
					if ms := rec.Timestamp.UnixMilli(); ms < start || ms > end {
						t.Fatalf("record %d: timestamp %d outside the run [%d, %d]", i, ms, start, end)
					}
				})
			}
			if keys == nil && len(last) != partitions {
				t.Errorf("unkeyed records reached %d of %d partitions", len(last), partitions)
			}
		})
	}
}
