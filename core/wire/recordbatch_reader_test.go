package wire

import (
	"encoding/binary"
	"fmt"
)

// The producer only writes batches; the tests read them back with the
// reader below, the checks a broker makes before it appends a batch.

// parsedBatch is a RecordBatch v2 read back: its header and its records
// section as it is on the wire (compressed when Header.Codec() says so),
// aliasing the bytes it was read from.
type parsedBatch struct {
	Header  BatchHeader
	Records []byte
}

// readBatch parses the RecordBatch v2 at the front of b and returns it with
// the number of bytes it spans. It checks the magic byte and the CRC32C
// (ErrCorrupt), the batch length against the bytes present (ErrTruncated,
// ErrInvalidLength) and the record count's sign. It does not decompress.
func readBatch(b []byte) (parsedBatch, int, error) {
	if len(b) < BatchHeaderSize {
		return parsedBatch{}, 0, fmt.Errorf("batch header: %d of %d bytes: %w", len(b), BatchHeaderSize, ErrTruncated)
	}
	h := readBatchHeader(b)
	if h.Magic != BatchMagic {
		return parsedBatch{}, 0, fmt.Errorf("batch magic %d, want %d: %w", h.Magic, BatchMagic, ErrCorrupt)
	}
	if h.BatchLength < BatchHeaderSize-batchLengthExcluded {
		return parsedBatch{}, 0, fmt.Errorf("batch length %d is shorter than its header: %w", h.BatchLength, ErrInvalidLength)
	}
	size := int(h.BatchLength) + batchLengthExcluded
	if size > len(b) {
		return parsedBatch{}, 0, fmt.Errorf("batch of %d bytes with %d present: %w", size, len(b), ErrTruncated)
	}
	if got := batchCRC(b[:size]); got != h.CRC {
		return parsedBatch{}, 0, fmt.Errorf("batch crc %#08x, computed %#08x: %w", h.CRC, got, ErrCorrupt)
	}
	if h.RecordCount < 0 {
		return parsedBatch{}, 0, fmt.Errorf("batch record count %d: %w", h.RecordCount, ErrInvalidLength)
	}
	return parsedBatch{Header: h, Records: b[BatchHeaderSize:size]}, size, nil
}

// readBatchHeader reads the 61 header bytes at the front of b as they are.
func readBatchHeader(b []byte) BatchHeader {
	_ = b[BatchHeaderSize-1]
	be := binary.BigEndian
	return BatchHeader{
		BaseOffset:           int64(be.Uint64(b[batchBaseOffsetOffset:])),
		BatchLength:          int32(be.Uint32(b[batchLengthOffset:])),
		PartitionLeaderEpoch: int32(be.Uint32(b[batchLeaderEpochOffset:])),
		Magic:                int8(b[batchMagicOffset]),
		CRC:                  be.Uint32(b[batchCRCOffset:]),
		Attributes:           int16(be.Uint16(b[batchAttributesOffset:])),
		LastOffsetDelta:      int32(be.Uint32(b[batchLastOffsetDeltaOffset:])),
		BaseTimestamp:        int64(be.Uint64(b[batchBaseTimestampOffset:])),
		MaxTimestamp:         int64(be.Uint64(b[batchMaxTimestampOffset:])),
		ProducerID:           int64(be.Uint64(b[batchProducerIDOffset:])),
		ProducerEpoch:        int16(be.Uint16(b[batchProducerEpochOffset:])),
		BaseSequence:         int32(be.Uint32(b[batchBaseSequenceOffset:])),
		RecordCount:          int32(be.Uint32(b[batchRecordCountOffset:])),
	}
}
