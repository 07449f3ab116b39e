package core

import (
	"errors"
	"fmt"
	"slices"

	"github.com/perfproducer/perfproducer/core/wire"
)

// idempotence keeps the producer's sequence numbers valid (the idempotent
// part of Java's TransactionManager; KIP-98, KIP-360).
//
// A broker keeps, per producer id and partition, the sequence it expects
// next and the last five batches it wrote. It answers a batch that is in
// those five as a duplicate (with the original offset), writes one at the
// expected sequence, and refuses anything else with
// OUT_OF_ORDER_SEQUENCE_NUMBER, writing nothing. The producer keeps to rules
// that make every retry land in that window:
//
//   - A batch takes its partition's next sequence when first sealed and keeps
//     it while its fate is unknown.
//   - At most five batches of a partition are unacknowledged on the wire
//     (max.in.flight.requests.per.connection ≤ 5, one batch of a partition
//     per request, counted per partition across connections), and a
//     partition with a batch waiting to retry sends one batch at a time,
//     oldest first, until none waits. Nothing newer then overtakes a retry
//     or pushes it out of the broker's window.
//   - OUT_OF_ORDER_SEQUENCE_NUMBER proves the batch unwritten (the broker
//     looked for a duplicate first), and every later batch of the partition
//     with it (the broker checks continuity). For a batch behind an
//     unacknowledged one it is a consequence, retried. For the batch the
//     broker should expect next it means the broker lost the partition's
//     sequence: the partition restarts its sequences. For a batch whose
//     sequence the broker has since acknowledged past, it proves the
//     opposite: the batch was written.
//   - A batch the broker rejected for good, unwritten, lowers the sequences
//     of its partition's later batches. A batch that ends without proof of
//     its fate (its delivery timeout passed while its answer was unknown)
//     leaves the partition's sequence unresolved until a later batch is
//     acknowledged (then it was written) or refused as out of order (then it
//     was not, and the partition restarts).
//   - A restart touches one partition. It waits for the partition's
//     requests in flight, retries under their old numbers the batches that
//     may have been written until the broker says which it holds, then
//     numbers the rest from zero under a fresh producer id. Other partitions
//     keep their producer id, epoch and sequences. Brokers give an
//     idempotent producer a new id on every InitProducerId (its epoch only
//     grows for transactional ids), and keep each id's sequences apart, so
//     batches of other partitions still in flight under the old id are
//     unaffected.
type idempotence struct {
	enabled bool
	// current is the newest producer id; id is -1 until the first
	// InitProducerId answer.
	current producerSession
	// requesting: an InitProducerId is in flight; retryAtNanos: not
	// before, after a failed one.
	requesting   bool
	retryAtNanos int64
	attempts     int
	// wantSession: a partition waits for a producer id newer than current.
	wantSession bool
	// refused is the broker's last answer to InitProducerId when it was
	// final (CLUSTER_AUTHORIZATION_FAILED: no IDEMPOTENT_WRITE); records
	// waiting for a producer id fail with it rather than wait out
	// delivery.timeout.ms (see sender.failWaitingForProducerID).
	// InitProducerId is still tried again, spaced up to
	// retry.backoff.max.ms, so a grant made later takes effect.
	refused  error
	request  wire.InitProducerIDRequest
	response wire.InitProducerIDResponse
}

// producerSession is one producer id and epoch, and its place among those
// the producer obtained.
type producerSession struct {
	id    int64
	epoch int16
	// generation counts the sessions obtained, from 1.
	generation uint32
}

// sequences is one partition's idempotence state; the sender goroutine's
// alone.
type sequences struct {
	// session is the producer id the numbers below belong to (id -1: the
	// partition has sealed no batch yet).
	session producerSession
	// next is the sequence the next batch sealed takes.
	next int32
	// acked is the sequence after the last batch the broker acknowledged:
	// the one it expects.
	acked int32
	// unresolved: a batch ending at unresolvedEnd ended without proof of
	// whether the broker wrote it; unresolvedLost: it, or another such
	// batch since the partition's sequences last restarted, left a copy on
	// a lost connection.
	unresolved     bool
	unresolvedEnd  int32
	unresolvedLost bool
	// restart: the partition's sequences must start again under a session
	// newer than restartAfter.
	restart      bool
	restartAfter uint32
	// renumbered: batches of the partition were given new numbers (lowered
	// or restarted) while copies under their old numbers, sent on
	// connections since lost, may still reach a broker; see sendable.
	renumbered bool
}

func newIdempotence(enabled bool) idempotence {
	return idempotence{enabled: enabled, current: producerSession{id: -1, epoch: -1}}
}

