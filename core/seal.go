package core

import (
	"errors"
	"fmt"

	"github.com/perfproducer/perfproducer/core/wire"
)

// seal finishes a batch the first time it is drained: header fields,
// sequence numbers (idempotence), compression, CRC. A retried batch is
// already sealed and goes out byte for byte the same, unless its sequence
// changed (stale): then its header and CRC are written again. Only a
// failing codec makes it return an error; the batch then cannot be sent.
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
	if s.compressor != nil {
		out, err := s.compress(b.buf, b.buf[wire.BatchHeaderSize:end], &b.header)
		b.wireBytes = out
		return err
	}
	sealed, err := wire.SealBatch(b.buf[:end], b.header)
	if err != nil {
		panic(err) // the accumulator never builds a batch SealBatch refuses
	}
	b.wireBytes = sealed
	return nil
}

// compress builds the compressed, sealed batch of records under header h
// (whose codec bits it sets) and returns it: in slot, the batch's own
// memory, when it fits there, else in Go memory of its own. The sender
// compresses into a scratch buffer of its own, so compression never depends
// on free buffer memory: a batch asked to be compressed is compressed.
func (s *sender) compress(slot, records []byte, h *wire.BatchHeader) ([]byte, error) {
	h.Attributes = h.Attributes&^wire.AttrCodecMask | int16(s.compressor.Codec())
	if len(s.compressScratch) == 0 {
		s.compressScratch = make([]byte, max(len(slot), wire.BatchHeaderSize+len(records))+compressSlack)
	}
	for {
		out, err := s.compressor.CompressBatch(s.compressScratch, records, *h)
		switch {
		case err == nil && len(out) <= len(slot):
			return slot[:copy(slot, out)], nil
		case err == nil:
			return append([]byte(nil), out...), nil
		case !errors.Is(err, wire.ErrNoRoom):
			return nil, fmt.Errorf("compressing a batch with %s: %w", s.compressor.Codec(), err)
		}
		s.compressScratch = make([]byte, 2*len(s.compressScratch))
	}
}

// compressSlack is room beyond the input for codecs whose output outgrows
// incompressible input (frame headers, block headers).
const compressSlack = 1024
