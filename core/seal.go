package core

import (
	"github.com/perfproducer/perfproducer/core/wire"
)

// seal finishes a batch the first time it is drained: header fields,
// sequence numbers (idempotence), CRC, over the records as the compression
// pool left them (compressed, when compression.type is set; see
// compressPool). A retried batch is already sealed and goes out byte for
// byte the same, unless its sequence changed (stale): then its header and
// CRC are written again. Only a failing codec makes it return an error; the
// batch then cannot be sent.
func (s *sender) seal(b *batch) error {
	if b.wireBytes != nil {
		if b.stale {
			if _, err := wire.SealBatch(b.wireBytes, b.header); err != nil {
				panic(err) // a batch sealed once seals again
			}
			b.stale = false
		}
		return nil
	}
	if b.compressErr != nil {
		return b.compressErr
	}
	_, count, end := b.settled()
	b.recordCount = count
	b.header = wire.BatchHeader{
		PartitionLeaderEpoch: wire.NoPartitionLeaderEpoch,
		LastOffsetDelta:      count - 1,
		BaseTimestamp:        b.baseTimestamp,
		MaxTimestamp:         b.maxTimestamp.Load(),
		ProducerID:           -1,
		ProducerEpoch:        -1,
		BaseSequence:         wire.NoSequence,
		RecordCount:          count,
	}
	s.idem.assignSequence(b)
	var unsealed []byte
	if s.compressor != nil {
		// The pool may have moved the batch to smaller memory: its
		// records, uncompressed, are gone.
		b.header.Attributes = int16(s.compressor.Codec())
		unsealed, b.compressed = b.compressed, nil
	} else {
		unsealed = b.bytes()[:end]
	}
	sealed, err := wire.SealBatch(unsealed, b.header)
	if err != nil {
		// Neither the accumulator nor the compression pool builds a batch
		// SealBatch refuses, and a batch the pool has not compressed never
		// gets here.
		panic(err)
	}
	b.wireBytes = sealed
	return nil
}

// compress builds the compressed, sealed batch of records under header h
// (whose codec bits it sets) and returns it: in slot when it fits there,
// else in Go memory of its own (see compressRecords). The sender uses it
// for the halves of split batches, which never go through the pool.
func (s *sender) compress(slot, records []byte, h *wire.BatchHeader) ([]byte, error) {
	h.Attributes = h.Attributes&^wire.AttrCodecMask | int16(s.compressor.Codec())
	out, err := compressRecords(s.compressor, &s.compressScratch, slot, records)
	if err != nil {
		return nil, err
	}
	return wire.SealBatch(out, *h)
}