// ready reports whether Produce requests may be drained at all: with
// idempotence, once the first producer id is known.
func (m *idempotence) ready() bool {
	return !m.enabled || m.current.id >= 0
}

// maybeInit sends InitProducerId when the producer has no id yet, or a
// partition waits for a fresh one.
func (m *idempotence) maybeInit(s *sender, now int64) int64 {
	far := now + int64(s.cfg.MetadataMaxAge)
	if !m.enabled || m.requesting || (m.current.id >= 0 && !m.wantSession) {
		return far
	}
	if now < m.retryAtNanos {
		return m.retryAtNanos
	}
	c := s.anyReady(now)
	if c == nil {
		return now + int64(s.cfg.RetryBackoff)
	}
	version, _ := c.versions.Version(wire.APIKeyInitProducerID)
	// No transactional id: brokers answer with a new producer id.
	m.request = wire.InitProducerIDRequest{TransactionTimeoutMillis: 60000, ProducerID: -1, ProducerEpoch: -1}
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
	m.current = producerSession{id: m.response.ProducerID, epoch: m.response.ProducerEpoch, generation: m.current.generation + 1}
	m.wantSession = false
	m.attempts = 0
	m.refused = nil
	s.log.Info("producer id assigned", "producer_id", m.current.id, "epoch", m.current.epoch, "generation", m.current.generation)
}

func (m *idempotence) onFailure(s *sender, err error, now int64) {
	m.requesting = false
	m.attempts++
	s.log.Warn("InitProducerId failed", "error", err, "attempt", m.attempts)
	m.retryAtNanos = now + int64(backoff(s.cfg.RetryBackoff, s.cfg.RetryBackoffMax, m.attempts))
	var ke *wire.KafkaError
	if errors.As(err, &ke) && !ke.Retriable {
		// Java's TransactionManager makes such an answer fatal; here it
		// fails the records that need the id until one is granted.
		m.refused = fmt.Errorf("the broker refused the idempotent producer a producer id (InitProducerId): "+
			"grant the principal IDEMPOTENT_WRITE on the cluster or WRITE on a topic, or set enable.idempotence=false: %w", err)
	}
}

// sendable reports whether p's oldest waiting batch, front, may go as far
// as sequences are concerned, restarting p's sequences when their time has
// come.
//
// A copy of a batch sent on a connection that was lost may still be acted
// on by the broker later (it reads requests ahead and handles them even
// when the connection goes). Under its old numbers such a copy could then
// be written after, or besides, the batches renumbered since. So a
// partition that renumbered batches with such copies, or that is to
// restart under a new producer id (which does not fence the old one) while
// such copies may be about, sends nothing until request.timeout.ms has
// passed since it last lost a connection (partition.staleUntil). Java's
// producer fences old copies with an epoch bump instead; brokers that keep
// one epoch per producer id rather than per partition (kfake does) would
// then refuse every partition's batches in flight.
func (m *idempotence) sendable(s *sender, p *partition, front *batch, now int64) bool {
	q := &p.seq
	if !m.enabled {
		return true
	}
	if q.renumbered {
		if now < p.staleUntil {
			return false
		}
		if p.inFlight == 0 {
			// Every copy under the old numbers is settled by now.
			q.renumbered = false
			for _, b := range p.queue {
				b.lostCopy = false
			}
		}
	}
	if !q.restart {
		return true
	}
	if front.maybeWritten {
		// Learn its fate under the numbers it was sent with first.
		return true
	}
	lostCopies := q.unresolvedLost || slices.ContainsFunc(p.queue, func(b *batch) bool { return b.lostCopy })
	if p.inFlight > 0 || lostCopies && now < p.staleUntil {
		return false
	}
	if m.current.generation <= q.restartAfter {
		m.wantSession = true
		return false
	}
	m.restart(s, p)
	q.renumbered = lostCopies
	return true
}

// waitsForSession reports whether p waits for a producer id newer than
// the current one before it can send again (see sendable). Its queued
// batches were never written under their numbers: one that may have been
// is sent first, under them.
func (m *idempotence) waitsForSession(p *partition) bool {
	q := &p.seq
	return m.enabled && q.restart && p.inFlight == 0 && m.current.generation <= q.restartAfter &&
		len(p.queue) > 0 && !p.queue[0].maybeWritten
}

// restart numbers p's waiting batches from zero under the current session.
// Nothing of p is in flight, and none of its waiting batches may have been
// written (see sendable).
func (m *idempotence) restart(s *sender, p *partition) {
	q := &p.seq
	s.log.Info("restarting a partition's sequences under a new producer id", "topic", p.topic.name, "partition", p.index,
		"producer_id", m.current.id, "epoch", m.current.epoch)
	s.p.stats.sequenceRestarts.Add(1)
	*q = sequences{session: m.current}
	for _, b := range p.queue {
		if b.sequence < 0 {
			continue // not sealed yet: numbered when first drained
		}
		m.stamp(b)
	}
}

