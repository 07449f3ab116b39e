package core

import (
	"slices"
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
)

// sendReady takes ready batches off the accumulator, groups them by leader
// and sends one Produce request per broker that can take one (Java's
// Sender.sendProducerData). It looks only at listed partitions, those
// holding batches (see readyList), and returns when it next needs to look:
// the earliest linger or backoff deadline among batches that are not ready
// yet.
func (s *sender) sendReady(now int64) int64 {
	next := now + int64(s.cfg.DeliveryTimeout)
	snap := s.meta.snapshot.Load()
	rule := closeLingered
	switch {
	case s.p.flushing.Load() > 0 || s.stop.Load():
		rule = closeAll
	case s.arena.Waiters() > 0 && !s.memoryComingBack():
		// Sends wait for buffer memory and no answer on its way will free
		// any: only batches that go out can.
		rule = closeAll
	}
	for node, parts := range s.readyByNode {
		s.readyByNode[node] = parts[:0] // keep the backing arrays: no allocation per loop
	}
	listed := len(s.active)
	s.active = s.readyList.takeInto(s.active)
	for _, p := range s.active[listed:] {
		p.lingerUntil = 0 // an appender acted: its timer, if any, is stale
	}
	next = min(next, s.endRoomWaits(snap, now, rule == closeAll || !s.idem.ready()))
	s.wakeLingering(now, rule == closeAll)
	if rule == closeAll {
		s.wakeAllHeld()
	}
	kept := 0
	for i, p := range s.active {
		s.active[i] = nil
		s.visits++
		next = min(next, s.visit(p, snap, now, rule))
		if (len(p.queue) == 0 || p.queue[0].compressing) && s.quiet(p, rule == closeAll) {
			continue
		}
		s.active[kept] = p
		kept++
	}
	s.active = s.active[:kept]
	if len(s.lingering) > 0 {
		next = min(next, s.lingering[0].due)
	}
	if s.cfg.PartitionerAdaptive && now-s.loadUpdatedNanos >= int64(loadUpdateInterval) {
		s.loadUpdatedNanos = now
		s.updatePartitionLoad(snap)
	}
	if !s.idem.ready() {
		if s.idem.refused != nil {
			s.failWaitingForProducerID(s.idem.refused)
		}
		return next
	}
	waiting := false
	for node, parts := range s.readyByNode {
		if len(parts) == 0 {
			continue
		}
		c := s.conn(node, snap.nodes[node])
		if s.ready(c, now) {
			if len(c.held.parts) > 0 {
				next = min(next, s.harvestHeld(c, parts, snap, now))
				parts = s.readyByNode[node]
			}
			s.sendProduce(c, parts, now)
		}
		if s.waitForRoom(node, parts, snap) {
			waiting = true
			next = min(next, s.roomWaits[node].expiry)
		}
	}
	if waiting {
		s.dropWaiting()
	}
	return next
}

// memoryComingBack reports whether a request carrying batches is in
// flight: its answer (or, at acks=0, its write) frees their memory, so
// Sends waiting for memory meanwhile need no batch closed early. Java's
// RecordAccumulator makes every batch ready as soon as its BufferPool has
// a waiter. When the broker is the bottleneck, that cuts every open batch
// short; small batches cost the broker (and the producer) more per record,
// so memory comes back more slowly and the next waiter cuts them shorter
// still. With 1 KiB records at 1,000 keyed partitions, batches held 2.8 KB
// instead of 13 KB, and at 10,000 keyed partitions with a codec some runs
// fell to 2% of their usual rate. Only the sender calls it, and only
// while a Send waits.
func (s *sender) memoryComingBack() bool {
	for _, c := range s.conns {
		for _, r := range c.inFlight {
			if len(r.batches) > 0 {
				return true
			}
		}
	}
	return false
}

// failWaitingForProducerID fails the queued batches of the listed
// partitions, which wait for a producer id the broker refused. None was
// ever sealed, so none was written.
func (s *sender) failWaitingForProducerID(err error) {
	for _, p := range s.active {
		s.failQueued(p, err)
	}
}

// failQueued fails p's queued batches for good with err, up to the first
// one still with the compression pool.
func (s *sender) failQueued(p *partition, err error) {
	for len(p.queue) > 0 && !p.queue[0].compressing {
		b := p.dequeue()
		s.batchFailedForGood(b, err)
	}
}

