//go:build linux

package netpoll

// finishLookups starts connecting every connection whose look-up has
// succeeded and reports those whose look-up failed. The outcome of a look-up
// for a connection closed meanwhile is dropped, even when its id is in use
// again.
func (s *Selector) finishLookups() {
	done := s.lookups.Take()
	if done == nil {
		return
	}
	for _, l := range done {
		c := l.Conn
		if s.conns[c.id] != c {
			continue
		}
		c.cancelLookup = nil
		if l.Err != nil {
			s.drop(c, ErrResolve, l.Err)
			continue
		}
		c.addrs = l.Addrs
		if err := s.dialNext(c); err != nil {
			s.drop(c, err.Reason, err.Cause)
		}
	}
	s.lookups.Recycle(done)
}
