package wire

import (
	"encoding/binary"
	"fmt"
	"math"
)

// BatchHeaderSize is the size of a RecordBatch v2 header; the records section
// starts right after it.
const BatchHeaderSize = 61

// BatchMagic is the magic byte of RecordBatch v2, the only message format
// this package writes or reads.
const BatchMagic = 2

// Byte offsets of the header fields within a batch.
const (
	batchBaseOffsetOffset      = 0
	batchLengthOffset          = 8
	batchLeaderEpochOffset     = 12
	batchMagicOffset           = 16
	batchCRCOffset             = 17
	batchAttributesOffset      = 21
	batchLastOffsetDeltaOffset = 23
	batchBaseTimestampOffset   = 27
	batchMaxTimestampOffset    = 35
	batchProducerIDOffset      = 43
	batchProducerEpochOffset   = 51
	batchBaseSequenceOffset    = 53
	batchRecordCountOffset     = 57
)

// batchLengthExcluded is how many header bytes precede what BatchLength
// counts (base offset and the length itself).
const batchLengthExcluded = 12

// Attribute bits of a batch.
const (
	// AttrCodecMask selects the compression codec (bits 0-2).
	AttrCodecMask int16 = 0x07
	// AttrLogAppendTime marks timestamps set by the broker (bit 3);
	// producers leave it clear (create time).
	AttrLogAppendTime int16 = 0x08
	// AttrTransactional marks a batch inside a transaction (bit 4).
	AttrTransactional int16 = 0x10
	// AttrControl marks a control batch such as a commit marker (bit 5).
	AttrControl int16 = 0x20
)

// Producer fields of a batch written without idempotence.
const (
	NoProducerID           int64 = -1
	NoProducerEpoch        int16 = -1
	NoSequence             int32 = -1
	NoPartitionLeaderEpoch int32 = -1
)

// BatchHeader holds the fields of a RecordBatch v2 header.
type BatchHeader struct {
	BaseOffset int64
	// BatchLength counts the bytes after itself: the batch size minus 12.
	// SealBatch sets it.
	BatchLength          int32
	PartitionLeaderEpoch int32
	// Magic is 2; SealBatch sets it.
	Magic int8
	// CRC is the CRC32C of attributes..end; SealBatch sets it.
	CRC             uint32
	Attributes      int16
	LastOffsetDelta int32
	BaseTimestamp   int64
	MaxTimestamp    int64
	ProducerID      int64
	ProducerEpoch   int16
	BaseSequence    int32
	RecordCount     int32
}

// Codec is the compression codec named by the attributes.
func (h BatchHeader) Codec() Codec { return Codec(h.Attributes & AttrCodecMask) }

// SealBatch finishes a batch whose records section is already in place at
// batch[BatchHeaderSize:]: it writes h into batch[:BatchHeaderSize] with the
// batch length, magic and CRC32C computed from batch, and returns batch. Only
// the fields SealBatch sets are ignored in h. The batch must be at least a
// header long (ErrNoRoom) and at most what an int32 length can describe
// (ErrInvalidLength).
func SealBatch(batch []byte, h BatchHeader) ([]byte, error) {
	if len(batch) < BatchHeaderSize {
		return nil, fmt.Errorf("seal %d-byte batch: %w", len(batch), ErrNoRoom)
	}
	if len(batch)-batchLengthExcluded > math.MaxInt32 {
		return nil, fmt.Errorf("seal %d-byte batch: %w", len(batch), ErrInvalidLength)
	}
	h.BatchLength = int32(len(batch) - batchLengthExcluded)
	h.Magic = BatchMagic
	putBatchHeader(batch, &h)
	binary.BigEndian.PutUint32(batch[batchCRCOffset:], batchCRC(batch))
	return batch, nil
}

// putBatchHeader writes every field of h, the CRC as given, into b[:61].
func putBatchHeader(b []byte, h *BatchHeader) {
	_ = b[BatchHeaderSize-1]
	be := binary.BigEndian
	be.PutUint64(b[batchBaseOffsetOffset:], uint64(h.BaseOffset))
	be.PutUint32(b[batchLengthOffset:], uint32(h.BatchLength))
	be.PutUint32(b[batchLeaderEpochOffset:], uint32(h.PartitionLeaderEpoch))
	b[batchMagicOffset] = byte(h.Magic)
	be.PutUint32(b[batchCRCOffset:], h.CRC)
	be.PutUint16(b[batchAttributesOffset:], uint16(h.Attributes))
	be.PutUint32(b[batchLastOffsetDeltaOffset:], uint32(h.LastOffsetDelta))
	be.PutUint64(b[batchBaseTimestampOffset:], uint64(h.BaseTimestamp))
	be.PutUint64(b[batchMaxTimestampOffset:], uint64(h.MaxTimestamp))
	be.PutUint64(b[batchProducerIDOffset:], uint64(h.ProducerID))
	be.PutUint16(b[batchProducerEpochOffset:], uint16(h.ProducerEpoch))
	be.PutUint32(b[batchBaseSequenceOffset:], uint32(h.BaseSequence))
	be.PutUint32(b[batchRecordCountOffset:], uint32(h.RecordCount))
}
