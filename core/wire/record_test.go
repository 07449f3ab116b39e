package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"strings"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// recordSize is the encoded size of one record, as a producer computes it.
func recordSize(offsetDelta int32, timestampDelta int64, key, value []byte, headers []Header) int {
	return RecordSizeFor(RecordPayloadSize(key, value, headers), offsetDelta, timestampDelta)
}

type recordInput struct {
	name           string
	offsetDelta    int32
	timestampDelta int64
	key, value     []byte
	headers        []Header
}

func recordInputs() []recordInput {
	long := bytes.Repeat([]byte("v"), 300) // a two-byte length varint
	return []recordInput{
		{name: "empty record", key: nil, value: nil},
		{name: "small", offsetDelta: 1, timestampDelta: 5, key: []byte("k"), value: []byte("value")},
		{name: "empty key and value", key: []byte{}, value: []byte{}},
		{name: "offset delta 63", offsetDelta: 63, value: long},
		{name: "offset delta 64", offsetDelta: 64, value: long},
		{name: "offset delta 8192", offsetDelta: 8192, value: long},
		{name: "max offset delta", offsetDelta: math.MaxInt32, value: []byte("x")},
		{name: "negative timestamp delta", timestampDelta: -1, value: []byte("x")},
		{name: "min timestamp delta", timestampDelta: math.MinInt64, value: []byte("x")},
		{name: "max timestamp delta", timestampDelta: math.MaxInt64, value: []byte("x")},
		{name: "headers", offsetDelta: 3, key: []byte("k"), value: []byte("v"), headers: []Header{
			{Key: "a", Value: []byte("1")}, {Key: "null", Value: nil}, {Key: "empty", Value: []byte{}},
			{Key: "", Value: long}, {Key: strings.Repeat("h", 200), Value: []byte("long key")},
		}},
	}
}

// kmsgRecordBytes is franz-go's encoding of the same record.
func kmsgRecordBytes(in recordInput) []byte {
	r := kmsg.Record{TimestampDelta64: in.timestampDelta, OffsetDelta: in.offsetDelta, Key: in.key, Value: in.value}
	for _, h := range in.headers {
		r.Headers = append(r.Headers, kmsg.Header{Key: h.Key, Value: h.Value})
	}
	r.Length = int32(len(r.AppendTo(nil)) - 1)
	return r.AppendTo(nil)
}

func TestEncodeRecordMatchesKmsg(t *testing.T) {
	for _, in := range recordInputs() {
		t.Run(in.name, func(t *testing.T) {
			want := kmsgRecordBytes(in)
			size := recordSize(in.offsetDelta, in.timestampDelta, in.key, in.value, in.headers)
			if size != len(want) {
				t.Fatalf("predicted size %d, kmsg encodes %d bytes", size, len(want))
			}
			dst := make([]byte, size+8)
			n, err := EncodeRecord(dst, in.offsetDelta, in.timestampDelta, in.key, in.value, in.headers)
			if err != nil || n != size {
				t.Fatalf("EncodeRecord = %d, %v; want %d", n, err, size)
			}
			if !bytes.Equal(dst[:n], want) {
				t.Fatalf("bytes differ from kmsg:\n got %x\nwant %x", dst[:n], want)
			}
		})
	}
}

func TestEncodeRecordNoRoomWritesNothing(t *testing.T) {
	for _, in := range recordInputs() {
		size := recordSize(in.offsetDelta, in.timestampDelta, in.key, in.value, in.headers)
		for _, short := range []int{0, 1, size / 2, size - 1} {
			dst := bytes.Repeat([]byte{0xAA}, short)
			n, err := EncodeRecord(dst, in.offsetDelta, in.timestampDelta, in.key, in.value, in.headers)
			if !errors.Is(err, ErrNoRoom) || n != 0 {
				t.Errorf("%s into %d of %d bytes: %d, %v; want ErrNoRoom", in.name, short, size, n, err)
			}
			if bytes.Count(dst, []byte{0xAA}) != short {
				t.Errorf("%s into %d bytes: wrote before failing", in.name, short)
			}
		}
	}
}

func TestEncodeRecordDoesNotAllocate(t *testing.T) {
	in := recordInputs()[len(recordInputs())-1]
	dst := make([]byte, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := EncodeRecord(dst, in.offsetDelta, in.timestampDelta, in.key, in.value, in.headers); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("%v allocations per record", allocs)
	}
}

func TestVarint(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 63, -64, 64, -65, 8191, 8192, -8193, 1<<20 - 1, 1 << 20, -1 << 20, -1<<20 - 1,
		math.MaxInt32, math.MinInt32, math.MaxInt64, math.MinInt64} {
		want := binary.AppendVarint(nil, v)
		if got := appendVarint(nil, v); !bytes.Equal(got, want) {
			t.Errorf("appendVarint(%d) = %x, want %x", v, got, want)
		}
		if got := varintSize(v); got != len(want) {
			t.Errorf("varintSize(%d) = %d, want %d", v, got, len(want))
		}
		got, n, err := readVarint64(want, "v")
		if err != nil || got != v || n != len(want) {
			t.Errorf("readVarint64(%x) = %d, %d, %v", want, got, n, err)
		}
	}
}

