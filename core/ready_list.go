package core

import "sync/atomic"

// readyList is how partitions with work come to the sender's attention, so
// that a loop of the sender costs in proportion to the partitions holding
// batches, not to every partition the producer knows (thousands, with
// wide topics).
//
// A partition is listed while it holds batches the sender must act on. An
// appender lists its partition when it opens a batch or makes one ready
// (full, or its last record written), unless it is listed already (one
// atomic load in the common case); the sender does the same for batches it
// puts back (retries, split halves, batches back from the compression
// pool). Listing pushes the partition onto a lock-free stack the sender
// empties each loop into its own slice (sender.active). The sender unlists
// a partition once it holds nothing, or only an open batch lingering for
// linger.ms: that one waits on a timer (sender.lingering) rather than being
// looked at every loop. The listed flag makes each partition appear at most
// once.
type readyList struct {
	head atomic.Pointer[partition]
}

// list puts p on the list unless it is there already. Safe from any
// goroutine.
func (l *readyList) list(p *partition) {
	if p.listed.Load() || !p.listed.CompareAndSwap(false, true) {
		return
	}
	for {
		head := l.head.Load()
		p.nextListed = head
		if l.head.CompareAndSwap(head, p) {
			return
		}
	}
}

// takeInto appends the partitions listed since the last call to dst. The
// sender alone calls it: taking the whole stack at once leaves no room for
// the ABA problem of popping one element at a time.
func (l *readyList) takeInto(dst []*partition) []*partition {
	for p := l.head.Swap(nil); p != nil; {
		next := p.nextListed
		p.nextListed = nil
		dst = append(dst, p)
		p = next
	}
	return dst
}

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
