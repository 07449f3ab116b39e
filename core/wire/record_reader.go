package wire

import (
	"fmt"
	"io"
)

// Record is one decoded record. Key, Value and header values alias the
// bytes the RecordReader reads; a nil Key or Value was null on the wire.
type Record struct {
	Attributes     int8
	OffsetDelta    int32
	TimestampDelta int64
	Key            []byte
	Value          []byte
	// Headers is reused by the RecordReader: it holds until the next call
	// to Next.
	Headers []Header
}

// RecordReader iterates the records of an uncompressed records section. It
// trusts no length: each is checked against the bytes that remain before it
// is used, so a hostile section costs at most its own size in allocations.
type RecordReader struct {
	src     []byte
	left    int32
	headers []Header
}

// Reset points r at a records section that must hold exactly count records.
func (r *RecordReader) Reset(records []byte, count int32) {
	r.src, r.left = records, count
}

// Next decodes the next record into rec. It returns io.EOF after the last
// record, and ErrCorrupt if bytes remain after the count the batch declared.
func (r *RecordReader) Next(rec *Record) error {
	if r.left <= 0 {
		if len(r.src) != 0 {
			return fmt.Errorf("records: %d bytes after the last record: %w", len(r.src), ErrCorrupt)
		}
		return io.EOF
	}
	size, n, err := readVarint32(r.src, "record length")
	if err != nil {
		return err
	}
	if size < 0 || int(size) > len(r.src)-n {
		return fmt.Errorf("record length %d with %d bytes left: %w", size, len(r.src)-n, ErrInvalidLength)
	}
	body := r.src[n : n+int(size)]
	if err := r.decodeBody(body, rec); err != nil {
		return err
	}
	r.src = r.src[n+int(size):]
	r.left--
	return nil
}

// decodeBody decodes everything after a record's length, which must be used
// exactly.
func (r *RecordReader) decodeBody(b []byte, rec *Record) error {
	if len(b) < 1 {
		return fmt.Errorf("record attributes: %w", ErrTruncated)
	}
	rec.Attributes = int8(b[0])
	b = b[1:]
	var n int
	var err error
	if rec.TimestampDelta, n, err = readVarint64(b, "record timestamp delta"); err != nil {
		return err
	}
	b = b[n:]
	if rec.OffsetDelta, n, err = readVarint32(b, "record offset delta"); err != nil {
		return err
	}
	b = b[n:]
	if rec.Key, b, err = readNullableBytes(b, "record key"); err != nil {
		return err
	}
	if rec.Value, b, err = readNullableBytes(b, "record value"); err != nil {
		return err
	}
	count, n, err := readVarint32(b, "record header count")
	if err != nil {
		return err
	}
	b = b[n:]
	// Each header takes at least two bytes (two one-byte lengths), which
	// bounds the slice below by the record's own size.
	if count < 0 || int(count) > len(b)/2 {
		return fmt.Errorf("record header count %d with %d bytes left: %w", count, len(b), ErrInvalidLength)
	}
	r.headers = r.headers[:0]
	for range count {
		var h Header
		var key []byte
		if key, b, err = readNullableBytes(b, "header key"); err != nil {
			return err
		}
		if key == nil {
			return fmt.Errorf("header key is null: %w", ErrInvalidLength)
		}
		h.Key = string(key)
		if h.Value, b, err = readNullableBytes(b, "header value"); err != nil {
			return err
		}
		r.headers = append(r.headers, h)
	}
	rec.Headers = r.headers
	if len(b) != 0 {
		return fmt.Errorf("record: %d bytes after its headers: %w", len(b), ErrCorrupt)
	}
	return nil
}

// readNullableBytes reads a varint-length-prefixed byte string from the
// front of b; length -1 is null (nil). The result aliases b.
func readNullableBytes(b []byte, field string) ([]byte, []byte, error) {
	size, n, err := readVarint32(b, field)
	if err != nil {
		return nil, nil, err
	}
	b = b[n:]
	switch {
	case size == -1:
		return nil, b, nil
	case size < 0 || int(size) > len(b):
		return nil, nil, fmt.Errorf("%s length %d with %d bytes left: %w", field, size, len(b), ErrInvalidLength)
	}
	return b[:size:size], b[size:], nil
}
