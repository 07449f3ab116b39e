package bench

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"testing"

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
				key := func(i int) []byte {
					if keys == nil {
						return nil
					}
					return keys[i%len(keys)]
				}
				// want holds each partition's records in the order sent.
				want := make(map[int][]int)
				for i := range records {
					p := 0
					if keys != nil {
						p = int(core.KeyPartition(key(i), r.partitions))
					}
					want[p] = append(want[p], i)
				}
				got := make(map[int][]int)
				compressed := 0
				dec := wire.NewDecompressor(1 << 20)
				f.check = func(p int, sealed []byte) {
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
						if rec.OffsetDelta != j || !bytes.Equal(rec.Key, key(i)) || !bytes.Equal(rec.Value, values[i%len(values)]) {
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
					if err := f.produce(ctx, int64(i), key(i), values[i%len(values)]); err != nil {
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
