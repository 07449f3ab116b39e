package core

// flushWaiter is one Flush call: how many batches that existed when it was
// made are still incomplete, and the channel closed when none is. Only the
// sender goroutine touches remaining.
type flushWaiter struct {
	remaining int
	done      chan struct{}
}

// takeFlushRequests tags, for each new Flush, every batch the producer holds
// right now (on the partitions' chains, waiting in their queues, or in
// flight): the records sent before the Flush call are all in these. Each
// batch counts its waiters down when it completes.
func (s *sender) takeFlushRequests() {
	s.p.flushMu.Lock()
	requests := s.p.flushRequests
	s.p.flushRequests = nil
	s.p.flushMu.Unlock()
	for _, w := range requests {
		tag := func(b *batch) {
			b.flushWaiters = append(b.flushWaiters, w)
			w.remaining++
		}
		for _, p := range s.partitions {
			for _, b := range p.queue {
				tag(b)
			}
			for b := p.cursor.next.Load(); b != nil; b = b.next.Load() {
				tag(b)
			}
		}
		for _, c := range s.conns {
			for _, r := range c.inFlight {
				for _, b := range r.batches {
					tag(b)
				}
			}
		}
		if w.remaining == 0 {
			close(w.done)
		}
	}
}

// releaseFlushWaiters counts a finished batch off every Flush waiting on it.
func (b *batch) releaseFlushWaiters() {
	for _, w := range b.flushWaiters {
		if w.remaining--; w.remaining == 0 {
			close(w.done)
		}
	}
	b.flushWaiters = nil
}
