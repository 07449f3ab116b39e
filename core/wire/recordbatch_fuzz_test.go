package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"testing"

	"github.com/klauspost/compress/s2"
)

// fuzzLimit bounds decompression in the fuzzers.
const fuzzLimit = 1 << 20

// fuzzBatchSeeds are real encodings: small batches of every codec, ours and
// kmsg's, plus raw snappy.
func fuzzBatchSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	cases := batchCases()
	for _, c := range []batchCase{cases[0], cases[1], cases[3], cases[4], cases[7]} {
		for _, codec := range allCodecs {
			seeds = append(seeds, buildBatch(t, c, codec))
		}
	}
	return seeds
}

// FuzzReadBatch parses arbitrary bytes as a batch, decompresses and walks
// its records. With fixCRC set it first rewrites the CRC to match, so the
// fuzzer reaches the decoders behind the checksum.
func FuzzReadBatch(f *testing.F) {
	for _, s := range fuzzBatchSeeds(f) {
		f.Add(s, false)
		f.Add(s, true)
	}
	d := NewDecompressor(fuzzLimit)
	f.Fuzz(func(t *testing.T, data []byte, fixCRC bool) {
		if fixCRC && len(data) >= BatchHeaderSize {
			if size := int(int32(binary.BigEndian.Uint32(data[batchLengthOffset:]))) + 12; size >= BatchHeaderSize && size <= len(data) {
				binary.BigEndian.PutUint32(data[batchCRCOffset:], batchCRC(data[:size]))
			}
		}
		b, n, err := readBatch(data)
		if err != nil {
			return
		}
		if n < BatchHeaderSize || n > len(data) || len(b.Records) != n-BatchHeaderSize {
			t.Fatalf("batch spans %d of %d bytes with a %d-byte records section", n, len(data), len(b.Records))
		}
		section, err := d.Decompress(b.Header.Codec(), b.Records)
		if err != nil {
			return
		}
		checkDecompressed(t, d, section)
		var rr RecordReader
		rr.Reset(section, b.Header.RecordCount)
		for {
			var rec Record
			if err := rr.Next(&rec); err != nil {
				return
			}
			if len(rec.Key) > len(section) || len(rec.Value) > len(section) || len(rec.Headers) > len(section)/2 {
				t.Fatalf("record larger than its section: %d %d %d", len(rec.Key), len(rec.Value), len(rec.Headers))
			}
		}
	})
}

// FuzzRecordReader walks arbitrary bytes as an uncompressed records section.
func FuzzRecordReader(f *testing.F) {
	for _, s := range fuzzBatchSeeds(f) {
		if b, _, err := readBatch(s); err == nil && b.Header.Codec() == CodecNone {
			f.Add(b.Records, b.Header.RecordCount)
		}
	}
	f.Fuzz(func(t *testing.T, section []byte, count int32) {
		var rr RecordReader
		rr.Reset(section, count)
		used := 0
		for {
			var rec Record
			err := rr.Next(&rec)
			if err == io.EOF {
				if used > max(int(count), 0) {
					t.Fatalf("read %d records of %d", used, count)
				}
				return
			}
			if err != nil {
				if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrInvalidLength) && !errors.Is(err, ErrCorrupt) {
					t.Fatalf("error of no known kind: %v", err)
				}
				return
			}
			used++
		}
	})
}

// checkDecompressed asserts the output respects the limit and the reused
// buffer stayed within it (plus the codecs' small over-allocation).
func checkDecompressed(t *testing.T, d *Decompressor, out []byte) {
	t.Helper()
	if len(out) > fuzzLimit {
		t.Fatalf("decompressed %d bytes past the %d limit", len(out), fuzzLimit)
	}
	if c := cap(d.out); c > fuzzLimit+fuzzLimit/4+64<<10 {
		t.Fatalf("output buffer grew to %d bytes at a %d limit", c, fuzzLimit)
	}
}

// fuzzDecompress fuzzes one codec's decoder, seeded with its encodings of
// real records sections.
func fuzzDecompress(f *testing.F, codec Codec) {
	for _, s := range fuzzBatchSeeds(f) {
		if b, _, err := readBatch(s); err == nil && b.Header.Codec() == codec {
			f.Add(b.Records)
		}
	}
	if codec == CodecSnappy {
		f.Add(s2.EncodeSnappy(nil, []byte("a raw snappy block, as librdkafka writes")))
	}
	if codec == CodecLZ4 {
		// Compressible content, more than one 64 KiB block: small seeds
		// keep the fuzzer fast.
		content := bytes.Repeat([]byte("records, records and more records; "), 2000)
		for _, frame := range lz4ReferenceFrames(f, content) {
			f.Add(frame)
		}
	}
	d := NewDecompressor(fuzzLimit)
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := d.Decompress(codec, data)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrDecompressedTooLarge) &&
				!errors.Is(err, ErrTruncated) && !errors.Is(err, ErrInvalidLength) {
				t.Fatalf("error of no known kind: %v", err)
			}
			return
		}
		checkDecompressed(t, d, out)
		// Our LZ4 frame reader is our own: what it reads, pierrec's
		// Reader, which franz-go uses, must read the same.
		if codec == CodecLZ4 && !bytes.Equal(out, independentDecompress(t, codec, data)) {
			t.Fatalf("decoded %d bytes that pierrec's Reader decodes otherwise", len(out))
		}
	})
}

func FuzzDecompressGzip(f *testing.F)   { fuzzDecompress(f, CodecGzip) }
func FuzzDecompressSnappy(f *testing.F) { fuzzDecompress(f, CodecSnappy) }
func FuzzDecompressLZ4(f *testing.F)    { fuzzDecompress(f, CodecLZ4) }
func FuzzDecompressZstd(f *testing.F)   { fuzzDecompress(f, CodecZstd) }
