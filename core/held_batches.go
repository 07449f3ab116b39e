package core

// holdOpen reports the broker whose answer p's open batch, lingered
// linger.ms, should wait for while it stays open: p's leader, when a
// request to it is in flight. The answer wakes the sender (see wakeHeld),
// and the batch goes then with every record that joined it meanwhile; a
// request to that broker sent earlier takes it along (see harvestHeld).
// This is TCP's Nagle rule applied to batches: under load, when the
// broker's round trip is longer than linger.ms, batches grow to what
// arrives in a round trip instead of what arrives in linger.ms (with
// thousands of partitions, one or two records), so the broker gets fewer,
// fuller batches; without load nothing is in flight and nothing waits
// past linger.ms. It holds nothing with linger.ms at 0, which asks to send
// at once, and never a full batch (an appender closes it), a batch Flush
// or Close wants, or one a Send waiting for memory needs (drainAll).
func (s *sender) holdOpen(p *partition, snap *clusterSnapshot) *brokerConn {
	if s.cfg.Linger <= 0 {
		return nil
	}
	leader := p.leader(snap)
	if leader < 0 {
		return nil
	}
	c := s.conns[leader]
	if c == nil || c.state != connReady || len(c.inFlight) == 0 {
		return nil
	}
	return c
}

// hold files p under c until c answers.
func (s *sender) hold(p *partition, c *brokerConn) {
	if p.heldBy != c {
		p.heldBy = c
		c.held = append(c.held, p)
	}
}

// wakeHeld lists again the partitions held for c's answer: it came, or the
// connection is gone, or everything must go now.
func (s *sender) wakeHeld(c *brokerConn) {
	for i, p := range c.held {
		c.held[i] = nil
		if p.heldBy != c {
			continue // stale: woken already, or held for another broker
		}
		p.heldBy = nil
		if p.listed.CompareAndSwap(false, true) {
			s.active = append(s.active, p)
		}
		// Else an appender listed it since: it is on the stack.
	}
	c.held = c.held[:0]
}

// harvestHeld adds the batches held for c's answer to the request about
// to go to c: it costs them nothing to go now. The partitions are woken
// and visited again, this time without holding; it returns when they next
// need a look.
func (s *sender) harvestHeld(c *brokerConn, snap *clusterSnapshot, now int64) int64 {
	next := now + int64(s.cfg.DeliveryTimeout)
	woken := len(s.active)
	s.wakeHeld(c)
	for _, p := range s.active[woken:] {
		s.visits++
		next = min(next, s.visit(p, snap, now, false, false))
	}
	return next
}
