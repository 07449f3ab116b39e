package core

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
)

// onProduce settles every batch of a Produce request from its response:
// written, retried, or failed (Java's Sender.handleProduceResponse).
func (s *sender) onProduce(c *brokerConn, r *request, body []byte, now int64) {
	resp := &s.produceResp
	if err := resp.Decode(body, r.version); err != nil {
		// The batches' fate is unknown: retry them (idempotence makes a
		// duplicate harmless) and drop the connection that spoke garbage.
		err = fmt.Errorf("%w: undecodable Produce response: %w", wire.ErrNetworkException, err)
		for _, b := range r.batches {
			s.batchFailed(b, err, now)
		}
		s.dropConnection(c, err, now)
		return
	}
	s.p.stats.requests.Add(1)
	s.nodeMetrics(c).latencyNanos.add(now-r.sentNanos, 1, now-r.sentNanos)
	s.p.metrics.throttleMillis.add(int64(resp.ThrottleMillis), 1, int64(resp.ThrottleMillis))
	s.answer(r, now)
	defer s.answered()
	answers := answerFinder{resp: resp, version: r.version}
	for _, b := range r.batches {
		pr := answers.find(b)
		if pr == nil {
			s.batchFailed(b, fmt.Errorf("%w: the broker's answer left out %s-%d", wire.ErrNetworkException, b.part.topic.name, b.part.index), now)
			continue
		}
		err := pr.Err()
		switch {
		case err == nil, errors.Is(err, wire.ErrDuplicateSequenceNumber):
			// A duplicate is a batch the broker already has: delivered.
			s.batchWritten(b, pr.BaseOffset, pr.LogAppendTime)
		default:
			if pr.ErrorMessage != nil {
				err = fmt.Errorf("%w: %s", err, *pr.ErrorMessage)
			}
			s.batchFailed(b, err, now)
		}
	}
}

// answerFinder finds batches' answers in a Produce response. Brokers answer
// partitions in the order the request named them, which is the order of
// its batches, so it looks first right after the answer it found last: a
// response for n partitions costs O(n), not O(n²) (a request may carry a
// batch for each of 10,000 partitions). Answers in any other order are
// still found, by a search.
type answerFinder struct {
	resp    *wire.ProduceResponse
	version int16
	// topic and next: where the answer after the last one found is.
	topic, next int
}

// find returns b's answer, or nil when the response has none.
func (f *answerFinder) find(b *batch) *wire.ProducePartitionResponse {
	topics := f.resp.Topics
	if f.topic < len(topics) && f.next == len(topics[f.topic].Partitions) {
		f.topic, f.next = f.topic+1, 0
	}
	if f.topic < len(topics) {
		rt := &topics[f.topic]
		if f.names(rt, b.part.topic) && f.next < len(rt.Partitions) && rt.Partitions[f.next].Partition == b.part.index {
			f.next++
			return &rt.Partitions[f.next-1]
		}
	}
	for i := range topics {
		rt := &topics[i]
		if !f.names(rt, b.part.topic) {
			continue
		}
		for j := range rt.Partitions {
			if rt.Partitions[j].Partition == b.part.index {
				f.topic, f.next = i, j+1
				return &rt.Partitions[j]
			}
		}
	}
	return nil
}

// names reports whether rt is t's answer: by topic id from Produce v13 on,
// by name before.
func (f *answerFinder) names(rt *wire.ProduceTopicResponse, t *topicState) bool {
	if f.version >= 13 {
		return rt.ID == t.id
	}
	return rt.Name == t.name
}

// batchWritten completes a batch in flight that the broker acknowledged.
func (s *sender) batchWritten(b *batch, baseOffset, logAppendTime int64) {
	b.part.inFlight--
	s.idem.onAcked(b)
	s.completeBatch(b, baseOffset, logAppendTime, nil)
}

