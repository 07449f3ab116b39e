//go:build linux

package stream

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Lookup is the outcome of one host-name look-up, for the connection that
// asked for it. The look-up's goroutine carries Conn only to name it and
// never touches it: Conn belongs to the transport's goroutine.
type Lookup[C any] struct {
	Conn  C
	Addrs []netip.AddrPort
	Err   error
}

// Lookups looks host names up off a transport's goroutine, so a slow DNS
// server stalls no other connection, and hands the outcomes back to it
// through a Handoff and its Wakeup.
type Lookups[C any] struct {
	resolver Resolver
	timeout  time.Duration
	wake     *Wakeup
	done     Handoff[Lookup[C]]
}

// NewLookups returns look-ups through resolver, each bounded by timeout
// (none when not positive), whose outcomes signal wake.
func NewLookups[C any](resolver Resolver, timeout time.Duration, wake *Wakeup) *Lookups[C] {
	return &Lookups[C]{resolver: resolver, timeout: timeout, wake: wake}
}

// Start looks host up in a goroutine of its own, bounded by ctx and the
// timeout, for conn; it returns what cancels the look-up. The outcome,
// addresses paired with port, comes out of a later Take.
func (l *Lookups[C]) Start(ctx context.Context, conn C, host string, port uint16) context.CancelFunc {
	var cancel context.CancelFunc
	if t := l.timeout; t > 0 {
		timeout := fmt.Errorf("no answer within the connection setup timeout (%v): %w", t, context.DeadlineExceeded)
		ctx, cancel = context.WithTimeoutCause(ctx, t, timeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	go func() {
		defer cancel()
		addrs, err := resolveHost(ctx, l.resolver, host, port)
		l.done.Put(Lookup[C]{Conn: conn, Addrs: addrs, Err: err})
		l.wake.Signal()
	}()
	return cancel
}

// Take returns the finished look-ups, or nil when there are none; the
// caller hands them back with Recycle once done with them.
func (l *Lookups[C]) Take() []Lookup[C] { return l.done.Take() }

// Recycle keeps taken's room for the next finished look-ups.
func (l *Lookups[C]) Recycle(taken []Lookup[C]) { l.done.Recycle(taken) }

// resolveHost looks host up and pairs its addresses with port. A look-up
// cut short by ctx says so even when the resolver's error does not.
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
