//go:build linux

package iouring

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Send stages one request on connection id: iovecs are its bytes in order
// (header buffers, batch bytes where they lie), and token names it in the
// Completion that reports it fully handed to the kernel. Until then the
// caller must change neither the iovecs slice nor the memory it points to.
//
// Sends on a connection go out in the order staged, several per writev
// when they fit, one writev in flight at a time; the next Poll submits it.
// Sends staged while still resolving or connecting go out once connected.
// A write failure closes the connection and reports it after a later Poll;
// Send returns an error only for an unknown id or a closed transport.
func (t *Transport) Send(id int64, iovecs [][]byte, token uint64) error {
	if t.closed {
		return ErrClosed
	}
	c, ok := t.conns[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownConnection, id)
	}
	c.queue.Push(iovecs, token)
	if c.state == stateReady && !c.writing {
		t.now = t.clock()
		t.postWrite(c)
	}
	return nil
}

// postWrite prepares a writev of c's staged bytes, when there are any,
// reporting the sends already complete.
func (t *Transport) postWrite(c *conn) {
	c.queue.Settle(c.id, &t.sent)
	if c.queue.Empty() {
		return
	}
	if c.iov == nil {
		c.iov = make([]Iovec, 0, iovMax)
	}
	iov, _ := c.queue.Gather(c.iov[:0])
	c.iov = iov
	err := t.reserve(1)
	if err == nil {
		err = t.ring.PrepareWritev(int32(c.fd), iov, userData(c, opWritev))
	}
	if err != nil {
		t.setErr(err)
		t.drop(c, ErrSocket, err)
		return
	}
	c.inflight++
	c.writing = true
}

// writeDone handles the completion of c's writev: res bytes were taken,
// perhaps fewer than asked, or res is a negated errno.
func (t *Transport) writeDone(c *conn, res int32) {
	// Drop the pointers so the connection keeps no buffer alive.
	clear(c.iov)
	if c.state != stateReady {
		return
	}
	switch {
	case retryable(res):
		t.postWrite(c)
		return
	case res < 0:
		t.fail(c, unix.Errno(-res))
		return
	case res == 0:
		t.drop(c, ErrSocket, errors.New("writev took no bytes"))
		return
	}
	t.touch(c)
	c.queue.Advance(int(res), c.id, &t.sent)
	// The rest of a short write, and the sends staged meanwhile.
	t.postWrite(c)
}

// retryable reports whether an operation's result says only that it was
// interrupted before doing anything, so it is simply posted again.
func retryable(res int32) bool {
	errno := unix.Errno(-res)
	return res < 0 && (errno == unix.EINTR || errno == unix.EAGAIN)
}
