package wire

import "encoding/binary"

// Append-style encoders for Kafka's primitive types. Each appends the
// big-endian (or varint) encoding of its value to dst and returns the
// extended slice, so a caller that reuses dst never allocates once dst has
// grown to its working size.
//
// Kafka has two encodings of lengths: the fixed one (int16 for strings,
// int32 for bytes and arrays, -1 for null) used by non-flexible versions,
// and the compact one (unsigned varint of length+1, 0 for null) used by
// flexible versions, which also end every structure with tagged fields.

// AppendBool appends v as one byte, 1 for true.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// AppendInt16 appends v big-endian.
func AppendInt16(dst []byte, v int16) []byte { return binary.BigEndian.AppendUint16(dst, uint16(v)) }

// AppendInt32 appends v big-endian.
func AppendInt32(dst []byte, v int32) []byte { return binary.BigEndian.AppendUint32(dst, uint32(v)) }

// AppendInt64 appends v big-endian.
func AppendInt64(dst []byte, v int64) []byte { return binary.BigEndian.AppendUint64(dst, uint64(v)) }

// AppendUvarint appends v as an unsigned varint (Kafka's UNSIGNED_VARINT).
func AppendUvarint(dst []byte, v uint32) []byte { return binary.AppendUvarint(dst, uint64(v)) }

// AppendUUID appends a 16-byte UUID (topic ids).
func AppendUUID(dst []byte, id [16]byte) []byte { return append(dst, id[:]...) }

// AppendString appends s with an int16 length (STRING).
func AppendString(dst []byte, s string) []byte {
	dst = AppendInt16(dst, int16(len(s)))
	return append(dst, s...)
}

// AppendNullableString appends s with an int16 length, -1 when s is nil
// (NULLABLE_STRING).
func AppendNullableString(dst []byte, s *string) []byte {
	if s == nil {
		return AppendInt16(dst, -1)
	}
	return AppendString(dst, *s)
}

// AppendCompactString appends s with an unsigned varint length+1
// (COMPACT_STRING).
func AppendCompactString(dst []byte, s string) []byte {
	dst = AppendUvarint(dst, uint32(len(s))+1)
	return append(dst, s...)
}

// AppendCompactNullableString appends s as a COMPACT_NULLABLE_STRING: 0 when
// s is nil, else its length+1 and its bytes.
func AppendCompactNullableString(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, 0)
	}
	return AppendCompactString(dst, *s)
}

// AppendArrayLen appends an int32 element count (ARRAY); n < 0 means null.
func AppendArrayLen(dst []byte, n int) []byte {
	if n < 0 {
		return AppendInt32(dst, -1)
	}
	return AppendInt32(dst, int32(n))
}

// AppendCompactArrayLen appends an unsigned varint count+1 (COMPACT_ARRAY);
// n < 0 means null and appends 0.
func AppendCompactArrayLen(dst []byte, n int) []byte {
	if n < 0 {
		return append(dst, 0)
	}
	return AppendUvarint(dst, uint32(n)+1)
}

// AppendEmptyTaggedFields appends a tagged-field section holding no field,
// which ends every structure of a flexible version this client writes.
func AppendEmptyTaggedFields(dst []byte) []byte { return append(dst, 0) }

// The helpers below pick the fixed or the compact encoding, so message
// encoders read as one list of fields whatever the version.

func appendStringAs(dst []byte, s string, flexible bool) []byte {
	if flexible {
		return AppendCompactString(dst, s)
	}
	return AppendString(dst, s)
}

func appendNullableStringAs(dst []byte, s *string, flexible bool) []byte {
	if flexible {
		return AppendCompactNullableString(dst, s)
	}
	return AppendNullableString(dst, s)
}

// appendLenAs appends the count of an array, or the length of a byte string
// whose bytes follow separately (the vectored Produce encoder sends records as
// segments of their own); n < 0 means null.
func appendLenAs(dst []byte, n int, flexible bool) []byte {
	if flexible {
		return AppendCompactArrayLen(dst, n)
	}
	return AppendArrayLen(dst, n)
}

func appendTagsAs(dst []byte, flexible bool) []byte {
	if flexible {
		return AppendEmptyTaggedFields(dst)
	}
	return dst
}
