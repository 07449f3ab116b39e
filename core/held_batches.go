package core

// heldBatches lists partitions whose open batch has lingered linger.ms and
// is kept open until an event: the answer of a broker (brokerConn.held),
// or the compression pool handing a batch back (sender.compressHeld).
// Entries of partitions woken since are stale.
type heldBatches struct {
	parts []*partition
}

// holdFor reports what b, p's open batch, lingered linger.ms, should wait
// for while it stays open, and marks b held for it; or nil to close b now:
//   - with a codec, room in the compression pool, while it has its backlog
//     (compressPool.backlog) of batches: closed now, it would only queue
//     behind them. Each batch the pool hands back wakes one held partition,
//     the one held longest, whose batch then goes (a batch is held for the
//     pool once, so a pool kept busy delays no batch for long);
//   - an answer of its leader, while the leader's connection has
//     max.in.flight.requests.per.connection requests out or the partition
//     that many batches: closed now, the batch could not go before an answer
//     anyway, and the records that come meanwhile would open another batch.
//     So a batch stays open until a request can take it, as in Java's
//     RecordAccumulator, which closes a batch when it drains it into a
//     request, not when linger.ms passes;
//   - an answer of its leader while any request to it is in flight: without
//     a codec, until the connection is idle or a request going to the
//     broker anyway takes the batch along (see harvestHeld); with a codec,
//     once, as nothing can take it along.
//
// Answers wake held batches a request's worth at a time, oldest first;
// without a codec, only the answer that leaves the connection idle does
// (see wakeHeldAfterAnswer). A request takes along as many as fit. A batch
// with batches of its partition queued ahead of it is not closed either
// (see pull), so it is held only once it is the partition's next to go.
//
// This is TCP's Nagle rule applied to batches: under load, when a broker's
// round trip or the compression backlog is longer than linger.ms, batches
// that are not full go one request at a time per broker and grow to what
// arrives meanwhile instead of what arrives in linger.ms (with thousands of
// partitions, one or two records), so there are fewer, fuller batches to
// compress, send and store; full batches still go with up to
// max.in.flight.requests.per.connection requests out. Without load nothing
// is in flight or compressing, and nothing waits past linger.ms. Nothing
// is held but for a saturated connection with linger.ms at 0, which asks to
// send at once; nothing at all for a full batch (an appender closes it), a
// batch Flush or Close wants, or one a Send waiting for memory needs
// (closeAll).
func (s *sender) holdFor(p *partition, b *batch, snap *clusterSnapshot) *heldBatches {
	if s.pool != nil && s.compressing >= s.pool.backlog && !b.heldForPool && s.cfg.Linger > 0 {
		b.heldForPool = true
		return &s.compressHeld
	}
	node, partitionFull := p.leader(snap), p.inFlight >= s.cfg.MaxInFlight
	if partitionFull {
		// Only an answer from where its batches are can free the partition.
		node = p.inFlightNode
	}
	if node < 0 {
		return nil
	}
	c := s.conns[node]
	if c == nil || c.state != connReady {
		return nil
	}
	switch {
	case partitionFull || len(c.inFlight) >= s.cfg.MaxInFlight:
		// Held until an answer frees room: closed now, it could not go.
	case len(c.inFlight) == 0 || s.cfg.Linger <= 0:
		return nil
	case b.heldForBroker && s.pool != nil:
		return nil // once: no request to the broker can take it along
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
func (s *sender) wakeHeld(h *heldBatches) { s.wakeHeldUpTo(h, -1, -1) }

// wakeHeldUpTo lists again the partitions held in h, oldest first, until
// their open batches hold budget bytes (at least one partition) or parts
// partitions are woken; a negative bound is none. A broker's answer frees
// room for one request, and batches woken beyond what it carries would be
// closed to wait in a queue while their partitions' new records open new
// batches; a batch the compression pool hands back frees room for one
// batch. The rest stay held, open, for the next event.
func (s *sender) wakeHeldUpTo(h *heldBatches, budget, parts int) {
	used, i := 0, 0
	for ; i < len(h.parts) && parts != 0; i++ {
		p := h.parts[i]
		if p.heldBy != h {
			h.parts[i] = nil
			continue // stale
		}
		parts--
		if budget >= 0 {
			size := 0
			if b := p.first(); b != nil {
				size, _, _ = unpackReservation(b.reservation.Load())
			}
			if used > 0 && used+size > budget {
				break
			}
			used += size
		}
		h.parts[i] = nil
		p.heldBy = nil
		if p.listed.CompareAndSwap(false, true) {
			s.active = append(s.active, p)
		}
		// Else an appender listed it since: it is on the stack.
	}
	n := copy(h.parts, h.parts[i:])
	clear(h.parts[n:])
	h.parts = h.parts[:n]
}

// wakeHeldAfterAnswer wakes a request's worth of the partitions held for
// c's broker, whose answer (or, at acks=0, whose request written) has just
// freed room for a request. Without a codec and with linger.ms above 0,
// while other requests to the broker are still out, it wakes none: holdFor
// would hold each again, for a request in flight, and the visit would only
// cost the sender its partition's and batch's cache lines. With 1 KiB
// records at 10,000 keyed partitions that was one visit in five, and half
// the holds. They wake when the connection falls idle, when a request to
// the broker takes them along (see harvestHeld), or when it is lost.
func (s *sender) wakeHeldAfterAnswer(c *brokerConn) {
	if s.pool == nil && s.cfg.Linger > 0 && len(c.inFlight) > 0 {
		return
	}
	s.wakeHeldUpTo(&c.held, s.cfg.MaxRequestSize, -1)
}

// wakeAllHeld wakes every held partition: Flush, Close or a Send waiting
// for memory wants every batch to go.
func (s *sender) wakeAllHeld() {
	s.wakeHeld(&s.compressHeld)
	for _, c := range s.conns {
		s.wakeHeld(&c.held)
	}
}

// harvestHeld adds batches held for c's answer to the request about to go
// to c, the oldest first, as many as fit beside the batches of parts, the
// partitions already going: it costs them nothing to go now. The partitions
// are woken and visited again, this time without holding; it returns when
// they next need a look. Without a codec only: a batch closed now must be
// compressed before it can go, and would miss the request.
func (s *sender) harvestHeld(c *brokerConn, parts []*partition, snap *clusterSnapshot, now int64) int64 {
	next := now + int64(s.cfg.DeliveryTimeout)
	if s.pool != nil {
		return next
	}
	room := s.cfg.MaxRequestSize
	for _, p := range parts {
		room -= p.queue[0].requestBytes()
	}
	if room <= 0 {
		return next
	}
	woken := len(s.active)
	s.wakeHeldUpTo(&c.held, room, -1)
	for _, p := range s.active[woken:] {
		s.visits++
		next = min(next, s.visit(p, snap, now, closeWoken))
	}
	return next
}
