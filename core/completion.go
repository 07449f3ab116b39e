package core

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/perfproducer/perfproducer/netpoll"
)

// onProduce settles every batch of a Produce request from its response:
// success, retry, or failure (SEED-NOTES.md §8).
func (s *sender) onProduce(c *brokerConn, r *request, body []byte, now int64) {
	resp := &s.produceResp
	if err := resp.Decode(body, r.version); err != nil {
		// The batches' fate is unknown: retry them (idempotence makes a
		// duplicate harmless) and drop the connection that spoke garbage.
		err = fmt.Errorf("%w: undecodable Produce response: %w", wire.ErrNetworkException, err)
		for _, b := range r.batches {
			b.part.inFlight--
			s.failOrRetry(b, err, now)
		}
		s.dropConnection(c, err, now)
		return
	}
	s.p.stats.requests.Add(1)
	for _, b := range r.batches {
		b.part.inFlight--
		pr := findPartition(resp, b, r.version)
		if pr == nil {
			s.failOrRetry(b, fmt.Errorf("%w: the broker's answer left out %s-%d", wire.ErrNetworkException, b.part.topic.name, b.part.index), now)
			continue
		}
		err := pr.Err()
		switch {
		case err == nil:
			s.completeBatch(b, pr.BaseOffset, pr.LogAppendTime, nil)
		case errors.Is(err, wire.ErrDuplicateSequenceNumber):
			// The broker already has this batch: it is delivered.
			s.completeBatch(b, pr.BaseOffset, pr.LogAppendTime, nil)
		default:
			if pr.ErrorMessage != nil {
				err = fmt.Errorf("%w: %s", err, *pr.ErrorMessage)
			}
			s.failOrRetry(b, err, now)
		}
	}
}

// findPartition finds b's answer in resp.
func findPartition(resp *wire.ProduceResponse, b *batch, version int16) *wire.ProducePartitionResponse {
	t := b.part.topic
	for i := range resp.Topics {
		rt := &resp.Topics[i]
		if version >= 13 && rt.ID != t.id || version < 13 && rt.Name != t.name {
			continue
		}
		for j := range rt.Partitions {
			if rt.Partitions[j].Partition == b.part.index {
				return &rt.Partitions[j]
			}
		}
	}
	return nil
}

// failOrRetry puts a failed batch back in its partition's queue when the
// error is retriable and time and retries remain, else fails it for good.
func (s *sender) failOrRetry(b *batch, err error, now int64) {
	p := b.part
	if wire.IsRetriable(err) || s.idem.retriable(b, err) {
		if errors.Is(err, wire.ErrNotLeaderOrFollower) || errors.Is(err, wire.ErrUnknownTopicOrPartition) ||
			errors.Is(err, wire.ErrLeaderNotAvailable) || errors.Is(err, wire.ErrNetworkException) ||
			errors.Is(err, wire.ErrFencedLeaderEpoch) || errors.Is(err, wire.ErrUnknownLeaderEpoch) {
			s.meta.requestRefresh()
		}
		switch {
		case b.attempts > s.cfg.Retries:
			err = fmt.Errorf("giving up after %d attempts (retries): %w", b.attempts, err)
		case s.expired(b, now):
			err = fmt.Errorf("%w: delivery.timeout.ms (%v) passed while retrying: %w", ErrTimeout, s.cfg.DeliveryTimeout, err)
		default:
			s.p.stats.retries.Add(1)
			s.log.Debug("retrying batch", "topic", p.topic.name, "partition", p.index, "attempt", b.attempts, "error", err)
			b.retryAtNanos = now + int64(backoff(s.cfg.RetryBackoff, s.cfg.RetryBackoffMax, b.attempts))
			s.requeue(b)
			return
		}
	}
	s.idem.onBatchFailed(s, b, err)
	s.completeBatch(b, -1, -1, err)
}

