package wire

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"hash/crc32"
	"io"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// These tests hold our batches against franz-go, an implementation written
// independently of ours: kmsg parses what we seal, and we parse what kmsg
// builds. Decompression on franz-go's side goes through the codec libraries
// (or kgo's decompressor for xerial-framed snappy), never through our code.

// independentDecompress undoes codec without this package.
func independentDecompress(t *testing.T, codec Codec, src []byte) []byte {
	t.Helper()
	var out []byte
	var err error
	switch codec {
	case CodecNone:
		return src
	case CodecGzip:
		var r *gzip.Reader
		if r, err = gzip.NewReader(bytes.NewReader(src)); err == nil {
			out, err = io.ReadAll(r)
		}
	case CodecSnappy:
		out, err = kgo.DefaultDecompressor().Decompress(src, kgo.CodecSnappy)
	case CodecLZ4:
		out, err = io.ReadAll(lz4.NewReader(bytes.NewReader(src)))
	case CodecZstd:
		var d *zstd.Decoder
		if d, err = zstd.NewReader(nil); err == nil {
			out, err = d.DecodeAll(src, nil)
			d.Close()
		}
	}
	if err != nil {
		t.Fatalf("independent %s decompression: %v", codec, err)
	}
	return out
}

// kmsgRecords splits an uncompressed records section with kmsg.
func kmsgRecords(t *testing.T, section []byte) []kmsg.Record {
	t.Helper()
	var recs []kmsg.Record
	for len(section) > 0 {
		size, n := binary.Varint(section)
		if n <= 0 || size < 0 || int(size) > len(section)-n {
			t.Fatalf("record length %d (%d bytes) with %d left", size, n, len(section))
		}
		var r kmsg.Record
		if err := r.ReadFrom(section[:n+int(size)]); err != nil {
			t.Fatalf("kmsg record: %v", err)
		}
		recs = append(recs, r)
		section = section[n+int(size):]
	}
	return recs
}

func TestSealedBatchParsesWithKmsg(t *testing.T) {
	table := crc32.MakeTable(crc32.Castagnoli)
	for _, c := range batchCases() {
		for _, codec := range allCodecs {
			t.Run(c.name+"/"+codec.String(), func(t *testing.T) {
				batch := buildBatch(t, c, codec)
				var kb kmsg.RecordBatch
				if err := kb.ReadFrom(batch); err != nil {
					t.Fatalf("kmsg: %v", err)
				}
				if want := int32(crc32.Checksum(batch[21:], table)); kb.CRC != want {
					t.Errorf("crc %#x, castagnoli over attributes..end is %#x", uint32(kb.CRC), uint32(want))
				}
				n := int32(len(c.records))
				if kb.Magic != 2 || int(kb.Length) != len(batch)-12 || kb.Attributes != int16(codec) ||
					kb.NumRecords != n || kb.LastOffsetDelta != n-1 || kb.FirstOffset != 0 ||
					kb.PartitionLeaderEpoch != -1 || kb.ProducerID != -1 || kb.ProducerEpoch != -1 || kb.FirstSequence != -1 {
					t.Errorf("header fields: %+v", kb)
				}
				maxTS := c.base
				for _, r := range c.records {
					maxTS = max(maxTS, r.timestamp)
				}
				if kb.FirstTimestamp != c.base || kb.MaxTimestamp != maxTS {
					t.Errorf("timestamps first %d max %d, want %d %d", kb.FirstTimestamp, kb.MaxTimestamp, c.base, maxTS)
				}
				recs := kmsgRecords(t, independentDecompress(t, codec, kb.Records))
				if len(recs) != len(c.records) {
					t.Fatalf("%d records, want %d", len(recs), len(c.records))
				}
				for i, r := range recs {
					hs := make([]Header, len(r.Headers))
					for j, h := range r.Headers {
						hs[j] = Header{Key: h.Key, Value: h.Value}
					}
					checkRecord(t, c, i, r.OffsetDelta, r.TimestampDelta64, r.Key, r.Value, hs)
				}
			})
		}
	}
}