// batchFailed settles a failed attempt of a batch that was in flight: the
// batch is split (too large), retried, or failed for good.
func (s *sender) batchFailed(b *batch, err error, now int64) {
	b.part.inFlight--
	if mayHaveBeenWritten(err) {
		b.maybeWritten = true
	}
	if errors.Is(err, wire.ErrMessageTooLarge) {
		// The same bytes are refused every time: no attempt wrote them.
		b.maybeWritten = false
		if b.recordCount > 1 && !b.reported {
			splitErr := s.split(b, true)
			if splitErr == nil {
				return
			}
			err = fmt.Errorf("%w (splitting the batch failed: %w)", err, splitErr)
		}
		err = fmt.Errorf("%w: the broker refused a %d-byte batch of %d record(s) for %s-%d: %w",
			ErrRecordTooLarge, len(b.wireBytes), b.recordCount, b.part.topic.name, b.part.index, err)
	}
	verdict := s.idem.onError(s, b, err)
	if verdict == verdictWritten {
		// Proven written, but the broker's answer with its offset is lost.
		s.completeBatch(b, -1, -1, nil)
		return
	}
	if verdict == verdictRetry || wire.IsRetriable(err) {
		if needsMetadata(err) {
			s.meta.requestRefresh()
		}
		switch {
		case b.reported:
			// delivery.timeout.ms passed while it was in flight: its
			// records have failed already.
		case b.attempts > s.cfg.Retries:
			err = fmt.Errorf("giving up after %d attempts (retries): %w", b.attempts, err)
		case s.expired(b, now):
			err = fmt.Errorf("%w: delivery.timeout.ms (%v) passed while retrying: %w", ErrTimeout, s.cfg.DeliveryTimeout, err)
		default:
			s.p.stats.retries.Add(1)
			s.p.metrics.recordRetries.Add(int64(b.recordCount))
			s.log.Debug("retrying batch", "topic", b.part.topic.name, "partition", b.part.index, "sequence", b.sequence,
				"attempt", b.attempts, "error", err)
			s.requeue(b)
			b.retryAtNanos = now
			if verdict != verdictRetry || !s.waitsOnAnother(b) {
				b.retryAtNanos += int64(backoff(s.cfg.RetryBackoff, s.cfg.RetryBackoffMax, b.attempts))
			}
			return
		}
	}
	s.batchFailedForGood(b, err)
}

// batchFailedForGood fails a batch's records with err, marked
// ErrMaybeWritten when an earlier attempt may have written them, and
// settles its sequence numbers.
func (s *sender) batchFailedForGood(b *batch, err error) {
	if b.maybeWritten {
		err = fmt.Errorf("%w (%w)", err, ErrMaybeWritten)
	}
	s.idem.onFailed(s, b)
	s.completeBatch(b, -1, -1, err)
}

// needsMetadata reports whether err says the cluster view is out of date.
func needsMetadata(err error) bool {
	return errors.Is(err, wire.ErrNotLeaderOrFollower) || errors.Is(err, wire.ErrUnknownTopicOrPartition) ||
		errors.Is(err, wire.ErrLeaderNotAvailable) || errors.Is(err, wire.ErrNetworkException) ||
		errors.Is(err, wire.ErrFencedLeaderEpoch) || errors.Is(err, wire.ErrUnknownLeaderEpoch) ||
		errors.Is(err, wire.ErrUnknownTopicID)
}

// unwrittenCodes are the broker answers given before anything of the batch
// is appended: validation, authorization, leadership and sequence checks.
// Every other answer, and a lost one, may come after the append (a timeout
// waiting for replicas, leadership lost while waiting for them with
// acks=all, a storage error).
var unwrittenCodes = map[int16]bool{}

func init() {
	for _, e := range []*wire.KafkaError{
		wire.ErrCorruptMessage, wire.ErrUnknownTopicOrPartition, wire.ErrLeaderNotAvailable,
		wire.ErrMessageTooLarge, wire.ErrInvalidTopicException, wire.ErrRecordListTooLarge,
		wire.ErrNotEnoughReplicas, wire.ErrInvalidRequiredAcks, wire.ErrTopicAuthorizationFailed,
		wire.ErrClusterAuthorizationFailed, wire.ErrInvalidTimestamp, wire.ErrBrokerUnsupportedVersion,
		wire.ErrUnsupportedForMessageFormat, wire.ErrPolicyViolation, wire.ErrOutOfOrderSequenceNumber,
		wire.ErrInvalidProducerEpoch, wire.ErrInvalidTxnState, wire.ErrInvalidProducerIDMapping,
		wire.ErrUnknownProducerID, wire.ErrFencedLeaderEpoch, wire.ErrUnknownLeaderEpoch,
		wire.ErrUnsupportedCompressionType, wire.ErrInvalidRecord, wire.ErrUnknownTopicID,
	} {
		unwrittenCodes[e.Code] = true
	}
}

