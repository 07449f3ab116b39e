//go:build linux

package netpoll

import "time"

// touch records activity on a ready connection, pushing its idle deadline
// back.
func (s *Selector) touch(c *conn) {
	if t := s.cfg.ConnectionsMaxIdle; t > 0 {
		s.setDeadline(c, s.now+t)
	}
}

// setDeadline gives c a deadline, keeping nextDeadline no later than it.
func (s *Selector) setDeadline(c *conn, at time.Duration) {
	c.deadline = at
	if s.nextDeadline == 0 || at < s.nextDeadline {
		s.nextDeadline = at
	}
}

// expire closes the connections whose deadline has passed: a connect that
// took longer than the setup timeout moves on to the next address, a ready
// connection idle for too long is reported with ErrIdle. It scans the
// connections only when the earliest deadline may have passed.
func (s *Selector) expire() {
	if s.nextDeadline == 0 || s.now < s.nextDeadline {
		return
	}
	s.nextDeadline = 0
	for _, c := range s.conns {
		if c.deadline == 0 {
			continue
		}
		if c.deadline > s.now {
			if s.nextDeadline == 0 || c.deadline < s.nextDeadline {
				s.nextDeadline = c.deadline
			}
			continue
		}
		if c.state == stateConnecting {
			s.retry(c, ErrConnectTimeout, nil)
		} else {
			s.drop(c, ErrIdle, nil)
		}
	}
}
