//go:build linux

package netpoll

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"

	"golang.org/x/sys/unix"
)

// Connect starts connection id to address ("host:port", host a name or an
// IP literal); id names the connection from then on, and Send may stage
// requests on it at once. The outcome arrives after a later Poll: id in
// Connected, or in Disconnected when the name does not resolve or every
// address it resolves to failed or timed out. An id in use, even one still
// resolving, gives ErrConnectionExists.
//
// An IP literal is connected to at once: Connect returns an error, and keeps
// no connection, when that connect fails at once. A host name is looked up
// in a goroutine of its own, so Connect returns without waiting and a slow
// DNS server holds up no other connection; the first Poll after the answer
// starts the connect. The look-up is cut short when ctx is done (ctx
// outlives the call) or after Config.ConnectionSetupTimeout, whichever comes
// first. A look-up that fails is reported in Disconnected with an error
// matching ErrResolve and, when it was cut short, the reason:
// context.DeadlineExceeded on a timeout, context.Canceled when ctx was
// cancelled. Connect itself returns ErrResolve only for an address it cannot
// parse.
func (s *Selector) Connect(ctx context.Context, id ID, address string) error {
	if s.closed {
		return ErrClosed
	}
	if _, ok := s.conns[id]; ok {
		return fmt.Errorf("%w: %d", ErrConnectionExists, id)
	}
	host, port, err := splitAddress(address)
	if err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return s.open(id, address, []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), port)})
	}
	c := s.newConn(id, address)
	s.conns[id] = c
	s.startLookup(ctx, c, host, port)
	return nil
}

// newConn returns connection id to address, resolving and without a socket.
func (s *Selector) newConn(id ID, address string) *conn {
	return &conn{
		id:      id,
		fd:      -1,
		state:   stateResolving,
		address: address,
		stage:   plainStage{},
		frames:  frameReader{max: s.cfg.MaxFrameBytes},
	}
}

// open starts connection id to the first of addrs that does not fail at once.
func (s *Selector) open(id ID, address string, addrs []netip.AddrPort) error {
	c := s.newConn(id, address)
	c.addrs = addrs
	s.now = s.clock()
	if err := s.dialNext(c); err != nil {
		return err
	}
	s.conns[id] = c
	return nil
}

// splitAddress splits "host:port" into its host and its port number.
func splitAddress(address string) (string, uint16, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return "", 0, fmt.Errorf("%w: %w", ErrResolve, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return "", 0, fmt.Errorf("%w: port %q of %q is not a number from 0 to 65535", ErrResolve, portText, address)
	}
	return host, uint16(port), nil
}

// dialNext starts a connect to c's next untried address, moving on while
// connects fail at once; it returns the last failure when none is left.
// The socket waits for writability whether the connect completed at once or
// is in progress, so both finish in finishConnect.
func (s *Selector) dialNext(c *conn) *ConnError {
	var err error
	for c.next < len(c.addrs) {
		addr := c.addrs[c.next]
		c.next++
		var fd int
		if fd, err = s.dial(addr); err == nil {
			s.attach(c, fd)
			return nil
		}
	}
	return &ConnError{ID: c.id, Address: c.address, Reason: reasonOf(err, true), Cause: err}
}

// dial opens a non-blocking, close-on-exec socket for addr, sets its options,
// starts the connect and adds the socket to the epoll set.
func (s *Selector) dial(addr netip.AddrPort) (int, error) {
	family, sa, err := sockaddr(addr)
	if err != nil {
		return -1, err
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return -1, fmt.Errorf("socket: %w", err)
	}
	if err := s.setOptions(fd); err != nil {
		unix.Close(fd)
		return -1, err
	}
	err = unix.Connect(fd, sa)
	// An interrupted connect goes on in the background, as one in
	// progress does.
	if err != nil && err != unix.EINPROGRESS && err != unix.EINTR {
		unix.Close(fd)
		return -1, fmt.Errorf("connect to %v: %w", addr, err)
	}
	if err := s.poller.add(fd, unix.EPOLLOUT); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("epoll_ctl add: %w", err)
	}
	return fd, nil
}

// setOptions applies TCP_NODELAY and the configured buffer sizes; sizes are
// set before connect so the TCP window scale is negotiated for them.
func (s *Selector) setOptions(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		return fmt.Errorf("setsockopt TCP_NODELAY: %w", err)
	}
	if n := s.cfg.SendBufferBytes; n != -1 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, n); err != nil {
			return fmt.Errorf("setsockopt SO_SNDBUF: %w", err)
		}
	}
	if n := s.cfg.ReceiveBufferBytes; n != -1 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, n); err != nil {
			return fmt.Errorf("setsockopt SO_RCVBUF: %w", err)
		}
	}
	return nil
}

func sockaddr(addr netip.AddrPort) (int, unix.Sockaddr, error) {
	ip := addr.Addr()
	if ip.Is4() {
		return unix.AF_INET, &unix.SockaddrInet4{Port: int(addr.Port()), Addr: ip.As4()}, nil
	}
	sa := &unix.SockaddrInet6{Port: int(addr.Port()), Addr: ip.As16()}
	if zone := ip.Zone(); zone != "" {
		ifi, err := net.InterfaceByName(zone)
		if err != nil {
			return 0, nil, fmt.Errorf("zone of %v: %w", addr, err)
		}
		sa.ZoneId = uint32(ifi.Index)
	}
	return unix.AF_INET6, sa, nil
}

// finishConnect runs when a connecting socket reports an event: SO_ERROR
// tells whether the connect succeeded.
func (s *Selector) finishConnect(c *conn) {
	if err := socketError(c.fd); err != nil {
		s.retry(c, reasonOf(err, true), err)
		return
	}
	if s.cfg.TLS != nil {
		s.startHandshake(c)
		return
	}
	s.ready(c)
}

// ready makes c ready for data, reports it connected and writes what was
// staged on it meanwhile.
func (s *Selector) ready(c *conn) {
	c.state = stateReady
	c.deadline = 0 // the setup timeout no longer applies
	s.touch(c)
	s.connected.add(c.id)
	s.flush(c)
}

// retry moves a failed or timed-out connect on to the next address, or
// reports the connection as disconnected when none is left.
func (s *Selector) retry(c *conn, reason, cause error) {
	s.detach(c)
	if c.next == len(c.addrs) {
		s.drop(c, reason, cause)
		return
	}
	if err := s.dialNext(c); err != nil {
		s.drop(c, err.Reason, err.Cause)
	}
}

// reasonOf names the sentinel for an error from a socket call.
func reasonOf(err error, connecting bool) error {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return errnoReason(errno, connecting)
	}
	if connecting {
		return ErrConnectFailed
	}
	return ErrSocket
}

// errnoReason names the reason behind an errno seen on a connection;
// connecting says whether the connection was still being set up.
func errnoReason(errno unix.Errno, connecting bool) error {
	switch {
	case errno == unix.ECONNREFUSED:
		return ErrConnectionRefused
	case errno == unix.ECONNRESET || errno == unix.EPIPE:
		return ErrConnectionReset
	case connecting:
		return ErrConnectFailed
	}
	return ErrSocket
}

// socketError reads and clears the error pending on a socket (SO_ERROR).
func socketError(fd int) error {
	soErr, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ERROR)
	if err != nil {
		return err
	}
	if soErr != 0 {
		return unix.Errno(soErr)
	}
	return nil
}