func TestRecordReaderRoundTrip(t *testing.T) {
	var section []byte
	ins := recordInputs()
	for _, in := range ins {
		section = append(section, kmsgRecordBytes(in)...)
	}
	var rr RecordReader
	rr.Reset(section, int32(len(ins)))
	for _, in := range ins {
		var rec Record
		if err := rr.Next(&rec); err != nil {
			t.Fatalf("%s: %v", in.name, err)
		}
		if rec.OffsetDelta != in.offsetDelta || rec.TimestampDelta != in.timestampDelta {
			t.Errorf("%s: deltas %d %d", in.name, rec.OffsetDelta, rec.TimestampDelta)
		}
		checkBytes(t, in.name+" key", rec.Key, in.key)
		checkBytes(t, in.name+" value", rec.Value, in.value)
		if len(rec.Headers) != len(in.headers) {
			t.Fatalf("%s: %d headers", in.name, len(rec.Headers))
		}
		for j, h := range rec.Headers {
			if h.Key != in.headers[j].Key {
				t.Errorf("%s header %d key %q", in.name, j, h.Key)
			}
			checkBytes(t, in.name+" header value", h.Value, in.headers[j].Value)
		}
	}
	if err := rr.Next(new(Record)); err != io.EOF {
		t.Errorf("after the last record: %v, want io.EOF", err)
	}
}

func TestRecordReaderRejects(t *testing.T) {
	good := kmsgRecordBytes(recordInputs()[1])
	varint := func(v int64) []byte { return binary.AppendVarint(nil, v) }
	// body assembles a record from its parts, with a correct length prefix.
	body := func(parts ...[]byte) []byte {
		b := bytes.Join(parts, nil)
		return append(varint(int64(len(b))), b...)
	}
	attrs, zero := []byte{0}, varint(0)
	cases := []struct {
		name    string
		section []byte
		count   int32
		want    error
	}{
		{"empty with one record declared", nil, 1, ErrTruncated},
		{"truncated length varint", []byte{0x80}, 1, ErrTruncated},
		{"negative length", varint(-2), 1, ErrInvalidLength},
		{"length past the end", append(varint(100), 0, 0), 1, ErrInvalidLength},
		{"bytes after the last record", append(append([]byte(nil), good...), 0), 1, ErrCorrupt},
		{"varint overflowing int32", body(attrs, zero, varint(math.MaxInt32+1)), 1, ErrCorrupt},
		{"key past the record", body(attrs, zero, zero, varint(50)), 1, ErrInvalidLength},
		{"negative key length", body(attrs, zero, zero, varint(-3)), 1, ErrInvalidLength},
		{"header count past the record", body(attrs, zero, zero, varint(-1), varint(-1), varint(1000)), 1, ErrInvalidLength},
		{"negative header count", body(attrs, zero, zero, varint(-1), varint(-1), varint(-1)), 1, ErrInvalidLength},
		{"null header key", body(attrs, zero, zero, varint(-1), varint(-1), varint(1), varint(-1), varint(-1)), 1, ErrInvalidLength},
		{"bytes after the headers", body(attrs, zero, zero, varint(-1), varint(-1), zero, []byte{7}), 1, ErrCorrupt},
		{"attributes missing", body(), 1, ErrTruncated},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var rr RecordReader
			rr.Reset(c.section, c.count)
			var err error
			for err == nil {
				err = rr.Next(new(Record))
			}
			if !errors.Is(err, c.want) {
				t.Errorf("got %v, want %v", err, c.want)
			}
		})
	}
}

// FuzzEncodeRecord round-trips arbitrary records: RecordSizeFor must predict
// what EncodeRecord writes, kmsg must encode the same bytes, and our reader
// must read back what went in.
func FuzzEncodeRecord(f *testing.F) {
	for _, in := range recordInputs() {
		var hk string
		var hv []byte
		if len(in.headers) > 0 {
			hk, hv = in.headers[0].Key, in.headers[0].Value
		}
		f.Add(in.offsetDelta, in.timestampDelta, in.key, in.value, in.key == nil, in.value == nil, hk, hv, len(in.headers) > 0)
	}
	f.Fuzz(func(t *testing.T, offsetDelta int32, timestampDelta int64, key, value []byte, nullKey, nullValue bool, hkey string, hvalue []byte, withHeader bool) {
		in := recordInput{offsetDelta: offsetDelta, timestampDelta: timestampDelta, key: key, value: value}
		if nullKey {
			in.key = nil
		} else if in.key == nil {
			in.key = []byte{}
		}
		if nullValue {
			in.value = nil
		} else if in.value == nil {
			in.value = []byte{}
		}
		if withHeader {
			in.headers = []Header{{Key: hkey, Value: hvalue}, {Key: hkey}}
		}
		size := recordSize(in.offsetDelta, in.timestampDelta, in.key, in.value, in.headers)
		dst := make([]byte, size)
		n, err := EncodeRecord(dst, in.offsetDelta, in.timestampDelta, in.key, in.value, in.headers)
		if err != nil || n != size {
			t.Fatalf("EncodeRecord = %d, %v; predicted size %d", n, err, size)
		}
		if want := kmsgRecordBytes(in); !bytes.Equal(dst, want) {
			t.Fatalf("bytes differ from kmsg:\n got %x\nwant %x", dst, want)
		}
		var rr RecordReader
		rr.Reset(dst, 1)
		var rec Record
		if err := rr.Next(&rec); err != nil {
			t.Fatalf("read back: %v", err)
		}
		if rec.OffsetDelta != in.offsetDelta || rec.TimestampDelta != in.timestampDelta {
			t.Fatalf("deltas %d %d", rec.OffsetDelta, rec.TimestampDelta)
		}
		checkBytes(t, "key", rec.Key, in.key)
		checkBytes(t, "value", rec.Value, in.value)
		if len(rec.Headers) != len(in.headers) {
			t.Fatalf("%d headers, want %d", len(rec.Headers), len(in.headers))
		}
		for j, h := range rec.Headers {
			if h.Key != in.headers[j].Key {
				t.Fatalf("header %d key %q", j, h.Key)
			}
			checkBytes(t, "header value", h.Value, in.headers[j].Value)
		}
		if err := rr.Next(&rec); err != io.EOF {
			t.Fatalf("after the record: %v", err)
		}
	})
}
