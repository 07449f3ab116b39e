package wire

// Header is one record header. A nil Value is Kafka's null; an empty,
// non-nil Value is a zero-length value.
type Header struct {
	Key   string
	Value []byte
}

// RecordPayloadSize is the part of a record's encoded size that does not
// depend on its deltas: attributes, key, value and headers.
func RecordPayloadSize(key, value []byte, headers []Header) int {
	n := 1 + // attributes
		nullableBytesSize(key) +
		nullableBytesSize(value) +
		varintSize(int64(len(headers)))
	for i := range headers {
		h := &headers[i]
		n += varintSize(int64(len(h.Key))) + len(h.Key) + nullableBytesSize(h.Value)
	}
	return n
}

// RecordSizeFor is the exact number of bytes EncodeRecord writes for a
// record whose RecordPayloadSize is payload, its leading length varint
// included. A producer reserves this many bytes in a batch before encoding
// into them. The size depends on offsetDelta's varint width (one byte below
// 64, two below 8192, three below 2^20), so a reservation that hands out
// offset deltas must size the record for the delta it hands out, e.g. by
// compare-and-swap on a word packing the record count and the bytes used;
// such a loop computes RecordPayloadSize once.
func RecordSizeFor(payload int, offsetDelta int32, timestampDelta int64) int {
	body := payload + varintSize(timestampDelta) + varintSize(int64(offsetDelta))
	return varintSize(int64(body)) + body
}

// EncodeRecord writes one record in RecordBatch v2 format into the front of
// dst and returns the bytes written: RecordSizeFor of the record's
// RecordPayloadSize and deltas. A nil key or value is written as null
// (length -1), an empty one as length 0. It returns ErrNoRoom, writing
// nothing, when dst is shorter than the record; it never allocates.
func EncodeRecord(dst []byte, offsetDelta int32, timestampDelta int64, key, value []byte, headers []Header) (int, error) {
	return EncodeRecordSized(dst, RecordPayloadSize(key, value, headers), offsetDelta, timestampDelta, key, value, headers)
}

// EncodeRecordSized is EncodeRecord for a caller that already knows the
// record's RecordPayloadSize: payload must be exactly that.
func EncodeRecordSized(dst []byte, payload int, offsetDelta int32, timestampDelta int64, key, value []byte, headers []Header) (int, error) {
	body := payload + varintSize(timestampDelta) + varintSize(int64(offsetDelta))
	size := varintSize(int64(body)) + body
	if len(dst) < size {
		return 0, ErrNoRoom
	}
	// Appending within exactly the computed size never reallocates.
	out := dst[:0:size]
	out = appendVarint(out, int64(body))
	out = append(out, 0) // record attributes: unused by every Kafka version so far
	out = appendVarint(out, timestampDelta)
	out = appendVarint(out, int64(offsetDelta))
	out = appendNullableBytes(out, key)
	out = appendNullableBytes(out, value)
	out = appendVarint(out, int64(len(headers)))
	for i := range headers {
		h := &headers[i]
		out = appendVarint(out, int64(len(h.Key)))
		out = append(out, h.Key...)
		out = appendNullableBytes(out, h.Value)
	}
	return len(out), nil
}

// nullableBytesSize is the encoded size of a varint-length-prefixed byte
// string; nil is the one-byte length -1.
func nullableBytesSize(b []byte) int {
	if b == nil {
		return 1
	}
	return varintSize(int64(len(b))) + len(b)
}

// appendNullableBytes appends b with its varint length, or the null length
// -1 when b is nil.
func appendNullableBytes(out, b []byte) []byte {
	if b == nil {
		return append(out, 1) // zigzag(-1)
	}
	return append(appendVarint(out, int64(len(b))), b...)
}
