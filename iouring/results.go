//go:build linux

package iouring

// results is one kind of the transport's outcomes. Outcomes that arise
// between two polls join those of the next Poll, so the caller learns
// everything after a Poll, exactly once. The backing array is reused: no
// allocation once warm.
type results[T any] struct {
	items []T
	shown int
}

func (r *results[T]) add(v T) { r.items = append(r.items, v) }

// view is what the last Poll published.
func (r *results[T]) view() []T { return r.items[:r.shown] }

// forget drops what the last Poll published, keeping what arose since.
func (r *results[T]) forget() {
	n := copy(r.items, r.items[r.shown:])
	clear(r.items[n:])
	r.items = r.items[:n]
	r.shown = 0
}

// publish makes everything gathered so far visible through view.
func (r *results[T]) publish() { r.shown = len(r.items) }