// assignSequence numbers a batch being sealed for the first time.
func (m *idempotence) assignSequence(b *batch) {
	if !m.enabled {
		return
	}
	if b.part.seq.session.id < 0 {
		b.part.seq.session = m.current
	}
	m.stamp(b)
}

// stamp gives b its partition's next sequence and the partition's producer
// id and epoch, and marks its header for sealing again.
func (m *idempotence) stamp(b *batch) {
	q := &b.part.seq
	b.sequence = q.next
	q.next = wrapSequence(q.next, b.recordCount)
	b.setProducer(q.session.id, q.session.epoch, b.sequence)
}

// wrapSequence adds n (which may be negative) to a sequence number;
// sequences wrap from MaxInt32 to 0 as the broker expects.
func wrapSequence(seq, n int32) int32 {
	return int32((int64(seq) + int64(n)) & (1<<31 - 1))
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

// sequenceVerdict is what the sequence rules make of a failed attempt.
type sequenceVerdict uint8

const (
	// verdictError: the sequence rules have nothing to add; the error's own
	// retriability decides.
	verdictError sequenceVerdict = iota
	// verdictRetry: retry the batch whatever the error's code says, and
	// without a backoff: what it waits for is an earlier batch of its
	// partition (sent first, see sendable) or a new producer id, not a
	// broker in trouble.
	verdictRetry
	// verdictWritten: the broker proved it holds the batch.
	verdictWritten
)

// onError applies the sequence rules to a failed attempt of b.
func (m *idempotence) onError(s *sender, b *batch, err error) sequenceVerdict {
	if !m.enabled || b.sequence < 0 {
		return verdictError
	}
	p := b.part
	q := &p.seq
	switch {
	case errors.Is(err, wire.ErrOutOfOrderSequenceNumber):
		if sequenceDistance(q.acked, wrapSequence(b.sequence, b.recordCount)) <= 0 {
			// The broker acknowledged a later sequence, which it accepts
			// only after this one.
			return verdictWritten
		}
		s.unwrittenFrom(p, b.sequence)
		if b.resequenced {
			return verdictRetry
		}
		if b.sequence == q.acked || q.unresolved && b.sequence == q.unresolvedEnd {
			// Everything before it is settled, yet the broker expects
			// another sequence: it lost track of this partition.
			m.requestRestart(s, q)
		}
		return verdictRetry
	case errors.Is(err, wire.ErrUnknownProducerID), errors.Is(err, wire.ErrInvalidProducerEpoch):
		// The broker has no (usable) state for this producer on the
		// partition and wrote nothing.
		s.unwrittenFrom(p, b.sequence)
		m.requestRestart(s, q)
		return verdictRetry
	}
	return verdictError
}

// requestRestart marks q's partition for a restart under a producer id
// newer than the current one.
func (m *idempotence) requestRestart(s *sender, q *sequences) {
	if q.restart {
		return
	}
	q.restart, q.restartAfter = true, m.current.generation
	m.wantSession = true
	s.wake()
}

// onAcked moves the partition's acknowledged sequence past b.
func (m *idempotence) onAcked(b *batch) {
	if !m.enabled || b.sequence < 0 {
		return
	}
	q := &b.part.seq
	// Only forward: a retried batch acknowledged after a later one (its
	// first answer was lost) must not move it back.
	if end := wrapSequence(b.sequence, b.recordCount); sequenceDistance(q.acked, end) > 0 {
		q.acked = end
	}
	if q.unresolved && sequenceDistance(q.unresolvedEnd, q.acked) >= 0 {
		// The broker wrote it: it accepted what follows.
		q.unresolved, q.unresolvedLost = false, false
	}
}

// onFailed settles the sequences of a numbered batch that will not be sent
// again. Unwritten, its numbers are given to the partition's later batches;
// of unknown fate, it leaves the partition unresolved.
func (m *idempotence) onFailed(s *sender, b *batch) {
	if !m.enabled || b.sequence < 0 {
		return
	}
	q := &b.part.seq
	end := wrapSequence(b.sequence, b.recordCount)
	if b.maybeWritten {
		if !q.unresolved || sequenceDistance(q.unresolvedEnd, end) > 0 {
			q.unresolved, q.unresolvedEnd = true, end
		}
		q.unresolvedLost = q.unresolvedLost || b.lostCopy
		return
	}
	s.lowerSequencesAfter(b)
}
