//go:build linux

package iouring

import "golang.org/x/sys/unix"

// postReceive prepares a receive into the free end of c's buffer. When the
// buffer is full of frames handed out in this Poll, the receive waits for
// the next Poll, which releases them (feedStarved).
func (t *Transport) postReceive(c *conn) {
	if c.releasedAt != t.polls {
		c.frames.Release()
		c.releasedAt = t.polls
	}
	p := c.frames.Space()
	if len(p) == 0 {
		t.starved = append(t.starved, c)
		return
	}
	err := t.reserve(1)
	if err == nil {
		err = t.ring.PrepareRecv(int32(c.fd), p, userData(c, opRecv))
	}
	if err != nil {
		t.setErr(err)
		t.drop(c, ErrSocket, err)
		return
	}
	c.inflight++
	c.receiving = true
}

// feedStarved posts the receives that waited for this Poll's release.
func (t *Transport) feedStarved() {
	for _, c := range t.starved {
		if c.state == stateReady && !c.receiving {
			t.postReceive(c)
		}
	}
	clear(t.starved)
	t.starved = t.starved[:0]
}

// receiveDone handles the completion of c's receive: res bytes arrived at
// the end of its buffer, 0 means the peer closed, a negative res is a
// negated errno. It reports the complete frames and posts the next receive.
func (t *Transport) receiveDone(c *conn, res int32) {
	if c.state != stateReady {
		return
	}
	switch {
	case retryable(res):
		t.postReceive(c)
		return
	case res < 0:
		t.fail(c, unix.Errno(-res))
		return
	case res == 0:
		t.drop(c, ErrPeerClosed, c.frames.Lost())
		return
	}
	c.frames.Filled(int(res))
	// No receive is in flight now, so release may move the bytes; the
	// frames of earlier Polls are no longer in use.
	if c.releasedAt != t.polls {
		c.frames.Release()
		c.releasedAt = t.polls
	}
	t.touch(c)
	for {
		frame, ok, err := c.frames.Next()
		if err != nil {
			t.drop(c, err, nil)
			return
		}
		if !ok {
			break
		}
		t.received.Add(Frame{ID: c.id, Bytes: frame})
	}
	t.postReceive(c)
}
