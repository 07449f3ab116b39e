package wire

import (
	"encoding/binary"
	"fmt"
	"math/bits"
)

// Kafka's varint and varlong are zigzag base-128 varints, the encoding of
// binary.PutVarint; an int32 and an int64 of the same value encode alike.

// zigzag maps signed to unsigned so that small magnitudes stay small.
func zigzag(v int64) uint64 { return uint64(v<<1) ^ uint64(v>>63) }

// varintSize is the number of bytes appendVarint writes for v.
func varintSize(v int64) int {
	// bits.Len64(u|1) is 1..64; every 7 bits take one byte.
	return (bits.Len64(zigzag(v)|1) + 6) / 7
}

// appendVarint appends v as a zigzag varint. Record fields are one to three
// bytes long; spelling those cases out, as franz-go's kbin does, beats
// binary.AppendVarint's loop.
func appendVarint(b []byte, v int64) []byte {
	u := zigzag(v)
	switch {
	case u < 1<<7:
		return append(b, byte(u))
	case u < 1<<14:
		return append(b, byte(u)|0x80, byte(u>>7))
	case u < 1<<21:
		return append(b, byte(u)|0x80, byte(u>>7)|0x80, byte(u>>14))
	}
	return binary.AppendUvarint(b, u)
}

// readVarint32 reads a zigzag varint that must fit an int32 from the front of
// b. field names what is read, for the error.
func readVarint32(b []byte, field string) (int32, int, error) {
	v, n, err := readVarint64(b, field)
	if err != nil {
		return 0, 0, err
	}
	if int64(int32(v)) != v {
		return 0, 0, fmt.Errorf("%s: varint %d overflows int32: %w", field, v, ErrCorrupt)
	}
	return int32(v), n, nil
}

// readVarint64 reads a zigzag varint from the front of b.
func readVarint64(b []byte, field string) (int64, int, error) {
	v, n := binary.Varint(b)
	switch {
	case n == 0:
		return 0, 0, fmt.Errorf("%s: %w", field, ErrTruncated)
	case n < 0:
		return 0, 0, fmt.Errorf("%s: varint overflows int64: %w", field, ErrCorrupt)
	}
	return v, n, nil
}