// quiet unlists p when nothing in it needs the sender before an appender
// acts, linger.ms passes or the compression pool hands its oldest batch
// back: its queue is empty or waits for that batch, and its chain is empty
// or holds one open batch. For an open batch behind an empty queue a timer
// is set; behind a queue, the batch cannot go before the queue does, and
// the pool's hand-back lists p again (see takeCompressed). Without that,
// with a codec at 10,000 keyed partitions, each batch was looked at 33
// times while it was compressed. It reports whether the sender should drop
// p from its slice (see readyList.unlist).
func (s *sender) quiet(p *partition, drainAll bool) bool {
	open := p.first()
	if open != nil && (drainAll || !open.open() || open.next.Load() != nil) {
		return false
	}
	if !s.readyList.unlist(p, open) {
		return false
	}
	if open != nil && len(p.queue) == 0 && !p.listed.Load() {
		due := open.createdNanos + int64(s.cfg.Linger)
		if p.heldBy != nil && due <= s.nowNanos {
			return true // held: its broker's answer wakes it
		}
		s.park(p, due)
	}
	return true
}

// lingerEntry is a partition whose only batch lingers until due.
type lingerEntry struct {
	due int64
	p   *partition
}

// park sets p's timer: the sender looks at p again at due, unless an
// appender lists it first. The heap is kept by hand: container/heap would
// box every entry in an interface, an allocation per park.
func (s *sender) park(p *partition, due int64) {
	p.lingerUntil = due
	s.lingering = append(s.lingering, lingerEntry{due, p})
	// Sift up: lingering is a min-heap by due.
	for i := len(s.lingering) - 1; i > 0; {
		parent := (i - 1) / 2
		if s.lingering[parent].due <= s.lingering[i].due {
			break
		}
		s.lingering[parent], s.lingering[i] = s.lingering[i], s.lingering[parent]
		i = parent
	}
}

// wakeLingering lists again the partitions whose timers are due (all of
// them when drainAll), skipping stale entries.
func (s *sender) wakeLingering(now int64, drainAll bool) {
	for len(s.lingering) > 0 && (drainAll || s.lingering[0].due <= now) {
		e := s.popLingering()
		if e.p.lingerUntil != e.due {
			continue
		}
		e.p.lingerUntil = 0
		if e.p.listed.CompareAndSwap(false, true) {
			s.active = append(s.active, e.p)
		}
		// Else an appender listed it since: it is on the stack.
	}
}

