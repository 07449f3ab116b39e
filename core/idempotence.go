package core

import (
	"errors"
	"fmt"

	"github.com/perfproducer/perfproducer/core/wire"
)

// idempotence is the producer's id, epoch and the rules that keep sequence
// numbers valid (Java's TransactionManager, idempotent part, KIP-98/360):
//
//   - One InitProducerId before the first Produce.
//   - A batch gets its partition's next sequence when first drained and keeps
//     it across retries, so the broker drops duplicates and rejects gaps.
//   - A retry waits for the partition's earlier in-flight requests (drain),
//     so retried batches reach the broker in sequence order.
//   - OUT_OF_ORDER_SEQUENCE_NUMBER for a batch behind one that failed is a
//     consequence of that failure and is retried with it. For the first
//     unacknowledged batch of a partition, or after a batch was given up
//     (a sequence gap), or on UNKNOWN_PRODUCER_ID, the producer bumps its
//     epoch: it stops sending, lets in-flight requests finish, asks for the
//     same id with a new epoch, and renumbers every waiting batch from 0.
type idempotence struct {
	enabled    bool
	producerID int64
	epoch      int16
	// requesting: an InitProducerId is in flight; retryAtNanos: not
	// before, after a failed one.
	requesting   bool
	retryAtNanos int64
	// bumpNeeded: sequences are no longer trustworthy; renumber under a
	// new epoch once nothing is in flight.
	bumpNeeded bool
	attempts   int
	request    wire.InitProducerIDRequest
	response   wire.InitProducerIDResponse
}

func newIdempotence(enabled bool) idempotence {
	return idempotence{enabled: enabled, producerID: -1, epoch: -1}
}

// ready reports whether Produce requests may be drained now.
func (m *idempotence) ready(s *sender) bool {
	return !m.enabled || m.producerID >= 0 && !m.bumpNeeded
}

// maybeInit sends InitProducerId when the producer has no id yet, or needs
// a new epoch and nothing is in flight any more.
func (m *idempotence) maybeInit(s *sender, now int64) int64 {
	far := now + int64(s.cfg.MetadataMaxAge)
	if !m.enabled || m.requesting || (m.producerID >= 0 && !m.bumpNeeded) {
		return far
	}
	if now < m.retryAtNanos {
		return m.retryAtNanos
	}
	if m.bumpNeeded {
		for _, c := range s.conns {
			if c.produceInFlight() {
				return far // their answers will wake the loop
			}
		}
	}
	c := s.anyReady(now)
	if c == nil {
		return now + int64(s.cfg.RetryBackoff)
	}
	version, _ := c.versions.Version(wire.APIKeyInitProducerID)
	m.request = wire.InitProducerIDRequest{TransactionTimeoutMillis: 60000, ProducerID: -1, ProducerEpoch: -1}
	if m.bumpNeeded && version >= 3 {
		m.request.ProducerID, m.request.ProducerEpoch = m.producerID, m.epoch
	}
	r := s.newRequest(wire.APIKeyInitProducerID, version)
	if s.send(c, r, &m.request, now) {
		m.requesting = true
	}
	return far
}

func (m *idempotence) onResponse(s *sender, r *request, body []byte, now int64) {
	m.requesting = false
	err := m.response.Decode(body, r.version)
	if err == nil {
		err = m.response.Err()
	}
	if err != nil {
		m.onFailure(s, err, now)
		return
	}
	bumped := m.producerID >= 0
	m.producerID, m.epoch = m.response.ProducerID, m.response.ProducerEpoch
	m.attempts = 0
	s.log.Info("producer id assigned", "producer_id", m.producerID, "epoch", m.epoch, "bump", bumped)
	if m.bumpNeeded {
		m.bumpNeeded = false
		m.renumber(s)
	}
}

func (m *idempotence) onFailure(s *sender, err error, now int64) {
	m.requesting = false
	m.attempts++
	s.log.Warn("InitProducerId failed", "error", err, "attempt", m.attempts)
	m.retryAtNanos = now + int64(backoff(s.cfg.RetryBackoff, s.cfg.RetryBackoffMax, m.attempts))
}

// assignSequence stamps a batch being sealed for the first time.
func (m *idempotence) assignSequence(b *batch) {
	if !m.enabled {
		return
	}
	p := b.part
	b.sequence = p.nextSequence
	p.nextSequence = wrapSequence(p.nextSequence, b.recordCount)
	b.header.ProducerID, b.header.ProducerEpoch, b.header.BaseSequence = m.producerID, m.epoch, b.sequence
}

// wrapSequence adds n to a sequence number; sequences wrap at MaxInt32 to 0
// as the broker expects.
func wrapSequence(seq, n int32) int32 {
	next := int64(seq) + int64(n)
	if next > 1<<31-1 {
		next -= 1 << 31
	}
	return int32(next)
}

// sequenceDistance is how far sequence b lies after a, with sequences
// wrapping at 2^31: positive when b is ahead by less than half the space.
func sequenceDistance(a, b int32) int32 {
	d := (int64(b) - int64(a)) & (1<<31 - 1)
	if d >= 1<<30 {
		d -= 1 << 31
	}
	return int32(d)
}

// retriable reports whether an error that is not retriable by its code is
// retriable here because of sequence rules.
func (m *idempotence) retriable(b *batch, err error) bool {
	if !m.enabled || b.sequence < 0 {
		return false
	}
	if errors.Is(err, wire.ErrOutOfOrderSequenceNumber) {
		// Behind an earlier batch of the partition that is not yet
		// acknowledged (queued for retry, or in flight and about to fail
		// too): retry after it.
		if b.sequence != b.part.ackedSequence {
			return true
		}
		m.bumpNeeded = true
		return true
	}
	if errors.Is(err, wire.ErrUnknownProducerID) || errors.Is(err, wire.ErrInvalidProducerEpoch) {
		m.bumpNeeded = true
		return true
	}
	return false
}

// onBatchAcked moves the partition's acknowledged sequence past b.
func (m *idempotence) onBatchAcked(b *batch) {
	if m.enabled && b.sequence >= 0 {
		// Only forward: a retried batch acknowledged after a later one
		// (its first answer was lost) must not move it back.
		if end := wrapSequence(b.sequence, b.recordCount); sequenceDistance(b.part.ackedSequence, end) > 0 {
			b.part.ackedSequence = end
		}
	}
}

// onBatchFailed notes that a sequenced batch will never be written: the
// partition's later sequences now have a gap, so the epoch must be bumped.
func (m *idempotence) onBatchFailed(s *sender, b *batch, err error) {
	if m.enabled && b.sequence >= 0 {
		m.bumpNeeded = true
	}
}

// renumber restarts every partition's sequences at 0 under the new epoch
// and reseals the batches waiting to go (nothing is in flight now).
func (m *idempotence) renumber(s *sender) {
	for _, p := range s.partitions {
		p.nextSequence, p.ackedSequence = 0, 0
		for _, b := range p.queue {
			if b.wireBytes == nil {
				continue // not sealed yet: gets its sequence when drained
			}
			b.sequence = p.nextSequence
			p.nextSequence = wrapSequence(p.nextSequence, b.recordCount)
			b.header.ProducerID, b.header.ProducerEpoch, b.header.BaseSequence = m.producerID, m.epoch, b.sequence
			if _, err := wire.SealBatch(b.wireBytes, b.header); err != nil {
				panic(fmt.Sprintf("resealing a sealed batch: %v", err))
			}
		}
	}
}
