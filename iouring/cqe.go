package iouring

import "sync/atomic"

// Completions calls fn for each completion the kernel has posted, oldest
// first, and returns how many there were. res is the operation's result: a
// count, 0, or a negated errno. flags are the IORING_CQE_F_* bits. fn may
// prepare operations, but not reap or submit.
//
// When the completion queue overflowed, the kernel keeps the completions
// that did not fit (IORING_FEAT_NODROP) and flags the ring; Completions then
// asks it to move them into the ring and reaps them too, so none is lost.
func (r *Ring) Completions(fn func(userData uint64, res int32, flags uint32)) (int, error) {
	if r.closed {
		return 0, ErrClosed
	}
	reaped := 0
	for {
		reaped += r.reap(fn)
		if atomic.LoadUint32(r.sqFlags)&sqCQOverflow == 0 {
			return reaped, nil
		}
		if err := r.flushOverflow(); err != nil {
			return reaped, err
		}
	}
}

// reap delivers what the completion ring holds and then releases the
// entries to the kernel.
func (r *Ring) reap(fn func(userData uint64, res int32, flags uint32)) int {
	head := r.cqHeadLocal
	tail := atomic.LoadUint32(r.cqTail)
	for ; head != tail; head++ {
		c := &r.cqes[head&r.cqMask]
		if c.flags&CompletionMore == 0 {
			r.inflight--
		}
		fn(c.userData, c.res, c.flags)
	}
	n := int(head - r.cqHeadLocal)
	r.cqHeadLocal = head
	atomic.StoreUint32(r.cqHead, head)
	return n
}

// flushOverflow enters the kernel with IORING_ENTER_GETEVENTS and nothing
// to wait for, which moves overflowed completions into the ring.
func (r *Ring) flushOverflow() error {
	for {
		_, outcome, err := sysEnter(r.fd, 0, 0, enterGetEvents, nil, 0)
		if outcome != enterInterrupted {
			return err
		}
	}
}
