package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// Reader decodes Kafka primitives from a byte slice it never copies.
//
// Every length and count is checked against the bytes that remain before
// the caller allocates anything for it. The first failure is sticky: it is
// kept (wrapped with the name of the field being read), the reader moves to
// the end of its input, and every later read returns a zero value, so a
// decoder can read a whole message and check Err once at the end.
//
// A Reader is a value: copy it to look ahead, keep it on the stack.
type Reader struct {
	src []byte
	off int
	// The first failure is noted where it happens, cheaply enough for the
	// reads to stay inlinable, and wrapped into err by the first Err call.
	failField string
	failKind  error
	failAt    int
	err       error
}

// NewReader returns a Reader over src.
func NewReader(src []byte) Reader { return Reader{src: src} }

// Err returns the first failure, or nil.
func (r *Reader) Err() error {
	if r.err == nil && r.failKind != nil {
		r.err = fmt.Errorf("decoding %s at byte %d: %w", r.failField, r.failAt, r.failKind)
	}
	return r.err
}

// Remaining returns how many bytes are left to read.
func (r *Reader) Remaining() int { return len(r.src) - r.off }

// Fail records err for field unless a failure is already recorded.
func (r *Reader) Fail(field string, err error) {
	if r.failKind == nil {
		r.failField, r.failKind, r.failAt = field, err, r.off
	}
	r.off = len(r.src)
}

// take returns the next n bytes, or nil after recording ErrTruncated.
func (r *Reader) take(field string, n int) []byte {
	if n <= len(r.src)-r.off {
		r.off += n
		return r.src[r.off-n : r.off : r.off]
	}
	r.Fail(field, ErrTruncated)
	return nil
}

// fixed returns the next n bytes (at most 8) of a fixed-size integer, or n
// zero bytes after recording ErrTruncated, so that decoding them yields 0.
func (r *Reader) fixed(field string, n int) []byte {
	if n <= len(r.src)-r.off {
		r.off += n
		return r.src[r.off-n : r.off]
	}
	r.Fail(field, ErrTruncated)
	return zeros[:n]
}

var zeros [8]byte

// Int8 reads one byte.
func (r *Reader) Int8(field string) int8 { return int8(r.fixed(field, 1)[0]) }

// Bool reads one byte; anything but 0 is true.
func (r *Reader) Bool(field string) bool { return r.Int8(field) != 0 }

// Int16 reads a big-endian int16.
func (r *Reader) Int16(field string) int16 { return int16(binary.BigEndian.Uint16(r.fixed(field, 2))) }

// Int32 reads a big-endian int32.
func (r *Reader) Int32(field string) int32 { return int32(binary.BigEndian.Uint32(r.fixed(field, 4))) }

// Int64 reads a big-endian int64.
func (r *Reader) Int64(field string) int64 { return int64(binary.BigEndian.Uint64(r.fixed(field, 8))) }

// UUID reads 16 bytes.
func (r *Reader) UUID(field string) (id [16]byte) {
	if b := r.take(field, 16); b != nil {
		copy(id[:], b)
	}
	return id
}

// Uvarint reads an unsigned varint of at most 32 bits.
func (r *Reader) Uvarint(field string) uint32 {
	// Compact lengths and tag counts are nearly always one byte.
	if r.off < len(r.src) {
		if b := r.src[r.off]; b < 0x80 {
			r.off++
			return uint32(b)
		}
	}
	return r.uvarintLong(field)
}

func (r *Reader) uvarintLong(field string) uint32 {
	if r.failKind != nil {
		return 0
	}
	v, n := binary.Uvarint(r.src[r.off:])
	switch {
	case n == 0:
		r.Fail(field, ErrTruncated)
		return 0
	case n < 0 || v > math.MaxUint32:
		r.Fail(field, ErrCorrupt)
		return 0
	}
	r.off += n
	return uint32(v)
}

// stringLength reads a string's length prefix: int16 when fixed, uvarint
// length+1 when compact. It returns -1 for null and fails on a length below
// -1 or beyond the bytes that remain.
func (r *Reader) stringLength(field string, flexible bool) int {
	var n int
	if flexible {
		n = int(r.Uvarint(field)) - 1
	} else {
		n = int(r.Int16(field))
	}
	if r.failKind != nil {
		return -1
	}
	if n < -1 || n > r.Remaining() {
		r.Fail(field, ErrInvalidLength)
		return -1
	}
	return n
}

