package core

import "sync/atomic"

// readyList is how partitions with work come to the sender's attention, so
// that a loop of the sender costs in proportion to the partitions holding
// batches, not to every partition the producer knows (thousands, with
// wide topics).
//
// A partition is listed while it holds batches the sender must act on. An
// appender lists its partition when it opens a batch behind one still on
// the chain or makes one ready (full, or its last record written), unless
// it is listed already (one atomic load in the common case); the sender
// does the same for batches it puts back (retries, split halves, batches
// back from the compression pool). Listing pushes the partition onto a
// lock-free stack the sender empties each loop into its own slice
// (sender.active). The sender unlists a partition once it holds nothing, or
// only an open batch lingering for linger.ms: that one waits on a timer
// (sender.lingering) rather than being looked at every loop. The listed
// flag makes each partition appear at most once.
//
// The same stack, with opened set, is how appenders announce a batch they
// open in a partition the sender has nothing else of (see
// accumulator.openedIn): the sender takes that stack whole each loop and
// looks at its partitions only once linger.ms has passed (see
// sender.takeOpened), instead of looking at each one at once just to set
// its timer.
type readyList struct {
	head atomic.Pointer[partition]
	// opened makes this the stack of partitions whose only batch was
	// just opened (partition.opened); the zero value is the ready list
	// (partition.listed).
	opened bool
}

// listing is a partition's place on one of the stacks: set while the
// partition is on it or in the sender's hands, and the link to the next
// partition on it.
type listing struct {
	atomic.Bool
	next *partition
}

// entry is p's listing on l.
func (l *readyList) entry(p *partition) *listing {
	if l.opened {
		return &p.opened
	}
	return &p.listed
}

// list puts p on the list unless it is there already. Safe from any
// goroutine.
func (l *readyList) list(p *partition) {
	e := l.entry(p)
	if e.Load() || !e.CompareAndSwap(false, true) {
		return
	}
	for {
		head := l.head.Load()
		e.next = head
		if l.head.CompareAndSwap(head, p) {
			return
		}
	}
}

// takeInto appends the partitions listed since the last call to dst. The
// sender alone calls it: taking the whole stack at once leaves no room for
// the ABA problem of popping one element at a time.
func (l *readyList) takeInto(dst []*partition) []*partition {
	for p := l.takeChain(); p != nil; {
		e := l.entry(p)
		next := e.next
		e.next = nil
		dst = append(dst, p)
		p = next
	}
	return dst
}

// takeChain takes the partitions listed since the last call, still linked
// by their listings' next; the sender alone calls it.
func (l *readyList) takeChain() *partition { return l.head.Swap(nil) }

// unlist takes p off the list once the sender finds nothing to do in it
// until an appender acts: its chain is empty (open is nil), or holds only
// open, a batch still open and lingering (the sender then keeps a timer for
// it: see sender.park). It reports whether the sender should drop p from
// its slice. An appender may act meanwhile (link a batch, fill open): if it
// saw p still listed, it left p to the sender, which then keeps p (false);
// if it listed p anew, p is on the stack and the sender drops its own entry
// (true).
func (l *readyList) unlist(p *partition, open *batch) (unlisted bool) {
	p.listed.Store(false)
	if first := p.first(); first == open && (open == nil || open.open() && open.next.Load() == nil) {
		return true
	}
	// The appender may have listed p again itself, after the Store above:
	// then p is on the stack and the sender meets it there.
	return !p.listed.CompareAndSwap(false, true)
}
