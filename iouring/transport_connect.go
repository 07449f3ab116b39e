//go:build linux

package iouring

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/perfproducer/perfproducer/internal/stream"
	"golang.org/x/sys/unix"
)

// Connect starts connection id to address ("host:port", host a name or an
// IP literal); id names the connection from then on, and Send may stage
// requests on it at once. The outcome arrives after a later Poll: id in
// Connected, or in Disconnected when the name does not resolve or every
// address it resolves to failed or timed out. An id in use, even one still
// resolving, gives ErrConnectionExists.
//
// The connect itself runs on the ring, bounded by a linked timeout of
// TransportConfig.ConnectionSetupTimeout per address. A host name is looked
// up in a goroutine of its own, cut short when ctx is done or after the
// setup timeout, as netpoll does; Connect returns ErrResolve only for an
// address it cannot parse.
func (t *Transport) Connect(ctx context.Context, id int64, address string) error {
	if t.closed {
		return ErrClosed
	}
	if _, ok := t.conns[id]; ok {
		return fmt.Errorf("%w: %d", ErrConnectionExists, id)
	}
	host, port, err := stream.SplitAddress(address)
	if err != nil {
		return err
	}
	c := t.newConn(id, address)
	if ip, err := netip.ParseAddr(host); err == nil {
		c.addrs = []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), port)}
		if err := t.dialNext(c); err != nil {
			c.state = stateClosed
			t.releaseSlot(c)
			return err
		}
		t.conns[id] = c
		return nil
	}
	t.conns[id] = c
	c.cancelLookup = t.lookups.Start(ctx, c, host, port)
	return nil
}

// dialNext prepares a connect to c's next untried address, moving on while
// a socket cannot be made; it returns the last failure when none is left.
func (t *Transport) dialNext(c *conn) *ConnError {
	var err error
	for c.next < len(c.addrs) {
		addr := c.addrs[c.next]
		c.next++
		if err = t.dial(c, addr); err == nil {
			return nil
		}
	}
	return &ConnError{ID: c.id, Address: c.address, Reason: stream.ReasonOf(err, true), Cause: err}
}

// dial opens a close-on-exec socket for addr, sets its options and
// prepares its connect, linked to the setup timeout.
//
// The socket stays blocking: io_uring tries each operation without waiting
// and, when the socket is not ready, waits for it to be, completing the
// operation then. A non-blocking socket would instead complete reads and
// writes at once with EAGAIN.
func (t *Transport) dial(c *conn, addr netip.AddrPort) error {
	if addr.Addr().Zone() != "" {
		return fmt.Errorf("connect to %v: io_uring connects take no IPv6 zone", addr)
	}
	family := unix.AF_INET6
	if addr.Addr().Is4() {
		family = unix.AF_INET
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	if err := t.cfg.SetSocketOptions(fd); err != nil {
		unix.Close(fd)
		return err
	}
	if err := t.reserve(2); err != nil {
		unix.Close(fd)
		return err
	}
	if err := t.ring.PrepareConnect(int32(fd), addr, userData(c, opConnect)); err != nil {
		unix.Close(fd)
		return err
	}
	c.inflight++
	c.connecting = true
	if d := t.cfg.ConnectionSetupTimeout; d > 0 {
		if err := t.ring.PrepareLinkTimeout(d, userData(c, opConnectTimeout)); err == nil {
			c.inflight++
		}
	}
	c.fd = fd
	c.state = stateConnecting
	return nil
}

// connectDone handles the completion of c's connect: res is 0 once
// connected, -ECANCELED when the linked timeout cut it short, or the
// errno of a failed connect.
func (t *Transport) connectDone(c *conn, res int32) {
	if c.state != stateConnecting {
		return
	}
	switch errno := unix.Errno(-res); {
	case res == 0:
	case errno == unix.ECANCELED:
		t.retry(c, ErrConnectTimeout, nil)
		return
	default:
		t.retry(c, stream.ErrnoReason(errno, true), errno)
		return
	}
	c.state = stateReady
	t.touch(c)
	t.connected.Add(c.id)
	t.postReceive(c)
	t.postWrite(c)
}

// retry moves a failed or timed-out connect on to the next address, or
// reports the connection as disconnected when none is left.
func (t *Transport) retry(c *conn, reason, cause error) {
	t.closeSocket(c)
	if c.next == len(c.addrs) {
		t.drop(c, reason, cause)
		return
	}
	if err := t.dialNext(c); err != nil {
		t.drop(c, err.Reason, err.Cause)
	}
}