// mayHaveBeenWritten reports whether the broker may have appended a batch
// whose attempt ended with err.
func mayHaveBeenWritten(err error) bool {
	var ke *wire.KafkaError
	return !errors.As(err, &ke) || !unwrittenCodes[ke.Code]
}

// requeue puts a batch back among its partition's waiting batches, in its
// place by order, so retries leave in the order the records were appended
// (and, with idempotence, in sequence order).
func (s *sender) requeue(b *batch) {
	p := b.part
	if !b.retrying {
		b.retrying = true
		p.retrying++
	}
	p.queue = slices.Insert(p.queue, queuePosition(p, b.order), b)
	s.readyList.list(p)
}

// waitsOnAnother reports whether a queued batch waits on something other
// than time: an earlier batch of its partition (queued before it, or in
// flight) or a new producer id. Only such a batch may retry without a
// backoff; one that waits on nothing would otherwise go again at once.
func (s *sender) waitsOnAnother(b *batch) bool {
	p := b.part
	return p.queue[0] != b || p.inFlight > 0 || p.seq.restart
}

// queuePosition is where a batch of the given order goes in p's queue.
func queuePosition(p *partition, order uint64) int {
	i, _ := slices.BinarySearchFunc(p.queue, order, func(q *batch, order uint64) int { return cmp.Compare(q.order, order) })
	return i
}

// completeBatch runs every record's callback, once, in offset order (unless
// they have run already), then gives the batch's memory back.
func (s *sender) completeBatch(b *batch, baseOffset, logAppendTime int64, err error) {
	if !b.reported {
		s.completeRecords(b, baseOffset, logAppendTime, err)
	}
	s.releaseBatch(b)
}

// completeRecords runs every record's callback, once, in offset order, and
// counts the records done. The batch's memory stays taken.
func (s *sender) completeRecords(b *batch, baseOffset, logAppendTime int64, err error) {
	n := b.recordCountOrSettled()
	s.runCallbacks(b, int(n), baseOffset, logAppendTime, err)
	if err == nil {
		s.p.stats.recordsSent.Add(int64(n))
		s.p.stats.bytesSent.Add(int64(len(b.wireBytes)))
		s.p.stats.batchesSent.Add(1)
		s.stamp(b)
	} else {
		s.p.stats.recordsFailed.Add(int64(n))
	}
	b.reported = true
	b.releaseCompletions()
	s.p.recordsDone(int64(n))
	b.releaseFlushWaiters()
}

// releaseBatch gives a finished batch's memory back.
func (s *sender) releaseBatch(b *batch) {
	if b.retrying {
		b.retrying = false
		b.part.retrying--
	}
	if b.span != (arena.Span{}) {
		s.freeSpan(b.span)
		b.span = arena.Span{}
	}
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
// Close with an expired context (Java's forced close). A partition's
// batches from the first one still with the compression pool on are left
// for a later loop, once the pool has handed it back, so callbacks still
// run in order.
func (s *sender) failEverything(err error) {
	for _, c := range s.conns {
		// Close first: the transport must let go of the batches' bytes
		// before their memory goes back to the arena.
		if c.state != connDown {
			s.net.CloseConnection(int64(c.node))
			c.state = connDown
		}
		s.recycleAnsweredUnwritten(c)
		inFlight := c.inFlight
		c.inFlight = nil
		s.setInFlight(c)
		for _, r := range inFlight {
			for _, b := range r.batches {
				b.part.inFlight--
				s.completeBatch(b, -1, -1, fmt.Errorf("%w (%w)", err, ErrMaybeWritten))
			}
			s.recycle(r)
		}
	}
	for _, p := range s.partitions {
		failed := 0
		for _, b := range p.queue {
			if b.compressing {
				break
			}
			failed++
			if b.maybeWritten {
				s.completeBatch(b, -1, -1, fmt.Errorf("%w (%w)", err, ErrMaybeWritten))
				continue
			}
			s.completeBatch(b, -1, -1, err)
		}
		p.queue = slices.Delete(p.queue, 0, failed)
		if len(p.queue) > 0 {
			continue
		}
		for {
			b := p.cursor.next.Load()
			if b == nil {
				break
			}
			b.close()
			if ok, _, _ := b.settled(); !ok {
				break // an appender is mid-copy; the next loop gets it
			}
			p.takeOff(b)
			s.completeBatch(b, -1, -1, err)
		}
	}
}