// requeue puts a batch back among its partition's waiting batches: in
// sequence order with idempotence (so retries leave in the order the broker
// expects), else at the front (Java's reenqueue).
func (s *sender) requeue(b *batch) {
	p := b.part
	i := 0
	if b.sequence >= 0 {
		// Order by distance from the first unacknowledged sequence, so a
		// partition whose sequences wrapped past 2^31 still sorts right.
		i, _ = slices.BinarySearchFunc(p.queue, b, func(q, t *batch) int {
			if q.sequence < 0 {
				return 1
			}
			return int(sequenceDistance(p.ackedSequence, q.sequence)) - int(sequenceDistance(p.ackedSequence, t.sequence))
		})
	}
	p.queue = slices.Insert(p.queue, i, b)
}

func (s *sender) expired(b *batch, now int64) bool {
	return now-b.createdNanos >= int64(s.cfg.DeliveryTimeout)
}

// expireQueued fails the partition's waiting batches that have outlived
// delivery.timeout.ms (batches in flight wait for their answer). It returns
// when the oldest remaining one will expire.
func (s *sender) expireQueued(p *partition, now int64) int64 {
	for len(p.queue) > 0 && s.expired(p.queue[0], now) {
		b := p.queue[0]
		p.queue = p.queue[1:]
		err := fmt.Errorf("%w: expiring %d record(s) for %s-%d: %v has passed since batch creation (delivery.timeout.ms)",
			ErrTimeout, b.recordCountOrSettled(), p.topic.name, p.index, time.Duration(now-b.createdNanos).Round(time.Millisecond))
		s.idem.onBatchFailed(s, b, err)
		s.completeBatch(b, -1, -1, err)
	}
	if len(p.queue) > 0 {
		return p.queue[0].createdNanos + int64(s.cfg.DeliveryTimeout)
	}
	return now + int64(s.cfg.DeliveryTimeout)
}

// completeBatch runs every record's callback, once, in offset order, then
// gives the batch's memory back (SEED-NOTES.md §8: completion).
func (s *sender) completeBatch(b *batch, baseOffset, logAppendTime int64, err error) {
	n := b.recordCountOrSettled()
	s.runCallbacks(b, int(n), baseOffset, logAppendTime, err)
	if err == nil {
		s.idem.onBatchAcked(b)
		s.p.stats.recordsSent.Add(int64(n))
		s.p.stats.bytesSent.Add(int64(len(b.wireBytes)))
		s.p.stats.batchesSent.Add(1)
	} else {
		s.p.stats.recordsFailed.Add(int64(n))
	}
	b.completions.release()
	s.freeSpan(b.span)
	b.span = arena.Span{}
	s.p.recordsDone(int64(n))
	b.releaseFlushWaiters()
}

func (b *batch) recordCountOrSettled() int32 {
	if b.wireBytes != nil {
		return b.recordCount
	}
	_, count, _ := unpackReservation(b.reservation.Load())
	return count
}

// freeSpan returns memory the sender holds; failing to is a bug.
func (s *sender) freeSpan(sp arena.Span) {
	if err := s.arena.Free(sp); err != nil {
		panic(err)
	}
}

// failEverything ends every record the producer still holds with err:
// Close with an expired context (Java's forced close).
func (s *sender) failEverything(err error) {
	for _, c := range s.conns {
		// Close first: the transport must let go of the batches' bytes
		// before their memory goes back to the arena.
		if c.state != connDown {
			s.net.CloseConnection(netpoll.ID(c.node))
			c.state = connDown
		}
		inFlight := c.inFlight
		c.inFlight = nil
		for _, r := range inFlight {
			for _, b := range r.batches {
				b.part.inFlight--
				s.completeBatch(b, -1, -1, err)
			}
			s.recycle(r)
		}
	}
	for _, p := range s.partitions {
		for _, b := range p.queue {
			s.completeBatch(b, -1, -1, err)
		}
		p.queue = p.queue[:0]
		for {
			b := p.cursor.next.Load()
			if b == nil {
				break
			}
			b.close()
			if ok, _, _ := b.settled(); !ok {
				break // an appender is mid-copy; the next loop gets it
			}
			p.cursor = b
			s.completeBatch(b, -1, -1, err)
		}
	}
}
