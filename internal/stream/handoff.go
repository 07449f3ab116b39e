package stream

import (
	"sync"
	"sync/atomic"
)

// Handoff hands the outcomes of work done off a transport's goroutine
// (look-ups, TLS handshakes) back to it. Each Put is followed by a wakeup,
// and the transport takes only after consuming the wakeup, so no outcome
// waits for an unrelated event. Put is safe from any goroutine; Take and
// Recycle belong to the transport's.
type Handoff[T any] struct {
	mu   sync.Mutex
	done []T
	// any says done is not empty, so a Poll with nothing to take takes no
	// lock.
	any atomic.Bool
	// spare is the backing array of the last batch taken, reused for the
	// next.
	spare []T
}

// Put adds v to what the next Take returns.
func (q *Handoff[T]) Put(v T) {
	q.mu.Lock()
	q.done = append(q.done, v)
	q.any.Store(true)
	q.mu.Unlock()
}

// Take returns the outcomes, or nil when there are none. The caller hands
// them back with Recycle once done with them, so a warm queue allocates
// nothing.
func (q *Handoff[T]) Take() []T {
	if !q.any.Load() {
		return nil
	}
	q.mu.Lock()
	done := q.done
	q.done = q.spare[:0]
	q.any.Store(false)
	q.mu.Unlock()
	return done
}

// Recycle keeps taken's backing array for the next outcomes, dropping the
// references it holds.
func (q *Handoff[T]) Recycle(taken []T) {
	clear(taken)
	q.spare = taken[:0]
}
