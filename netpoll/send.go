//go:build linux

package netpoll

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Send stages one request on connection id: iovecs are its bytes in order
// (header buffers, batch bytes where they lie), and token names it in the
// Completion that reports it fully handed to the kernel. Until then the
// caller must change neither the iovecs slice nor the memory it points to.
//
// Sends on a connection go out in the order staged, several per writev when
// they fit. When the connection is ready and nothing is waiting ahead, Send
// writes at once; what the socket does not take waits for writability. Sends
// staged while still resolving or connecting go out once connected. A write
// failure closes the connection and reports it after the next Poll; Send
// returns an error only for an unknown id or a closed selector.
func (s *Selector) Send(id ID, iovecs [][]byte, token uint64) error {
	if s.closed {
		return ErrClosed
	}
	c, ok := s.conns[id]
	if !ok {
		return fmt.Errorf("%w: %d", ErrUnknownConnection, id)
	}
	c.queue.Push(iovecs, token)
	if c.state == stateReady && c.interest&unix.EPOLLOUT == 0 {
		s.now = s.clock()
		s.flush(c)
	}
	return nil
}

// flush writes c's staged bytes until all are out or the socket would block,
// holding write interest only in the second case.
func (s *Selector) flush(c *conn) {
	for {
		c.queue.Settle(c.id, &s.sent)
		if c.queue.Empty() {
			s.want(c, unix.EPOLLIN)
			return
		}
		iov, total := c.queue.Gather(s.iov[:0])
		n, err := c.stage.writev(c.fd, iov)
		// Drop the scratch's pointers so it keeps no buffer alive.
		clear(iov)
		if err == unix.EAGAIN {
			s.want(c, unix.EPOLLIN|unix.EPOLLOUT)
			return
		}
		if err != nil {
			s.fail(c, err)
			return
		}
		s.touch(c)
		c.queue.Advance(n, c.id, &s.sent)
		if n < total {
			// A short write means the socket buffer is full: wait
			// for room rather than try again for EAGAIN.
			s.want(c, unix.EPOLLIN|unix.EPOLLOUT)
			return
		}
	}
}

// want sets c's epoll interest; failing to is a socket error on c.
func (s *Selector) want(c *conn, events uint32) {
	if err := c.setInterest(s.poller, events); err != nil {
		s.drop(c, ErrSocket, fmt.Errorf("epoll_ctl mod: %w", err))
	}
}
