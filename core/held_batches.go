package core

// heldBatches lists partitions whose open batch has lingered linger.ms and
// is kept open until an event: the answer of a broker (brokerConn.held),
// or the compression pool running dry (sender.compressHeld). Entries of
// partitions woken since are stale.
type heldBatches struct {
	parts []*partition
}

// holdFor reports what b, p's open batch, lingered linger.ms, should wait
// for while it stays open, and marks b held for it; or nil to close b now:
//   - with a codec, the compression pool running dry: closed now, it would
//     only queue behind the batches the pool has;
//   - its leader's next answer, while a request to it is in flight. The
//     answer wakes the sender, and the batch goes then with every record
//     that joined it meanwhile; without a codec, a request to that broker
//     sent before takes it along (see harvestHeld).
//
// This is TCP's Nagle rule applied to batches: under load, when a broker's
// round trip or the compression backlog is longer than linger.ms, batches
// grow to what arrives in that time instead of what arrives in linger.ms
// (with thousands of partitions, one or two records), so there are fewer,
// fuller batches to compress, send and store. Without load nothing is in
// flight or compressing, and nothing waits past linger.ms. A batch is held
// at most once for each: a broker kept busy by other partitions delays it
// by one answer, a pool kept busy by them until it catches up (or, when it
// never does, until Sends wait for memory, which sends everything). Nothing is held with linger.ms at 0, which asks to
// send at once, nor a full batch (an appender closes it), a batch Flush or
// Close wants, or one a Send waiting for memory needs (drainAll).
func (s *sender) holdFor(p *partition, b *batch, snap *clusterSnapshot) *heldBatches {
	if s.cfg.Linger <= 0 {
		return nil
	}
	if s.compressing > 0 && !b.heldForPool {
		b.heldForPool = true
		return &s.compressHeld
	}
	leader := p.leader(snap)
	if b.heldForBroker || leader < 0 {
		return nil
	}
	c := s.conns[leader]
	if c == nil || c.state != connReady || len(c.inFlight) == 0 {
		return nil
	}
	b.heldForBroker = true
	return &c.held
}

// hold files p under h until h's event.
func (s *sender) hold(p *partition, h *heldBatches) {
	p.heldBy = h
	h.parts = append(h.parts, p)
}

// wakeHeld lists again the partitions held in h: its event came, or
// everything must go now.
func (s *sender) wakeHeld(h *heldBatches) {
	for i, p := range h.parts {
		h.parts[i] = nil
		if p.heldBy != h {
			continue // stale
		}
		p.heldBy = nil
		if p.listed.CompareAndSwap(false, true) {
			s.active = append(s.active, p)
		}
		// Else an appender listed it since: it is on the stack.
	}
	h.parts = h.parts[:0]
}

// wakeAllHeld wakes every held partition: Flush, Close or a Send waiting
// for memory wants every batch to go.
func (s *sender) wakeAllHeld() {
	s.wakeHeld(&s.compressHeld)
	for _, c := range s.conns {
		s.wakeHeld(&c.held)
	}
}

// harvestHeld adds the batches held for c's answer to the request about
// to go to c: it costs them nothing to go now. The partitions are woken
// and visited again, this time without holding; it returns when they next
// need a look. Without a codec only: a batch closed now must be compressed
// before it can go, and would miss the request.
func (s *sender) harvestHeld(c *brokerConn, snap *clusterSnapshot, now int64) int64 {
	next := now + int64(s.cfg.DeliveryTimeout)
	if s.pool != nil {
		return next
	}
	woken := len(s.active)
	s.wakeHeld(&c.held)
	for _, p := range s.active[woken:] {
		s.visits++
		next = min(next, s.visit(p, snap, now, false, false))
	}
	return next
}
