package core

// roomWait holds, for one broker, partitions whose oldest batch is ready to
// go to it while its connection has max.in.flight.requests.per.connection
// requests out. Nothing can send them before one of those is answered, so
// the sender leaves them out of its loop until then instead of looking at
// each one on every loop. With 1 KiB records at 1,000 or 10,000 partitions
// a thousand and more partitions waited while the connection was full, and
// the sender looked at each of them a hundred times for every batch it
// sent: a third of the producer's CPU.
//
// Waiting partitions stay listed (partition.listed), so appenders leave
// them to the sender; batches filled meanwhile are taken off the chain
// when the partition is next visited, which is before it can send again.
// The sender takes them back into its loop (endRoomWaits) when the
// connection may take a request, is no longer connected, or is gone; when
// metadata changes (a leader may have moved); when the oldest batch of one
// of them reaches delivery.timeout.ms; and when every batch must go at
// once (Flush, Close, Sends waiting for memory) or a failure must reach
// every waiting partition (a refused producer id or authentication).
type roomWait struct {
	parts []*partition
	// version is the metadata version the partitions began waiting under.
	version uint64
	// expiry is the earliest delivery.timeout.ms deadline of their oldest
	// batches.
	expiry int64
}

// connFull reports whether node's connection is up with
// max.in.flight.requests.per.connection requests out, so that only an
// answer lets it take another.
func (s *sender) connFull(node int32) bool {
	c := s.conns[node]
	return c != nil && c.state == connReady && len(c.inFlight) >= s.cfg.MaxInFlight
}

// waitForRoom moves the partitions of parts that still have batches queued
// out of the loop while node's connection is full, and reports whether it
// moved any. It only marks them: dropWaiting then takes them off the active
// list.
func (s *sender) waitForRoom(node int32, parts []*partition, snap *clusterSnapshot) bool {
	if len(parts) == 0 || !s.connFull(node) {
		return false
	}
	w := s.roomWaits[node]
	if w == nil {
		if s.roomWaits == nil {
			s.roomWaits = make(map[int32]*roomWait)
		}
		w = &roomWait{}
		s.roomWaits[node] = w
	}
	if len(w.parts) == 0 {
		w.expiry = int64(1) << 62
	}
	// Partitions waiting from an earlier loop waited under this version
	// too: a new one ends their wait first (see endRoomWaits).
	w.version = snap.version
	moved := false
	for _, p := range parts {
		if len(p.queue) == 0 || p.waitsForRoom {
			continue
		}
		p.waitsForRoom = true
		w.parts = append(w.parts, p)
		w.expiry = min(w.expiry, p.queue[0].createdNanos+int64(s.cfg.DeliveryTimeout))
		moved = true
	}
	return moved
}

// dropWaiting takes the partitions waiting for room off the active list.
func (s *sender) dropWaiting() {
	kept := 0
	for _, p := range s.active {
		if p.waitsForRoom {
			continue
		}
		s.active[kept] = p
		kept++
	}
	clear(s.active[kept:])
	s.active = s.active[:kept]
}

// endRoomWaits puts partitions waiting for room back into the loop: all of
// them when all is set, else those of brokers whose wait is over. When a
// broker's connection has room again, only as many come back, the longest
// waiting first, as the requests it has room for can carry: the others
// would be looked at only to wait again. It returns the earliest delivery
// deadline among those still waiting.
func (s *sender) endRoomWaits(snap *clusterSnapshot, now int64, all bool) int64 {
	next := now + int64(s.cfg.DeliveryTimeout)
	for node, w := range s.roomWaits {
		if len(w.parts) == 0 {
			continue
		}
		n := len(w.parts)
		if !all && w.version == snap.version && now < w.expiry {
			n = s.roomFor(node, w.parts)
		}
		for _, p := range w.parts[:n] {
			p.waitsForRoom = false
		}
		s.active = append(s.active, w.parts[:n]...)
		left := copy(w.parts, w.parts[n:])
		clear(w.parts[left:])
		w.parts = w.parts[:left]
		if left > 0 {
			next = min(next, w.expiry)
		}
	}
	return next
}

// roomFor is how many of parts, waiting for room on node's connection, the
// requests it may take now can carry: none while it is full, all of them
// when it is not up (the loop then tries it, and fails or connects them).
func (s *sender) roomFor(node int32, parts []*partition) int {
	c := s.conns[node]
	if c == nil || c.state != connReady {
		return len(parts)
	}
	budget := (s.cfg.MaxInFlight - len(c.inFlight)) * s.cfg.MaxRequestSize
	if budget <= 0 {
		return 0
	}
	for i, p := range parts {
		size := 0
		if len(p.queue) > 0 { // a forced Close may have failed the queue
			size = p.queue[0].requestBytes()
		}
		if size > budget && i > 0 {
			return i // a request takes one batch however big (see sendProduce)
		}
		budget -= size
	}
	return len(parts)
}

// endAllRoomWaits puts every partition waiting for room back into the
// loop, for work that must reach every partition with queued batches.
func (s *sender) endAllRoomWaits() {
	s.endRoomWaits(s.meta.snapshot.Load(), s.nowNanos, true)
}
