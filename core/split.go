package core

import (
	"fmt"
	"io"
	"slices"

	"github.com/perfproducer/perfproducer/core/wire"
)

// split replaces big, a batch of two or more records that the broker
// refused as larger than the topic accepts (MESSAGE_TOO_LARGE, typically a
// max.message.bytes below batch.size), by two batches holding the first and
// second half of its records, queued in its place, as Java's producer splits
// such a batch (ProducerBatch.split). A half still too large is split again,
// down to single records; a single record the broker refuses fails alone
// with ErrRecordTooLarge.
//
// Unless one outsized record made big too large, the topic's later batches
// are built no larger than half of big (see topicState.batchLimit), so a
// producer whose batch.size exceeds the topic's max.message.bytes stops
// paying for a refusal and a split per batch.
//
// The halves take big's sequence numbers (the first half its base sequence,
// the second the rest), which the broker never wrote. They live in Go memory:
// the sender cannot wait for buffer memory, and splitting is rare.
//
// refused says the broker refused big; otherwise the sender splits a batch
// it has not sent yet because it exceeds the learnt limit, and the halves
// are not retries.
func (s *sender) split(big *batch, refused bool) error {
	records := big.wireBytes[wire.BatchHeaderSize:]
	if codec := big.header.Codec(); codec != wire.CodecNone {
		if s.decompressor == nil {
			s.decompressor = wire.NewDecompressor(max(s.cfg.BatchSize, s.cfg.MaxRequestSize))
		}
		var err error
		if records, err = s.decompressor.Decompress(codec, records); err != nil {
			return fmt.Errorf("reading back a batch of its own: %w", err)
		}
	}
	n := big.recordCount
	first := n / 2
	var halves [2]*batch
	var builder wire.BatchBuilder
	var reader wire.RecordReader
	reader.Reset(records, n)
	var rec wire.Record
	largest := 0 // the largest record's size
	for i := range n {
		if err := reader.Next(&rec); err != nil {
			return fmt.Errorf("reading back a batch of its own: %w", err)
		}
		half := 0
		if i >= first {
			half = 1
		}
		ts := big.baseTimestamp + rec.TimestampDelta
		if i == 0 || i == first {
			// A record's varints grow by at most 10 bytes (a timestamp
			// delta from another base).
			halves[half] = s.newSplitBatch(big, ts, int(n))
			halves[half].setBytes(make([]byte, wire.BatchHeaderSize+len(records)+10*int(n)))
			builder.Reset(halves[half].bytes(), ts)
		}
		h := halves[half]
		before := builder.Size()
		if err := builder.Append(ts, rec.Key, rec.Value, rec.Headers); err != nil {
			return fmt.Errorf("copying a record into half a batch: %w", err)
		}
		largest = max(largest, builder.Size()-before)
		c := big.completions.at(int(i))
		c.timestampDelta = ts - h.baseTimestamp
		h.completions.store(int(h.recordCount), c)
		h.recordCount++
		if i == first-1 || i == n-1 {
			if err := s.sealSplitBatch(h, &builder, big, half, first); err != nil {
				return err
			}
		}
	}
	if err := reader.Next(&rec); err != io.EOF {
		return fmt.Errorf("reading back a batch of its own: %w", err)
	}

	p := big.part
	if refused {
		s.log.Info("splitting a batch the broker refused as too large", "topic", p.topic.name, "partition", p.index,
			"records", n, "bytes", len(big.wireBytes))
		s.p.stats.splits.Add(1)
		size := wire.BatchHeaderSize + len(records)
		limit := size / 2
		if 2*largest > size {
			// One outsized record made the batch too large: halving would
			// shrink every later batch for its sake. The refusal only
			// proves that batches of this size do not fit, and each such
			// refusal lowers the limit further.
			limit = size - 1
		}
		p.topic.lowerBatchLimit(int32(limit))
	}
	for _, h := range halves {
		h.flushWaiters = append(h.flushWaiters, big.flushWaiters...)
		if refused {
			h.retrying = true
			p.retrying++
		}
	}
	for _, w := range big.flushWaiters {
		w.remaining++ // two batches now hold it up where one did
	}
	big.flushWaiters = nil
	big.releaseCompletions()
	s.releaseBatch(big)
	p.queue = slices.Insert(p.queue, queuePosition(p, big.order), halves[0], halves[1])
	s.readyList.list(p)
	return nil
}

// newSplitBatch starts a batch that takes over records of big, the first
// of which has timestamp ts; it has room for completions of up to n records.
func (s *sender) newSplitBatch(big *batch, ts int64, n int) *batch {
	h := &batch{
		part:          big.part,
		baseTimestamp: ts,
		createdNanos:  big.createdNanos,
		order:         big.order,
		splits:        big.splits + 1,
		sequence:      -1,
	}
	h.completions.init(n)
	h.maxTimestamp.Store(ts)
	return h
}

// sealSplitBatch seals half (0 or 1) of big, whose records builder holds:
// big's producer fields, with the second half's base sequence moved past
// the first half's records.
func (s *sender) sealSplitBatch(h *batch, builder *wire.BatchBuilder, big *batch, half int, first int32) error {
	header := builder.Complete(wire.BatchHeader{
		PartitionLeaderEpoch: wire.NoPartitionLeaderEpoch,
		ProducerID:           big.header.ProducerID,
		ProducerEpoch:        big.header.ProducerEpoch,
		BaseSequence:         big.header.BaseSequence,
	})
	if half == 1 {
		// Between big's place and the next batch's (see orderSpacing).
		h.order += orderSpacing >> min(h.splits, orderSplitBits)
	}
	if big.sequence >= 0 {
		h.sequence = big.sequence
		if half == 1 {
			h.sequence = wrapSequence(big.sequence, first)
		}
		header.BaseSequence = h.sequence
	}
	h.maxTimestamp.Store(header.MaxTimestamp)
	h.reservation.Store(closedBit | packReservation(builder.Size(), h.recordCount))
	h.written.Store(h.recordCount)
	h.header = header
	if s.compressor != nil {
		out, err := s.compress(h.bytes(), builder.Records(), &h.header)
		if err != nil {
			return err
		}
		h.wireBytes = out
		return nil
	}
	sealed, err := builder.Seal(header)
	if err != nil {
		return fmt.Errorf("sealing half a batch: %w", err)
	}
	h.wireBytes = sealed
	return nil
}

// lowerBatchLimit caps the topic's new batches at limit bytes, unless a
// lower cap is already set.
func (t *topicState) lowerBatchLimit(limit int32) {
	for {
		cur := t.batchLimit.Load()
		if cur != 0 && cur <= limit || t.batchLimit.CompareAndSwap(cur, limit) {
			return
		}
	}
}

// orderSpacing is the gap between the orders of batches taken off a
// partition's chain: room for orderSplitBits levels of splitting (a batch of
// 1 MiB of the smallest records splits fewer than 18 times). Deeper halves
// share their order and are queued in place, still in order. With 2^40
// batches a partition before the counter wraps, a producer outlives any
// realistic rate.
const (
	orderSplitBits = 24
	orderSpacing   = 1 << orderSplitBits
)
