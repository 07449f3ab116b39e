package core

import (
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
)

// sendReady takes ready batches off the accumulator, groups them by leader
// and sends one Produce request per broker that can take one (SEED-NOTES.md
// §7 steps 2-6). It returns when it next needs to look: the earliest linger
// or backoff deadline among batches that are not ready yet.
func (s *sender) sendReady(now int64) int64 {
	next := now + int64(s.cfg.DeliveryTimeout)
	snap := s.meta.snapshot.Load()
	drainAll := s.p.flushing.Load() > 0 || s.stop.Load() || s.arena.Waiters() > 0
	for node, parts := range s.readyByNode {
		s.readyByNode[node] = parts[:0] // keep the backing arrays: no allocation per loop
	}
	for _, p := range s.partitions {
		next = min(next, s.pull(p, now, drainAll))
		next = min(next, s.expireQueued(p, now))
		if len(p.queue) == 0 {
			continue
		}
		front := p.queue[0]
		if front.retryAtNanos > now {
			next = min(next, front.retryAtNanos)
			continue
		}
		if s.cfg.EnableIdempotence && front.sequence >= 0 && front.attempts > 0 && p.inFlight > 0 {
			// A retry waits for the partition's earlier requests, so it
			// goes out in sequence order after them.
			continue
		}
		if p.inFlight > 0 && s.cfg.MaxInFlight == 1 {
			// max.in.flight.requests.per.connection=1 promises order
			// without idempotence: one batch of a partition at a time,
			// whatever connection it is on (Java mutes the partition).
			continue
		}
		leader := leaderOf(snap, p)
		if leader < 0 {
			s.meta.requestRefresh()
			continue
		}
		if p.inFlight > 0 && leader != p.inFlightNode {
			// The leader moved while batches are out to the old one: a
			// later batch must not overtake them through the new leader.
			// Their answers (NOT_LEADER, or success) come first.
			continue
		}
		s.readyByNode[leader] = append(s.readyByNode[leader], p)
	}
	if s.cfg.PartitionerAdaptive && now-s.loadUpdatedNanos >= int64(loadUpdateInterval) {
		s.loadUpdatedNanos = now
		s.updatePartitionLoad(snap)
	}
	if !s.idem.ready(s) {
		return next
	}
	for node, parts := range s.readyByNode {
		if len(parts) == 0 {
			continue
		}
		c := s.conn(node, snap.nodes[node])
		if !s.ready(c, now) {
			continue
		}
		s.sendProduce(c, parts, now)
	}
	return next
}

// loadUpdateInterval spaces partition-load updates: queue lengths change
// with every drain, and a fresh weight table on each loop would cost an
// allocation per loop for no better spread.
const loadUpdateInterval = 5 * time.Millisecond

// updatePartitionLoad tells each topic's sticky partitioner how many
// batches wait per partition, so records without a key lean towards the
// partitions whose queues are short (KIP-794 adaptive partitioning).
// Partitions without a leader are left out.
func (s *sender) updatePartitionLoad(snap *clusterSnapshot) {
	for _, t := range snap.topics {
		if len(t.partitions) < 2 {
			continue
		}
		s.loadSizes, s.loadPartitions = s.loadSizes[:0], s.loadPartitions[:0]
		for i, pm := range t.partitions {
			if pm.leader < 0 {
				continue
			}
			queued := int32(len(pm.part.queue))
			if pm.part.cursor.next.Load() != nil {
				queued++ // the open batch, still on the chain
			}
			s.loadSizes = append(s.loadSizes, queued)
			s.loadPartitions = append(s.loadPartitions, int32(i))
		}
		t.state.sticky.updateLoad(s.loadSizes, s.loadPartitions, len(t.partitions))
	}
}

// leaderOf is the partition's leader in snap, or -1.
func leaderOf(snap *clusterSnapshot, p *partition) int32 {
	t := snap.topics[p.topic.name]
	if t == nil || int(p.index) >= len(t.partitions) {
		return -1
	}
	return t.partitions[p.index].leader
}

// pull moves batches that are ready from the partition's chain to its
// queue: full ones, and the open one once it has lingered linger.ms (or at
// once when drainAll: flush, close, or memory waiters). It returns when the
// open batch will have lingered enough.
func (s *sender) pull(p *partition, now int64, drainAll bool) int64 {
	for {
		b := p.cursor.next.Load()
		if b == nil {
			return now + int64(time.Hour)
		}
		if b.open() {
			due := b.createdNanos + int64(s.cfg.Linger)
			if !drainAll && now < due {
				return due
			}
			b.close()
		}
		settled, count, _ := b.settled()
		if !settled {
			// An appender is still copying its record in: look again
			// at once.
			return now
		}
		p.cursor = b
		if count == 0 {
			b.releaseFlushWaiters()
			s.p.acc.discard(b)
			continue
		}
		p.queue = append(p.queue, b)
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
		b := p.queue[0]
		if !s.seal(b) {
			continue
		}
		if len(r.batches) > 0 && size+len(b.wireBytes) > s.cfg.MaxRequestSize {
			break
		}
		size += len(b.wireBytes)
		p.queue = p.queue[1:]
		p.inFlight++
		p.inFlightNode = c.node
		b.attempts++
		r.batches = append(r.batches, b)
	}
	if len(r.batches) == 0 {
		s.recycle(r)
		return
	}
	s.buildProduce(r)
	var err error
	r.scratch, r.segments, err = s.produceRequest.AppendSegments(r.scratch[:0], r.segments[:0], version, r.correlation, s.cfg.ClientID)
	if err != nil {
		// Only an unsupported version fails here; Negotiate prevents it.
		panic(err)
	}
	r.noResponse = s.cfg.Acks == AcksNone
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

// seal finishes a batch the first time it is drained: header fields,
// sequence numbers (idempotence), compression, CRC. A retried batch is
// already sealed and goes out byte for byte the same. It reports false when
// the batch cannot go yet.
func (s *sender) seal(b *batch) bool {
	if b.wireBytes != nil {
		return true
	}
	_, count, end := b.settled()
	b.recordCount = count
	b.header = wire.BatchHeader{
		PartitionLeaderEpoch: wire.NoPartitionLeaderEpoch,
		LastOffsetDelta:      count - 1,
		BaseTimestamp:        b.baseTimestamp,
		MaxTimestamp:         b.maxTimestamp.Load(),
		ProducerID:           -1,
		ProducerEpoch:        -1,
		BaseSequence:         wire.NoSequence,
		RecordCount:          count,
	}
	s.idem.assignSequence(b)
	if s.compressor != nil && s.compress(b, end) {
		return true
	}
	sealed, err := wire.SealBatch(b.buf[:end], b.header)
	if err != nil {
		panic(err) // the accumulator never builds a batch SealBatch refuses
	}
	b.wireBytes = sealed
	return true
}

// compress writes the compressed batch into a second slot and frees the
// first. It reports false, leaving the batch to go uncompressed, when no
// slot is free right now or the records do not shrink into one.
func (s *sender) compress(b *batch, end int) bool {
	span, err := s.arena.TryAlloc(len(b.buf))
	if err != nil {
		return false
	}
	out, err := s.compressor.CompressBatch(s.arena.Bytes(span), b.buf[wire.BatchHeaderSize:end], b.header)
	if err != nil {
		s.freeSpan(span)
		return false
	}
	s.freeSpan(b.span)
	// b.buf stays: a late appender may still read its length before its
	// reservation fails on the closed batch.
	b.span, b.wireBytes = span, out
	b.header.Attributes = int16(s.compressor.Codec())
	return true
}
