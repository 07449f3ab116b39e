//go:build linux

package iouring

// finishLookups prepares the connect of every connection whose look-up has
// succeeded and reports those whose look-up failed. The outcome of a
// look-up for a connection closed meanwhile is dropped, even when its id is
// in use again.
func (t *Transport) finishLookups() {
	done := t.lookups.Take()
	if done == nil {
		return
	}
	for _, l := range done {
		c := l.Conn
		if t.conns[c.id] != c {
			continue
		}
		c.cancelLookup = nil
		if l.Err != nil {
			t.drop(c, ErrResolve, l.Err)
			continue
		}
		c.addrs = l.Addrs
		if err := t.dialNext(c); err != nil {
			t.drop(c, err.Reason, err.Cause)
		}
	}
	t.lookups.Recycle(done)
}
