package wire

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// benchKey and benchValue make the 100-byte record the encode benchmarks
// write: an 8-byte key and a 92-byte value.
var (
	benchKey   = []byte("key-1234")
	benchValue = bytes.Repeat([]byte("v"), 92)
)

// BenchmarkEncodeRecord encodes one 100-byte record: "ours" as a producer
// does (its size to reserve, then EncodeRecord), "ours-encode-only"
// without the separate size, and franz-go's kmsg.
func BenchmarkEncodeRecord(b *testing.B) {
	dst := make([]byte, 256)
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			delta := int32(i & 1023)
			size := recordSize(delta, 3, benchKey, benchValue, nil)
			if _, err := EncodeRecord(dst[:size], delta, 3, benchKey, benchValue, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ours-encode-only", func(b *testing.B) {
		b.ReportAllocs()
		for i := range b.N {
			if _, err := EncodeRecord(dst, int32(i&1023), 3, benchKey, benchValue, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	// kmsg's Record.AppendTo needs Length filled in; franz-go computes it
	// separately, so it is set once outside the loop here, which favors
	// kmsg.
	b.Run("kmsg", func(b *testing.B) {
		r := kmsg.Record{TimestampDelta64: 3, OffsetDelta: 100, Key: benchKey, Value: benchValue}
		r.Length = int32(len(r.AppendTo(nil)) - 1)
		b.ReportAllocs()
		for i := range b.N {
			r.OffsetDelta = int32(i & 63) // keep one varint width, as Length is fixed
			dst = r.AppendTo(dst[:0])
		}
	})
}

// benchRecords fills a 16 KiB batch with realistic records (JSON-ish
// values, repeating keys) and returns its records section.
func benchRecords(b *testing.B) []byte {
	rng := rand.New(rand.NewPCG(5, 6))
	var bb BatchBuilder
	bb.Reset(make([]byte, 16<<10), testBase)
	for i := 0; ; i++ {
		err := bb.Append(testBase+int64(i), []byte("user-"+string(rune('a'+i%26))), realisticValue(rng, i, 100+rng.IntN(100)), nil)
		if errors.Is(err, ErrNoRoom) {
			return bb.Records()
		}
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSealBatch(b *testing.B) {
	records := benchRecords(b)
	batch := make([]byte, BatchHeaderSize+len(records))
	copy(batch[BatchHeaderSize:], records)
	h := producerHeader()
	b.SetBytes(int64(len(batch) - batchAttributesOffset)) // what the CRC covers
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := SealBatch(batch, h); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompress compresses a 16 KiB batch's records: ours into a 16 KiB
// slot (a full batch's own size, so the encoders that need worst-case room
// go through their scratch buffer), kgo's default compressor into a reused
// buffer, as kgo's producer does, at the same levels. kgo writes snappy as
// one raw block, we write xerial framing. ratio is compressed/uncompressed
// size.
func BenchmarkCompress(b *testing.B) {
	records := benchRecords(b)
	kgoCodecs := map[Codec]kgo.CompressionCodec{
		// kgo's default gzip level is klauspost's 5; Kafka's (and ours)
		// is zlib's 6.
		CodecGzip: kgo.GzipCompression().WithLevel(6), CodecSnappy: kgo.SnappyCompression(),
		CodecLZ4: kgo.Lz4Compression(), CodecZstd: kgo.ZstdCompression(),
	}
	for _, codec := range allCodecs[1:] {
		b.Run(codec.String()+"/ours", func(b *testing.B) {
			comp, err := NewCompressor(codec, codec.DefaultLevel())
			if err != nil {
				b.Fatal(err)
			}
			slot := make([]byte, 16<<10)
			batch, err := comp.CompressBatch(slot, records, producerHeader()) // warm up
			if err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(records)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if batch, err = comp.CompressBatch(slot, records, producerHeader()); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(batch)-BatchHeaderSize)/float64(len(records)), "ratio")
		})
		b.Run(codec.String()+"/kgo", func(b *testing.B) {
			comp, err := kgo.DefaultCompressor(kgoCodecs[codec])
			if err != nil {
				b.Fatal(err)
			}
			var buf bytes.Buffer
			out, _ := comp.Compress(&buf, records) // warm up
			b.SetBytes(int64(len(records)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				buf.Reset()
				out, _ = comp.Compress(&buf, records)
			}
			b.ReportMetric(float64(len(out))/float64(len(records)), "ratio")
		})
	}
}

// BenchmarkDecompress reads back a compressed 16 KiB batch's records with
// our Decompressor.
func BenchmarkDecompress(b *testing.B) {
	records := benchRecords(b)
	for _, codec := range allCodecs[1:] {
		b.Run(codec.String(), func(b *testing.B) {
			comp, err := NewCompressor(codec, codec.DefaultLevel())
			if err != nil {
				b.Fatal(err)
			}
			dst := make([]byte, 2*len(records))
			n, err := comp.Compress(dst, records)
			if err != nil {
				b.Fatal(err)
			}
			d := NewDecompressor(1 << 20)
			if _, err := d.Decompress(codec, dst[:n]); err != nil { // warm up
				b.Fatal(err)
			}
			b.SetBytes(int64(len(records)))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if _, err := d.Decompress(codec, dst[:n]); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
