package stream

// Results is one kind of a transport's outcomes. Outcomes that arise
// between two polls (a send completed inside Send, a connect that
// succeeded at once) join those of the next Poll, so the caller learns
// everything after a Poll, exactly once. The backing array is reused: no
// allocation once warm.
type Results[T any] struct {
	items []T
	shown int
}

// Add gathers v for the next Publish.
func (r *Results[T]) Add(v T) { r.items = append(r.items, v) }

// View is what the last Poll published.
func (r *Results[T]) View() []T { return r.items[:r.shown] }

// Len counts what was gathered, published or not.
func (r *Results[T]) Len() int { return len(r.items) }

// Forget drops what the last Poll published, keeping what arose since.
func (r *Results[T]) Forget() {
	n := copy(r.items, r.items[r.shown:])
	clear(r.items[n:])
	r.items = r.items[:n]
	r.shown = 0
}

// Publish makes everything gathered so far visible through View.
func (r *Results[T]) Publish() { r.shown = len(r.items) }
