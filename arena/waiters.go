package arena

import "slices"

// waiter is one Alloc blocked for memory.
type waiter struct {
	count int           // slots wanted
	class int           // or, above 0, a piece of this class
	ready chan struct{} // closed when span is set
	span  Span
	done  bool // guarded by Arena.mu
}

// finish hands the waiter its span and wakes it. Caller holds Arena.mu.
func (w *waiter) finish(s Span) {
	w.span, w.done = s, true
	close(w.ready)
}

// enqueue queues w behind earlier waiters and serves the queue, in case
// memory was freed before w was visible to Free. It reports whether w is
// already served.
func (a *Arena) enqueue(w *waiter) (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed.Load() {
		return false, ErrClosed
	}
	a.queue = append(a.queue, w)
	a.waiting.Store(int32(len(a.queue)))
	a.serve()
	return w.done, nil
}

// leave takes w out of the queue after it stopped waiting, unless it was
// served meanwhile, which it reports. Whoever queued behind w may now be
// servable.
func (a *Arena) leave(w *waiter) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if w.done {
		return true
	}
	i := slices.Index(a.queue, w)
	a.queue = slices.Delete(a.queue, i, i+1)
	a.waiting.Store(int32(len(a.queue)))
	if i == 0 {
		a.serve()
	}
	return false
}

// serve gives free memory to waiters in arrival order, stopping at the
// first it cannot satisfy so that none is overtaken. Caller holds Arena.mu.
func (a *Arena) serve() {
	for len(a.queue) > 0 {
		w := a.queue[0]
		first, piece, ok := a.claim(w.count, w.class, true)
		if !ok {
			return
		}
		a.queue = slices.Delete(a.queue, 0, 1)
		a.waiting.Store(int32(len(a.queue)))
		w.finish(a.issue(first, w.count, w.class, piece))
	}
}
