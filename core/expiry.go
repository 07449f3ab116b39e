package core

import (
	"fmt"
	"time"
)

// expired reports whether b has outlived delivery.timeout.ms.
func (s *sender) expired(b *batch, now int64) bool {
	return now-b.createdNanos >= int64(s.cfg.DeliveryTimeout)
}

// expiryError is the error of records whose delivery.timeout.ms passed.
func (s *sender) expiryError(b *batch, now int64, where string) error {
	return fmt.Errorf("%w: expiring %d record(s) for %s-%d %s: %v has passed since batch creation (delivery.timeout.ms)",
		ErrTimeout, b.recordCountOrSettled(), b.part.topic.name, b.part.index, where, time.Duration(now-b.createdNanos).Round(time.Millisecond))
}

// expireQueued fails the partition's waiting batches that have outlived
// delivery.timeout.ms. It returns when the oldest remaining one will
// expire. One still with the compression pool expires, with those behind
// it, once the pool hands it back (which wakes the sender).
func (s *sender) expireQueued(p *partition, now int64) int64 {
	for len(p.queue) > 0 && !p.queue[0].compressing && s.expired(p.queue[0], now) {
		b := p.dequeue()
		s.log.Warn("a batch expired before it could be sent", "topic", p.topic.name, "partition", p.index,
			"records", b.recordCountOrSettled(), "attempts", b.attempts, "sequence", b.sequence,
			"batches_in_flight", p.inFlight, "in_flight_to", p.inFlightNode, "retrying", p.retrying, "queued", len(p.queue),
			"acked_sequence", p.seq.acked, "next_sequence", p.seq.next, "restart", p.seq.restart, "renumbered", p.seq.renumbered,
			"stale_for", time.Duration(p.staleUntil-now), "retry_in", time.Duration(b.retryAtNanos-now))
		s.batchFailedForGood(b, s.expiryError(b, now, "waiting to be sent"))
	}
	if len(p.queue) > 0 && !p.queue[0].compressing {
		return p.queue[0].createdNanos + int64(s.cfg.DeliveryTimeout)
	}
	return now + int64(s.cfg.DeliveryTimeout)
}

// expireInFlight fails the records of batches in flight that have outlived
// delivery.timeout.ms, as Java's Sender does: delivery.timeout.ms bounds
// the time from Send to the outcome, whatever the broker does. The batches
// stay with their requests (the transport may still be writing their
// bytes) and are settled when those end; a batch whose fate the broker
// never told leaves its partition's sequence unresolved (see idempotence).
// It returns when it next needs to look.
func (s *sender) expireInFlight(now int64) int64 {
	if now < s.inFlightExpiry {
		return s.inFlightExpiry
	}
	next := now + int64(s.cfg.DeliveryTimeout)
	for _, c := range s.conns {
		for _, r := range c.inFlight {
			for _, b := range r.batches {
				if b.reported {
					continue
				}
				if s.expired(b, now) {
					s.completeRecords(b, -1, -1, fmt.Errorf("%w (%w)", s.expiryError(b, now, "in flight"), ErrMaybeWritten))
					continue
				}
				next = min(next, b.createdNanos+int64(s.cfg.DeliveryTimeout))
			}
		}
	}
	s.inFlightExpiry = next
	return next
}
