package wire

import "fmt"

// Batch is a parsed RecordBatch v2: its header and its records section as it
// is on the wire (compressed when Header.Codec() says so), aliasing the bytes
// it was read from.
type Batch struct {
	Header  BatchHeader
	Records []byte
}

// ReadBatch parses the RecordBatch v2 at the front of b and returns it with
// the number of bytes it spans. It checks the magic byte and the CRC32C
// (ErrCorrupt), the batch length against the bytes present (ErrTruncated,
// ErrInvalidLength) and the record count's sign. It does not decompress.
func ReadBatch(b []byte) (Batch, int, error) {
	if len(b) < BatchHeaderSize {
		return Batch{}, 0, fmt.Errorf("batch header: %d of %d bytes: %w", len(b), BatchHeaderSize, ErrTruncated)
	}
	h := readBatchHeader(b)
	if h.Magic != BatchMagic {
		return Batch{}, 0, fmt.Errorf("batch magic %d, want %d: %w", h.Magic, BatchMagic, ErrCorrupt)
	}
	if h.BatchLength < BatchHeaderSize-batchLengthExcluded {
		return Batch{}, 0, fmt.Errorf("batch length %d is shorter than its header: %w", h.BatchLength, ErrInvalidLength)
	}
	size := int(h.BatchLength) + batchLengthExcluded
	if size > len(b) {
		return Batch{}, 0, fmt.Errorf("batch of %d bytes with %d present: %w", size, len(b), ErrTruncated)
	}
	if got := batchCRC(b[:size]); got != h.CRC {
		return Batch{}, 0, fmt.Errorf("batch crc %#08x, computed %#08x: %w", h.CRC, got, ErrCorrupt)
	}
	if h.RecordCount < 0 {
		return Batch{}, 0, fmt.Errorf("batch record count %d: %w", h.RecordCount, ErrInvalidLength)
	}
	return Batch{Header: h, Records: b[BatchHeaderSize:size]}, size, nil
}
