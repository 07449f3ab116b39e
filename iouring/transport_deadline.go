//go:build linux

package iouring

// touch records activity on a ready connection, pushing its idle deadline
// back.
func (t *Transport) touch(c *conn) {
	if d := t.cfg.ConnectionsMaxIdle; d > 0 {
		c.deadline = t.now + d
		if t.nextDeadline == 0 || c.deadline < t.nextDeadline {
			t.nextDeadline = c.deadline
		}
	}
}

// expire closes, with ErrIdle, the ready connections idle for longer than
// ConnectionsMaxIdle. It scans the connections only when the earliest
// deadline may have passed. (Connects are bounded by their linked
// timeouts instead.)
func (t *Transport) expire() {
	if t.nextDeadline == 0 || t.now < t.nextDeadline {
		return
	}
	t.nextDeadline = 0
	for _, c := range t.conns {
		if c.deadline == 0 || c.state != stateReady {
			continue
		}
		if c.deadline > t.now {
			if t.nextDeadline == 0 || c.deadline < t.nextDeadline {
				t.nextDeadline = c.deadline
			}
			continue
		}
		t.drop(c, ErrIdle, nil)
	}
}
