package core

// forEachBatch calls fn for every batch of p the sender holds: waiting in
// its queue (inFlight false) or in flight.
func (s *sender) forEachBatch(p *partition, fn func(b *batch, inFlight bool)) {
	for _, b := range p.queue {
		fn(b, false)
	}
	if p.inFlight == 0 {
		return
	}
	if c := s.conns[p.inFlightNode]; c != nil {
		for _, r := range c.inFlight {
			for _, b := range r.batches {
				if b.part == p {
					fn(b, true)
				}
			}
		}
	}
}

// unwrittenFrom records that the broker holds no batch of p from sequence
// from on: it checks continuity, so once one batch is proven unwritten
// every later one of the same producer id is too.
func (s *sender) unwrittenFrom(p *partition, from int32) {
	s.forEachBatch(p, func(b *batch, _ bool) {
		if b.sequence >= 0 && sequenceDistance(from, b.sequence) >= 0 {
			b.maybeWritten = false
		}
	})
}

// lowerSequencesAfter gives the numbers of failed, an unwritten batch that
// will not be sent again, to its partition's later batches (Java's
// adjustSequencesDueToFailedBatch): without that the broker would wait
// forever for failed's sequence. Those batches cannot have been written
// either (the broker checks continuity), so renumbering them cannot write
// anything twice. One still in flight gets its new number on its next
// attempt, after the OUT_OF_ORDER_SEQUENCE_NUMBER its present one earns.
func (s *sender) lowerSequencesAfter(failed *batch) {
	p := failed.part
	q := &p.seq
	n := failed.recordCount
	s.forEachBatch(p, func(b *batch, inFlight bool) {
		if b == failed || b.sequence < 0 || sequenceDistance(failed.sequence, b.sequence) <= 0 {
			return
		}
		b.maybeWritten = false
		b.resequenced = b.resequenced || inFlight
		b.sequence = wrapSequence(b.sequence, -n)
		b.setProducer(q.session.id, q.session.epoch, b.sequence)
		// A copy under its old number may still land (see
		// idempotence.sendable). One in flight now may lose its copy
		// later: wait for its answer too.
		q.renumbered = q.renumbered || b.lostCopy || inFlight
	})
	q.next = wrapSequence(q.next, -n)
	if q.unresolved && sequenceDistance(failed.sequence, q.unresolvedEnd) > 0 {
		q.unresolvedEnd = wrapSequence(q.unresolvedEnd, -n)
	}
}

// setProducer stamps b's header with its producer id, epoch and base
// sequence. A batch already sealed is sealed again before it next goes out
// (its bytes may be on their way to the kernel now).
func (b *batch) setProducer(id int64, epoch int16, sequence int32) {
	b.header.ProducerID, b.header.ProducerEpoch, b.header.BaseSequence = id, epoch, sequence
	b.stale = b.wireBytes != nil
}
