package wire

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
)

func TestPrimitivesRoundTrip(t *testing.T) {
	for _, flexible := range []bool{false, true} {
		var b []byte
		b = append(b, 0xfb) // int8 -5
		b = AppendBool(b, true)
		b = AppendInt16(b, math.MinInt16)
		b = AppendInt32(b, -123456)
		b = AppendInt64(b, math.MaxInt64)
		b = AppendUvarint(b, math.MaxUint32)
		b = AppendUUID(b, topicID(1))
		b = appendStringAs(b, "hello", flexible)
		b = appendNullableStringAs(b, nil, flexible)
		b = appendNullableStringAs(b, strp(""), flexible)
		b = appendLenAs(b, 2, flexible) // array of two int32
		b = AppendInt32(b, 7)
		b = AppendInt32(b, 8)
		b = AppendUvarint(b, 2) // two tagged fields
		b = appendTaggedField(b, 0, []byte{0, 0, 0, 9})
		b = appendTaggedField(b, 300, []byte("skip me"))

		r := NewReader(b)
		var s string
		var ns *string
		if r.Int8("i8") != -5 || !r.Bool("bool") || r.Int16("i16") != math.MinInt16 || r.Int32("i32") != -123456 ||
			r.Int64("i64") != math.MaxInt64 || r.Uvarint("uv") != math.MaxUint32 || r.UUID("id") != topicID(1) {
			t.Fatalf("flexible %v: fixed-size values differ, err %v", flexible, r.Err())
		}
		r.StringInto("s", flexible, &s)
		r.NullableStringInto("null", flexible, &ns)
		if s != "hello" || ns != nil {
			t.Fatalf("strings = %q %v", s, ns)
		}
		r.NullableStringInto("empty", flexible, &ns)
		if ns == nil || *ns != "" {
			t.Fatalf("empty string %v", ns)
		}
		if got := r.Int32sInto("ints", flexible, nil); len(got) != 2 || got[0] != 7 || got[1] != 8 {
			t.Fatalf("ints = %v", got)
		}
		var tags []uint32
		for n := r.TaggedFieldCount("tags"); n > 0; n-- {
			tag, v := r.TaggedField("tags")
			tags = append(tags, tag)
			if tag == 0 && v.Int32("tag0") != 9 {
				t.Fatal("tag 0 value")
			}
		}
		if len(tags) != 2 || tags[1] != 300 || r.Remaining() != 0 || r.Err() != nil {
			t.Fatalf("tags %v, remaining %d, err %v", tags, r.Remaining(), r.Err())
		}
	}
}

func TestReaderStringIntoKeepsEqualValue(t *testing.T) {
	b := AppendString(nil, "topic")
	b = AppendNullableString(b, strp("msg"))
	held := "topic"
	heldMsg := strp("msg")
	r := NewReader(b)
	s, ns := held, heldMsg
	r.StringInto("s", false, &s)
	r.NullableStringInto("ns", false, &ns)
	if ns != heldMsg || s != held {
		t.Fatal("equal values were replaced")
	}
	if allocs := testing.AllocsPerRun(100, func() {
		r := NewReader(b)
		r.StringInto("s", false, &s)
		r.NullableStringInto("ns", false, &ns)
	}); allocs != 0 {
		t.Fatalf("%v allocations reading equal values", allocs)
	}
}

func TestReaderFailures(t *testing.T) {
	cases := map[string]struct {
		input []byte
		read  func(r *Reader)
		want  error
	}{
		"truncated int32":          {[]byte{1, 2, 3}, func(r *Reader) { r.Int32("f") }, ErrTruncated},
		"truncated uvarint":        {[]byte{0x80, 0x80}, func(r *Reader) { r.Uvarint("f") }, ErrTruncated},
		"uvarint over 32 bits":     {[]byte{0xff, 0xff, 0xff, 0xff, 0x7f}, func(r *Reader) { r.Uvarint("f") }, ErrCorrupt},
		"string longer than input": {[]byte{0, 9, 'a'}, func(r *Reader) { var s string; r.StringInto("f", false, &s) }, ErrInvalidLength},
		"string length below -1":   {[]byte{0xff, 0xfe}, func(r *Reader) { r.StringBytes("f", false) }, ErrInvalidLength},
		"compact string too long":  {[]byte{10, 'a'}, func(r *Reader) { r.StringBytes("f", true) }, ErrInvalidLength},
		"huge array count":         {[]byte{0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4, 5, 6}, func(r *Reader) { r.ArrayLen("f", false, 1) }, ErrInvalidLength},
		"array count times size":   {[]byte{0, 0, 0, 3, 1, 2, 3, 4, 5, 6, 7, 8}, func(r *Reader) { r.Int32sInto("f", false, nil) }, ErrInvalidLength},
		"compact array count":      {[]byte{0xff, 0xff, 0xff, 0xff, 0x0f}, func(r *Reader) { r.ArrayLen("f", true, 1) }, ErrInvalidLength},
		"negative array count":     {[]byte{0xff, 0xff, 0xff, 0xf0}, func(r *Reader) { r.ArrayLen("f", false, 1) }, ErrInvalidLength},
		"tag count":                {[]byte{5, 0, 0}, func(r *Reader) { r.SkipTaggedFields("f") }, ErrInvalidLength},
		"tag size":                 {[]byte{1, 0, 9, 0}, func(r *Reader) { r.SkipTaggedFields("f") }, ErrInvalidLength},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			r := NewReader(c.input)
			c.read(&r)
			if !errors.Is(r.Err(), c.want) || !strings.Contains(r.Err().Error(), "decoding f") {
				t.Fatalf("err = %v, want %v naming field f", r.Err(), c.want)
			}
			// The first failure sticks and later reads yield zero values.
			first := r.Err()
			if r.Int8("later") != 0 || r.Err() != first || r.Remaining() != 0 {
				t.Fatalf("after failure: err %v, remaining %d", r.Err(), r.Remaining())
			}
		})
	}
}

// TestHugeCountFailsBeforeAllocating checks the promise decoders rely on: a
// count the input cannot hold is refused before room is made for it.
func TestHugeCountFailsBeforeAllocating(t *testing.T) {
	body := AppendInt32(nil, math.MaxInt32) // topics
	body = append(body, make([]byte, 10)...)
	var resp ProduceResponse
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := resp.Decode(body, 8)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ErrInvalidLength) {
		t.Fatalf("err = %v, want ErrInvalidLength", err)
	}
	// Room for 2^31 topics would be over 100 GiB; the slack covers the
	// error value and whatever other goroutines allocate meanwhile.
	if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
		t.Fatalf("decoding a 2^31 count from 14 bytes allocated %d bytes", got)
	}
}