// kmsgBatch builds c with kmsg alone, compressing with kgo's compressor
// (raw snappy through s2 when rawSnappy is set).
func kmsgBatch(t *testing.T, c batchCase, codec Codec, rawSnappy bool) []byte {
	t.Helper()
	var section []byte
	maxTS := c.base
	for i, r := range c.records {
		kr := kmsg.Record{TimestampDelta64: r.timestamp - c.base, OffsetDelta: int32(i), Key: r.key, Value: r.value}
		for _, h := range r.headers {
			kr.Headers = append(kr.Headers, kmsg.Header{Key: h.Key, Value: h.Value})
		}
		kr.Length = int32(len(kr.AppendTo(nil)) - 1) // a zero length is one byte
		section = kr.AppendTo(section)
		maxTS = max(maxTS, r.timestamp)
	}
	switch {
	case codec == CodecSnappy && rawSnappy:
		section = s2.EncodeSnappy(nil, section)
	case codec != CodecNone:
		comp, err := kgo.DefaultCompressor(map[Codec]kgo.CompressionCodec{
			CodecGzip: kgo.GzipCompression(), CodecSnappy: kgo.SnappyCompression(),
			CodecLZ4: kgo.Lz4Compression(), CodecZstd: kgo.ZstdCompression(),
		}[codec])
		if err != nil {
			t.Fatal(err)
		}
		var used kgo.CompressionCodecType
		section, used = comp.Compress(new(bytes.Buffer), section)
		if int(used) != int(codec) {
			t.Fatalf("kgo compressed with %d, want %d", used, codec)
		}
	}
	n := int32(len(c.records))
	kb := kmsg.RecordBatch{
		Length: int32(49 + len(section)), PartitionLeaderEpoch: -1, Magic: 2, Attributes: int16(codec),
		LastOffsetDelta: n - 1, FirstTimestamp: c.base, MaxTimestamp: maxTS,
		ProducerID: -1, ProducerEpoch: -1, FirstSequence: -1, NumRecords: n, Records: section,
	}
	batch := kb.AppendTo(nil)
	binary.BigEndian.PutUint32(batch[17:], crc32.Checksum(batch[21:], crc32.MakeTable(crc32.Castagnoli)))
	return batch
}

func TestKmsgBatchDecodes(t *testing.T) {
	d := NewDecompressor(4 << 20)
	for _, c := range batchCases() {
		for _, codec := range allCodecs {
			for _, rawSnappy := range []bool{false, true} {
				if rawSnappy && codec != CodecSnappy {
					continue
				}
				name := c.name + "/" + codec.String()
				if rawSnappy {
					name += "-raw"
				}
				t.Run(name, func(t *testing.T) {
					batch := kmsgBatch(t, c, codec, rawSnappy)
					got := decodeAll(t, d, batch)
					if len(got) != len(c.records) {
						t.Fatalf("%d records, want %d", len(got), len(c.records))
					}
					for i, r := range got {
						checkRecord(t, c, i, r.OffsetDelta, r.TimestampDelta, r.Key, r.Value, r.Headers)
					}
				})
			}
		}
	}
}

// decodeAll reads one batch with this package's decoders, copying each
// record out of the reader's reused memory.
func decodeAll(t *testing.T, d *Decompressor, batch []byte) []Record {
	t.Helper()
	b, n, err := readBatch(batch)
	if err != nil {
		t.Fatalf("read batch: %v", err)
	}
	if n != len(batch) {
		t.Fatalf("batch spans %d of %d bytes", n, len(batch))
	}
	section, err := d.Decompress(b.Header.Codec(), b.Records)
	if err != nil {
		t.Fatalf("decompress: %v", err)
	}
	var rr RecordReader
	rr.Reset(section, b.Header.RecordCount)
	var out []Record
	for {
		var rec Record
		err := rr.Next(&rec)
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("record %d: %v", len(out), err)
		}
		rec.Headers = append([]Header(nil), rec.Headers...)
		out = append(out, rec)
	}
}
