//go:build linux

package netpoll

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"sync/atomic"
)

// lookup is the outcome of one host-name look-up, for the connection that
// asked for it. The look-up's goroutine carries conn only to name it and
// never touches it: conn belongs to the selector's goroutine.
type lookup struct {
	conn  *conn
	addrs []netip.AddrPort
	err   error
}

// handoff hands the outcomes of work done off the selector's goroutine
// (look-ups, TLS handshakes) back to it. Each put is followed by a wakeup,
// and the selector takes only after draining the wakeup, so no outcome waits
// for an unrelated event.
type handoff[T any] struct {
	mu   sync.Mutex
	done []T
	// any says done is not empty, so a Poll with nothing to take takes no
	// lock.
	any atomic.Bool
}

func (q *handoff[T]) put(v T) {
	q.mu.Lock()
	q.done = append(q.done, v)
	q.any.Store(true)
	q.mu.Unlock()
}

// take returns the outcomes, or nil when there are none, and keeps spare's
// backing array for the next ones, so a warm queue allocates nothing.
func (q *handoff[T]) take(spare []T) []T {
	if !q.any.Load() {
		return nil
	}
	q.mu.Lock()
	done := q.done
	q.done = spare[:0]
	q.any.Store(false)
	q.mu.Unlock()
	return done
}

// startLookup looks host up in a goroutine of its own, bounded by ctx and
// the connection setup timeout, for connection c.
func (s *Selector) startLookup(ctx context.Context, c *conn, host string, port uint16) {
	var cancel context.CancelFunc
	if t := s.cfg.ConnectionSetupTimeout; t > 0 {
		timeout := fmt.Errorf("no answer within the connection setup timeout (%v): %w", t, context.DeadlineExceeded)
		ctx, cancel = context.WithTimeoutCause(ctx, t, timeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	c.cancelLookup = cancel
	resolver, queue, wake := s.cfg.Resolver, &s.lookups, s.wake
	go func() {
		defer cancel()
		addrs, err := resolveHost(ctx, resolver, host, port)
		queue.put(lookup{conn: c, addrs: addrs, err: err})
		wake.signal()
	}()
}

// resolveHost looks host up and pairs its addresses with port. A look-up cut
// short by ctx says so even when the resolver's error does not.
func resolveHost(ctx context.Context, r Resolver, host string, port uint16) ([]netip.AddrPort, error) {
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		if cause := context.Cause(ctx); cause != nil && !errors.Is(err, cause) {
			err = fmt.Errorf("%w: %w", cause, err)
		}
		return nil, err
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%q has no address", host)
	}
	addrs := make([]netip.AddrPort, len(ips))
	for i, ip := range ips {
		addrs[i] = netip.AddrPortFrom(ip.Unmap(), port)
	}
	return addrs, nil
}

// finishLookups starts connecting every connection whose look-up has
// succeeded and reports those whose look-up failed. The outcome of a look-up
// for a connection closed meanwhile is dropped, even when its id is in use
// again.
func (s *Selector) finishLookups() {
	done := s.lookups.take(s.lookupsTaken)
	if done == nil {
		return
	}
	for _, l := range done {
		c := l.conn
		if s.conns[c.id] != c {
			continue
		}
		c.cancelLookup = nil
		if l.err != nil {
			s.drop(c, ErrResolve, l.err)
			continue
		}
		c.addrs = l.addrs
		if err := s.dialNext(c); err != nil {
			s.drop(c, err.Reason, err.Cause)
		}
	}
	clear(done)
	s.lookupsTaken = done[:0]
}