// popLingering takes the earliest entry off the heap.
func (s *sender) popLingering() lingerEntry {
	h := s.lingering
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h[last] = lingerEntry{}
	h = h[:last]
	for i := 0; ; {
		least, l, r := i, 2*i+1, 2*i+2
		if l < len(h) && h[l].due < h[least].due {
			least = l
		}
		if r < len(h) && h[r].due < h[least].due {
			least = r
		}
		if least == i {
			break
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
	s.lingering = h
	return top
}

// visit pulls p's ready batches into its queue, expires those past
// delivery.timeout.ms, and files p under its leader when its oldest batch
// may go now. It returns when p next needs a look.
func (s *sender) visit(p *partition, snap *clusterSnapshot, now int64, rule closeRule) int64 {
	next := min(s.pull(p, snap, now, rule), s.expireQueued(p, now))
	if len(p.queue) == 0 {
		return next
	}
	front := p.queue[0]
	if front.retryAtNanos > now {
		return min(next, front.retryAtNanos)
	}
	if !s.sendable(p, front, now) {
		if s.idem.refused != nil && s.idem.waitsForSession(p) {
			// Its sequences must restart under a producer id the broker
			// refuses: nothing queued can go.
			s.failQueued(p, s.idem.refused)
			return next
		}
		if p.staleUntil > now {
			next = min(next, p.staleUntil) // sendable may wait for it
		}
		return next
	}
	leader := p.leader(snap)
	if leader < 0 {
		s.meta.requestRefresh()
		return next
	}
	if p.inFlight > 0 && leader != p.inFlightNode {
		// The leader moved while batches are out to the old one: a later
		// batch must not overtake them through the new leader. Their
		// answers (NOT_LEADER, or success) come first.
		return next
	}
	s.readyByNode[leader] = append(s.readyByNode[leader], p)
	return next
}

// sendable reports whether p may send its oldest waiting batch, front, now
// that its backoff has passed. A partition never has more than
// max.in.flight.requests.per.connection batches unacknowledged, whatever
// the connections they are on (with 1, as Java mutes a partition, its
// batches go one at a time); while one of its batches waits to retry it
// sends one batch at a time, oldest first, so nothing newer overtakes the
// retry (order) or pushes it out of the broker's de-duplication window.
// A batch still with the compression pool is not ready: the partition waits
// for it.
func (s *sender) sendable(p *partition, front *batch, now int64) bool {
	if front.compressing || p.inFlight >= s.cfg.MaxInFlight || p.retrying > 0 && p.inFlight > 0 {
		return false
	}
	return s.idem.sendable(s, p, front, now)
}

// loadUpdateInterval spaces partition-load updates: queue lengths change
// with every drain, and a fresh weight table on each loop would cost an
// allocation per loop for no better spread.
const loadUpdateInterval = 5 * time.Millisecond

// updatePartitionLoad tells each topic's sticky partitioner how many
// batches wait per partition, so records without a key lean towards the
// partitions whose queues are short (KIP-794 adaptive partitioning).
// Partitions without a leader are left out, and topics whose records all
// had keys (or partitions) so far.
func (s *sender) updatePartitionLoad(snap *clusterSnapshot) {
	for _, t := range snap.topics {
		if len(t.partitions) < 2 || !t.state.sticky.used() {
			continue // keyed records alone: no partitioner to tell
		}
		s.loadSizes, s.loadPartitions = s.loadSizes[:0], s.loadPartitions[:0]
		for i, pm := range t.partitions {
			if pm.leader < 0 {
				continue
			}
			queued := int32(len(pm.part.queue))
			if pm.part.first() != nil {
				queued++ // the open batch, still on the chain
			}
			s.loadSizes = append(s.loadSizes, queued)
			s.loadPartitions = append(s.loadPartitions, int32(i))
		}
		t.state.sticky.updateLoad(s.loadSizes, s.loadPartitions, len(t.partitions))
	}
}

// leader is the partition's leader in snap, or -1. The answer is kept
// until the next snapshot, so a steady loop does no map lookup per
// partition.
func (p *partition) leader(snap *clusterSnapshot) int32 {
	if p.leaderVersion == snap.version+1 {
		return p.leaderNode
	}
	p.leaderNode = -1
	if t := snap.topics[p.topic.name]; t != nil && int(p.index) < len(t.partitions) {
		p.leaderNode = t.partitions[p.index].leader
	}
	p.leaderVersion = snap.version + 1
	return p.leaderNode
}

// closeRule says which open batches a visit closes (see pull).
type closeRule uint8

const (
	// closeLingered: a batch that has lingered linger.ms, unless it is
	// held open (see holdFor).
	closeLingered closeRule = iota
	// closeWoken: a batch that has lingered, held or not: a request going
	// to its broker takes it along (see harvestHeld).
	closeWoken
	// closeAll: every batch: for Flush, Close, and Sends waiting for
	// buffer memory while no request in flight will free any, since only
	// batches that go out do (see memoryComingBack).
	closeAll
)

// pull moves batches that are ready from the partition's chain to its
// queue: full ones, and the open one as rule says. Besides, a batch stays
// open while batches of its partition wait in the queue ahead of it, as in
// Java's RecordAccumulator, which closes a batch when it drains it into a
// request: it could not go before them, and records that come meanwhile
// join it rather than a new batch. It returns when the open batch will
// have lingered enough.
func (s *sender) pull(p *partition, snap *clusterSnapshot, now int64, rule closeRule) int64 {
	for {
		b := p.first()
		if b == nil {
			return now + int64(time.Hour)
		}
		if b.open() {
			if rule != closeAll {
				if due := b.createdNanos + int64(s.cfg.Linger); now < due {
					return due
				}
				if len(p.queue) > 0 {
					return now + int64(time.Hour) // visited again while it has a queue
				}
				if rule != closeWoken {
					if h := s.holdFor(p, b, snap); h != nil {
						s.hold(p, h)
						return now + int64(time.Hour)
					}
				}
			}
			b.close()
		}
		settled, count, end := b.settled()
		if !settled {
			// An appender is still copying its record in; it wakes the
			// sender when it is done (see batch.tryAppend).
			return now + int64(time.Hour)
		}
		p.takeOff(b)
		p.learnBatchSize(end, s.cfg.BatchSize, s.batchFloor)
		if count == 0 {
			b.releaseFlushWaiters()
			s.p.acc.discard(b)
			continue
		}
		p.pulled++
		b.order = p.pulled * orderSpacing
		p.queue = append(p.queue, b)
		if s.pool != nil {
			s.compressLater(b)
		}
	}
}

// sendProduce drains one batch from each ready partition led by c's broker
// into one Produce request, up to max.request.size, and stages it.
func (s *sender) sendProduce(c *brokerConn, parts []*partition, now int64) {
	version, _ := c.versions.Version(wire.APIKeyProduce)
	r := s.newRequest(wire.APIKeyProduce, version)
	size := 0
	// Start at a rotating position so no partition is always last
	// (Java's drainIndex).
	s.rotation++
	start := s.rotation % len(parts)
	for i := range parts {
		p := parts[(start+i)%len(parts)]
		b, err := s.sealFront(p)
		if err != nil {
			p.dequeue()
			s.batchFailedForGood(b, err)
			continue
		}
		if len(r.batches) > 0 && size+len(b.wireBytes) > s.cfg.MaxRequestSize {
			break
		}
		size += len(b.wireBytes)
		p.dequeue()
		p.inFlight++
		p.inFlightNode = c.node
		b.attempts++
		b.resequenced = false
		r.batches = append(r.batches, b)
	}
	if len(r.batches) == 0 {
		s.recycle(r)
		return
	}
	s.p.metrics.countDrained(r.batches, now)
	s.buildProduce(r)
	var err error
	r.scratch, r.segments, err = s.produceRequest.AppendSegments(r.scratch[:0], r.segments[:0], version, r.correlation, s.cfg.ClientID)
	if err != nil {
		// Only an unsupported version fails here; Negotiate prevents it.
		panic(err)
	}
	r.noResponse = s.cfg.Acks == AcksNone
	for _, b := range r.batches {
		s.inFlightExpiry = min(s.inFlightExpiry, b.createdNanos+int64(s.cfg.DeliveryTimeout))
	}
	s.stage(c, r, now)
}

// buildProduce fills the reusable ProduceRequest with r's batches, grouped
// by topic.
func (s *sender) buildProduce(r *request) {
	q := &s.produceRequest
	q.Acks = s.cfg.Acks
	q.TimeoutMillis = int32(s.cfg.RequestTimeout / time.Millisecond)
	for i := range q.Topics {
		q.Topics[i].Partitions = q.Topics[i].Partitions[:0]
	}
	q.Topics = q.Topics[:0]
	for _, b := range r.batches {
		t := b.part.topic
		var pt *wire.ProduceTopic
		for i := range q.Topics {
			if q.Topics[i].Name == t.name {
				pt = &q.Topics[i]
				break
			}
		}
		if pt == nil {
			if len(q.Topics) < cap(q.Topics) {
				q.Topics = q.Topics[:len(q.Topics)+1]
			} else {
				q.Topics = append(q.Topics, wire.ProduceTopic{})
			}
			pt = &q.Topics[len(q.Topics)-1]
			pt.Name, pt.ID = t.name, t.id
			pt.Partitions = pt.Partitions[:0]
		}
		pt.Partitions = append(pt.Partitions, wire.ProducePartition{Partition: b.part.index, Records: b.wireBytes})
	}
}

// sealFront seals p's oldest waiting batch and returns it. A batch never
// sent that is larger than its topic has since been found to accept (see
// topicState.batchLimit) is split first, without a round trip to a broker
// that would refuse it; so are the halves of such splits, in turn.
func (s *sender) sealFront(p *partition) (*batch, error) {
	for {
		b := p.queue[0]
		if err := s.seal(b); err != nil || !overLimit(b) {
			return b, err
		}
		p.dequeue()
		if err := s.split(b, false); err != nil {
			// Send it whole: the broker has the last word.
			p.queue = slices.Insert(p.queue, 0, b)
			return b, nil
		}
	}
}

// overLimit reports whether b, sealed and never sent, holds more than one
// record in more bytes than its topic's learnt batch limit.
//
// A compressed batch built in the arena is judged by its records'
// uncompressed size: the limit was learnt in those units (split measures
// the records it reads back), while the broker's max.message.bytes bounds
// the compressed batch, a size the limit does not tell. Such batches were
// built before the limit was learnt, so decompressing them again is rare.
func overLimit(b *batch) bool {
	limit := int(b.part.topic.batchLimit.Load())
	if limit == 0 || b.attempts > 0 || b.recordCount < 2 {
		return false
	}
	_, _, end := b.settled() // 0 for split halves, built outside the arena
	return max(end, len(b.wireBytes)) > limit
}
