package iouring

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"
	"unsafe"
)

// Ring is one io_uring instance: a submission queue the caller fills with
// Prepare methods and hands to the kernel with Submit, and a completion
// queue it drains with Completions.
//
// A Ring is not safe for concurrent use: one goroutine (the producer's
// sender) owns it. The shared ring words are read and written with
// sync/atomic: the kernel's indexes (submission head, completion tail) are
// loaded, which orders the entries read after them; ours (submission tail,
// completion head) are stored after the entries they publish or release.
type Ring struct {
	fd       int
	features Features
	closed   bool

	sqRing, cqRing, sqeMem []byte // cqRing aliases sqRing with FeatSingleMmap

	sqHead, sqTail, sqFlags *uint32
	sqMask, sqEntries       uint32
	sqes                    []sqe
	slots                   []slot // per SQE: memory the ring lends to it
	sqeTail                 uint32 // next SQE to prepare
	published               uint32 // the tail the kernel has been shown

	cqHead, cqTail    *uint32
	cqMask, cqEntries uint32
	cqes              []cqe
	cqHeadLocal       uint32

	// inflight counts submitted operations whose last completion has not
	// been reaped, so Close knows when the kernel is done with them.
	inflight int

	waitTS  timespec // for SubmitAndWaitTimeout, in the heap while the kernel reads it
	waitArg getEventsArg
}

// enterOutcome is what became of one io_uring_enter call.
type enterOutcome int

const (
	enterDone enterOutcome = iota
	enterInterrupted
	enterTimedOut
	enterBusy
	enterFailed
)

// Features returns the IORING_FEAT_* bits the kernel reported.
func (r *Ring) Features() Features { return r.features }

// SQEntries returns the size of the submission queue.
func (r *Ring) SQEntries() int { return int(r.sqEntries) }

// CQEntries returns the size of the completion queue.
func (r *Ring) CQEntries() int { return int(r.cqEntries) }

// Submit hands the prepared operations to the kernel and returns how many
// it took. It does not wait for completions.
func (r *Ring) Submit() (int, error) { return r.submit(0, false, 0) }

// SubmitAndWait submits as Submit does, then blocks until at least n
// completions are ready for Completions (n at most CQEntries), or until a
// timeout operation (PrepareTimeout) completes, or, rarely, a signal ends
// the wait once something completed; Completions then finds fewer than n.
func (r *Ring) SubmitAndWait(n int) (int, error) {
	if err := r.checkWait(n); err != nil {
		return 0, err
	}
	return r.submit(uint32(n), false, 0)
}

// SubmitAndWaitTimeout is SubmitAndWait that also returns, with no error,
// once timeout has passed; Completions then finds fewer than n. It needs
// FeatExtArg (Linux 5.11).
func (r *Ring) SubmitAndWaitTimeout(n int, timeout time.Duration) (int, error) {
	if err := r.checkWait(n); err != nil {
		return 0, err
	}
	if !r.features.Has(FeatExtArg) {
		return 0, fmt.Errorf("%w: waiting with a timeout needs IORING_FEAT_EXT_ARG (Linux 5.11)", ErrNotSupported)
	}
	return r.submit(uint32(n), true, timeout)
}

func (r *Ring) checkWait(n int) error {
	if n < 0 || n > int(r.cqEntries) {
		return fmt.Errorf("%w: cannot wait for %d completions with a completion queue of %d", ErrInvalidArgument, n, r.cqEntries)
	}
	return nil
}

// submit publishes the prepared entries and enters the kernel until they
// are all taken and, when wait > 0, wait completions are ready. Signals
// (Go's preemption among them) interrupt io_uring_enter, and an
// interrupted or partly done call is simply made again.
func (r *Ring) submit(wait uint32, timed bool, timeout time.Duration) (int, error) {
	if r.closed {
		return 0, ErrClosed
	}
	if r.published != r.sqeTail {
		atomic.StoreUint32(r.sqTail, r.sqeTail)
		r.published = r.sqeTail
	}
	var deadline time.Time
	if timed {
		deadline = time.Now().Add(timeout)
	}
	submitted := 0
	for {
		toSubmit := r.published - atomic.LoadUint32(r.sqHead)
		var flags uint32
		var arg unsafe.Pointer
		var argSize uintptr
		if wait > 0 && r.ready() < wait {
			flags |= enterGetEvents
			if timed {
				remaining := time.Until(deadline)
				if remaining <= 0 {
					flags &^= enterGetEvents
				} else {
					r.waitTS = timespec{sec: int64(remaining / time.Second), nsec: int64(remaining % time.Second)}
					r.waitArg = getEventsArg{sigmaskSz: 8, ts: uint64(uintptr(unsafe.Pointer(&r.waitTS)))}
					flags |= enterExtArg
					arg, argSize = unsafe.Pointer(&r.waitArg), unsafe.Sizeof(r.waitArg)
				}
			}
		}
		if toSubmit == 0 && flags&enterGetEvents == 0 {
			return submitted, nil
		}
		readyBefore := r.ready()
		n, outcome, err := sysEnter(r.fd, toSubmit, wait, flags, arg, argSize)
		submitted += n
		r.inflight += n
		switch outcome {
		case enterInterrupted:
			continue
		case enterTimedOut:
			return submitted, nil
		case enterBusy, enterFailed:
			return submitted, err
		}
		// A wait that ended with fewer than wait ready was ended by a
		// timeout operation, or interrupted after the kernel took the
		// submissions (it then reports the count, not EINTR): only the
		// latter, with nothing new, waits again.
		if ready := r.ready(); flags&enterGetEvents != 0 && (ready >= wait || toSubmit == 0 || ready > readyBefore) {
			return submitted, nil
		}
		if toSubmit > 0 && n == 0 && flags&enterGetEvents == 0 {
			return submitted, ErrBusy
		}
	}
}

// ready returns how many completions wait in the completion ring.
func (r *Ring) ready() uint32 { return atomic.LoadUint32(r.cqTail) - r.cqHeadLocal }

// Close cancels the operations still in flight, waits until the kernel has
// completed every one of them, so that no memory they name is used after
// Close returns, and then unmaps the rings and closes the ring's
// descriptor. Prepared but unsubmitted operations are dropped, and
// completions not yet reaped are discarded. User data ^uint64(0) is
// reserved for the cancellation Close submits. Closing a closed ring does
// nothing.
func (r *Ring) Close() error {
	if r.closed {
		return nil
	}
	err := r.drain()
	r.closed = true
	return errors.Join(err, r.release())
}

const closeCancelUserData = ^uint64(0)

// drain cancels every operation in flight (IORING_ASYNC_CANCEL_ANY) and
// reaps until none is left.
func (r *Ring) drain() error {
	r.sqeTail = r.published
	if r.inflight == 0 && r.published == atomic.LoadUint32(r.sqHead) {
		return nil
	}
	s, _, err := r.next()
	if err != nil {
		return err
	}
	s.opcode = uint8(OpAsyncCancel)
	s.fd = -1
	s.opFlags = asyncCancelAny
	s.userData = closeCancelUserData
	var cancelErr error
	discard := func(userData uint64, res int32, _ uint32) {
		if userData == closeCancelUserData && res < 0 && res != -errnoENOENT {
			cancelErr = ErrCancelFailed
		}
	}
	for r.inflight > 0 || r.published != atomic.LoadUint32(r.sqHead) {
		if _, err := r.SubmitAndWait(1); err != nil {
			return err
		}
		if _, err := r.Completions(discard); err != nil {
			return err
		}
		if cancelErr != nil {
			return cancelErr
		}
	}
	return nil
}