// StringBytes reads a STRING or NULLABLE_STRING (COMPACT_ when flexible) and
// returns its bytes without copying; null is reported as ok false.
func (r *Reader) StringBytes(field string, flexible bool) (b []byte, ok bool) {
	n := r.stringLength(field, flexible)
	if n < 0 {
		return nil, false
	}
	return r.take(field, n), true
}

// StringInto reads a string into *dst. It allocates only when the value
// differs from what *dst already holds, so decoding the same names into a
// reused struct costs nothing. A null string is read as "".
func (r *Reader) StringInto(field string, flexible bool, dst *string) {
	b, ok := r.StringBytes(field, flexible)
	if !ok {
		*dst = ""
		return
	}
	if *dst != string(b) {
		*dst = string(b)
	}
}

// NullableStringInto reads a nullable string into *dst, nil for null,
// keeping *dst when it already points at the same value.
func (r *Reader) NullableStringInto(field string, flexible bool, dst **string) {
	b, ok := r.StringBytes(field, flexible)
	if !ok {
		*dst = nil
		return
	}
	if *dst != nil && **dst == string(b) {
		return
	}
	s := string(b)
	*dst = &s
}

// ArrayLen reads an array count and returns -1 for null. Each element takes
// at least minElemSize bytes on the wire, so a count that the remaining
// bytes cannot hold fails with ErrInvalidLength before the caller allocates
// room for it.
func (r *Reader) ArrayLen(field string, flexible bool, minElemSize int) int {
	var n int
	if flexible {
		n = int(r.Uvarint(field)) - 1
	} else {
		n = int(r.Int32(field))
	}
	if r.failKind != nil {
		return -1
	}
	if n < -1 || int64(n)*int64(max(minElemSize, 1)) > int64(r.Remaining()) {
		r.Fail(field, ErrInvalidLength)
		return -1
	}
	return n
}

// Int32sInto reads an array of int32 into dst's backing array and returns
// it; null reads as an empty slice.
func (r *Reader) Int32sInto(field string, flexible bool, dst []int32) []int32 {
	n := r.ArrayLen(field, flexible, 4)
	dst = resize(dst, max(n, 0))
	for i := range dst {
		dst[i] = r.Int32(field)
	}
	return dst
}

// TaggedFieldCount reads how many tagged fields follow. Each takes at least
// two bytes (tag and size), which bounds the count by the bytes that remain.
func (r *Reader) TaggedFieldCount(field string) int {
	n := int(r.Uvarint(field))
	if int64(n)*2 > int64(r.Remaining()) {
		r.Fail(field, ErrInvalidLength)
		return 0
	}
	return n
}

// TaggedField reads one tagged field's tag and size, and returns a Reader
// over its value; the receiver moves past the value whether or not the
// caller reads it, so unknown tags are skipped by ignoring them.
func (r *Reader) TaggedField(field string) (tag uint32, value Reader) {
	tag = r.Uvarint(field)
	size := r.Uvarint(field)
	if r.failKind == nil && int64(size) > int64(r.Remaining()) {
		r.Fail(field, ErrInvalidLength)
	}
	return tag, NewReader(r.take(field, int(size)))
}

// SkipTaggedFields reads a tagged-field section and ignores every field in
// it: the fields a newer broker may add to a structure this package reads
// in full.
func (r *Reader) SkipTaggedFields(field string) {
	for n := r.TaggedFieldCount(field); n > 0 && r.failKind == nil; n-- {
		r.TaggedField(field)
	}
}

// Adopt records the failure of value, a Reader over a tagged field of r,
// as r's own.
func (r *Reader) Adopt(value *Reader) {
	if value.failKind != nil && r.failKind == nil {
		r.failField, r.failKind, r.failAt = value.failField, value.failKind, r.off
		r.off = len(r.src)
	}
}

// resize returns s with length n, reusing its backing array (and with it
// the slices its elements hold) when that is large enough.
func resize[T any](s []T, n int) []T {
	if n <= cap(s) {
		return s[:n]
	}
	return append(s[:cap(s)], make([]T, n-cap(s))...)
}
