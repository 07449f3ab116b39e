package wire

// BatchBuilder appends records one after another into a batch in memory the
// caller provides, then seals it: a single-goroutine front end over
// EncodeRecord and SealBatch, for tests and simple callers. The producer's
// lock-free appenders use those two directly.
type BatchBuilder struct {
	buf           []byte
	used          int
	count         int32
	baseTimestamp int64
	maxTimestamp  int64
}

// Reset starts an empty batch in buf, whose length is all the room the
// batch gets (header included); timestamps are stored relative to
// baseTimestamp (milliseconds).
func (b *BatchBuilder) Reset(buf []byte, baseTimestamp int64) {
	*b = BatchBuilder{buf: buf, used: BatchHeaderSize, baseTimestamp: baseTimestamp, maxTimestamp: baseTimestamp}
}

// Append adds a record with the given timestamp (milliseconds). It returns
// ErrNoRoom, leaving the batch as it was, when the record does not fit.
func (b *BatchBuilder) Append(timestamp int64, key, value []byte, headers []Header) error {
	if b.used > len(b.buf) {
		return ErrNoRoom
	}
	n, err := EncodeRecord(b.buf[b.used:], b.count, timestamp-b.baseTimestamp, key, value, headers)
	if err != nil {
		return err
	}
	b.used += n
	b.count++
	b.maxTimestamp = max(b.maxTimestamp, timestamp)
	return nil
}

// Count is the number of records appended.
func (b *BatchBuilder) Count() int32 { return b.count }

// Size is the size of the batch so far, header included.
func (b *BatchBuilder) Size() int { return b.used }

// Records is the records section written so far, the input a Compressor
// takes.
func (b *BatchBuilder) Records() []byte { return b.buf[BatchHeaderSize:b.used] }

// Complete returns h with the fields that follow from the records appended
// set: record count, last offset delta, base and max timestamps.
func (b *BatchBuilder) Complete(h BatchHeader) BatchHeader {
	h.RecordCount = b.count
	h.LastOffsetDelta = b.count - 1
	h.BaseTimestamp = b.baseTimestamp
	h.MaxTimestamp = b.maxTimestamp
	return h
}

// Seal finishes the batch in place with h's producer fields and attributes
// (see Complete and SealBatch) and returns it.
func (b *BatchBuilder) Seal(h BatchHeader) ([]byte, error) {
	if b.used > len(b.buf) {
		return nil, ErrNoRoom
	}
	return SealBatch(b.buf[:b.used], b.Complete(h))
}
