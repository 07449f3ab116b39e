//go:build linux

package netpoll

import "golang.org/x/sys/unix"

// receive reads what c's socket holds and reports the complete frames. It
// stops when the socket is drained or the receive buffer is full of frames
// handed out in this Poll; epoll, level-triggered, reports the rest next time.
func (s *Selector) receive(c *conn) {
	if c.releasedAt != s.polls {
		c.frames.Release()
		c.releasedAt = s.polls
	}
	for {
		p := c.frames.Space()
		if len(p) == 0 {
			if c.stage.pending() {
				s.rereads = append(s.rereads, c)
			}
			return
		}
		n, err := c.stage.read(c.fd, p)
		switch {
		case err == unix.EAGAIN:
			return
		case err != nil:
			s.fail(c, err)
			return
		case n == 0:
			s.drop(c, ErrPeerClosed, c.frames.Lost())
			return
		}
		c.frames.Filled(n)
		s.touch(c)
		for {
			frame, ok, err := c.frames.Next()
			if err != nil {
				s.drop(c, err, nil)
				return
			}
			if !ok {
				break
			}
			s.received.Add(Frame{ID: c.id, Bytes: frame})
		}
		if n < len(p) {
			return
		}
	}
}

// receiveRereads reads the connections whose stage held bytes at the end of
// the last Poll, unless they closed since.
func (s *Selector) receiveRereads() {
	if len(s.rereads) == 0 {
		return
	}
	taken := s.rereads
	s.rereads = s.rereadsTaken[:0]
	for _, c := range taken {
		if s.conns[c.id] == c && c.fd >= 0 {
			s.receive(c)
		}
	}
	clear(taken)
	s.rereadsTaken = taken[:0]
}
