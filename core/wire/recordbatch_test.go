package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestReadBatchRejects(t *testing.T) {
	good := buildBatch(t, batchCases()[2], CodecNone)
	// edit returns a copy of good changed by f, its CRC recomputed when
	// fixCRC is set, so the check under test is the one that fails.
	edit := func(fixCRC bool, f func(b []byte) []byte) []byte {
		b := f(append([]byte(nil), good...))
		if fixCRC {
			binary.BigEndian.PutUint32(b[batchCRCOffset:], batchCRC(b))
		}
		return b
	}
	cases := []struct {
		name  string
		batch []byte
		want  error
	}{
		{"shorter than a header", good[:BatchHeaderSize-1], ErrTruncated},
		{"cut short", good[:len(good)-1], ErrTruncated},
		{"magic 1", edit(true, func(b []byte) []byte { b[batchMagicOffset] = 1; return b }), ErrCorrupt},
		{"flipped record byte", edit(false, func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), ErrCorrupt},
		{"flipped attributes", edit(false, func(b []byte) []byte { b[batchAttributesOffset+1] ^= 1; return b }), ErrCorrupt},
		{"length below the header", edit(false, func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[batchLengthOffset:], 48)
			return b
		}), ErrInvalidLength},
		{"negative length", edit(false, func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[batchLengthOffset:], 0xFFFFFFFF)
			return b
		}), ErrInvalidLength},
		{"negative record count", edit(true, func(b []byte) []byte {
			binary.BigEndian.PutUint32(b[batchRecordCountOffset:], 0xFFFFFFFF)
			return b
		}), ErrInvalidLength},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := readBatch(c.batch); !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}

func TestReadBatchSpansOneBatch(t *testing.T) {
	first := buildBatch(t, batchCases()[1], CodecNone)
	second := buildBatch(t, batchCases()[3], CodecLZ4)
	both := append(append([]byte(nil), first...), second...)
	b, n, err := readBatch(both)
	if err != nil || n != len(first) || b.Header.RecordCount != 1 {
		t.Fatalf("first: %d bytes, %v, header %+v", n, err, b.Header)
	}
	b, m, err := readBatch(both[n:])
	if err != nil || m != len(second) || b.Header.Codec() != CodecLZ4 {
		t.Fatalf("second: %d bytes, %v, header %+v", m, err, b.Header)
	}
}

func TestSealBatchKeepsHeaderFields(t *testing.T) {
	h := BatchHeader{
		BaseOffset: 7, PartitionLeaderEpoch: 3, Attributes: AttrTransactional, LastOffsetDelta: 0,
		BaseTimestamp: 11, MaxTimestamp: 12, ProducerID: 99, ProducerEpoch: 4, BaseSequence: 1234, RecordCount: 1,
	}
	batch := make([]byte, BatchHeaderSize+16)
	n, err := EncodeRecord(batch[BatchHeaderSize:], 0, 1, []byte("k"), []byte("v"), nil)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := SealBatch(batch[:BatchHeaderSize+n], h)
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := readBatch(sealed)
	if err != nil {
		t.Fatal(err)
	}
	want := h
	want.Magic, want.BatchLength, want.CRC = BatchMagic, int32(len(sealed)-12), b.Header.CRC
	if b.Header != want {
		t.Errorf("read back %+v, sealed %+v", b.Header, want)
	}
	if _, err := SealBatch(batch[:BatchHeaderSize-1], h); !errors.Is(err, ErrNoRoom) {
		t.Errorf("sealing a short batch: %v, want ErrNoRoom", err)
	}
}

func TestBatchBuilderStopsWhenFull(t *testing.T) {
	value := bytes.Repeat([]byte("v"), 100)
	size := recordSize(0, 0, nil, value, nil)
	buf := make([]byte, BatchHeaderSize+3*size+size/2)
	var b BatchBuilder
	b.Reset(buf, testBase)
	for i := range 3 {
		if err := b.Append(testBase, nil, value, nil); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	before := append([]byte(nil), buf...)
	if err := b.Append(testBase, nil, value, nil); !errors.Is(err, ErrNoRoom) {
		t.Fatalf("fourth record: %v, want ErrNoRoom", err)
	}
	if !bytes.Equal(before, buf) || b.Count() != 3 || b.Size() != BatchHeaderSize+3*size {
		t.Fatalf("a refused append changed the batch: count %d size %d", b.Count(), b.Size())
	}
	batch, err := b.Seal(producerHeader())
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeAll(t, NewDecompressor(1<<20), batch); len(got) != 3 {
		t.Fatalf("sealed batch holds %d records, want 3", len(got))
	}

	b.Reset(make([]byte, BatchHeaderSize-1), testBase)
	if err := b.Append(testBase, nil, value, nil); !errors.Is(err, ErrNoRoom) {
		t.Errorf("append to a buffer shorter than a header: %v", err)
	}
	if _, err := b.Seal(producerHeader()); !errors.Is(err, ErrNoRoom) {
		t.Errorf("seal of a buffer shorter than a header: %v", err)
	}
}
