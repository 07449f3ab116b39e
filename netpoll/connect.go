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

// Connect resolves address ("host:port", host a name or an IP literal) and
// starts a non-blocking connect to its first address; id names the connection
// from then on. The outcome arrives after a later Poll: id in Connected, or
// in Disconnected when every resolved address failed or timed out. Connect
// returns an error, and keeps no connection, when the address does not
// resolve or when every address fails at once.
//
// Resolution may block; ctx bounds it.
func (s *Selector) Connect(ctx context.Context, id ID, address string) error {
	if s.closed {
		return ErrClosed
	}
	if _, ok := s.conns[id]; ok {
		return fmt.Errorf("%w: %d", ErrConnectionExists, id)
	}
	addrs, err := s.resolve(ctx, address)
	if err != nil {
		return err
	}
	return s.open(id, address, addrs)
}

// open starts connection id to the first of addrs that does not fail at once.
func (s *Selector) open(id ID, address string, addrs []netip.AddrPort) error {
	c := &conn{
		id:      id,
		fd:      -1,
		address: address,
		addrs:   addrs,
		stage:   plainStage{},
		frames:  frameReader{max: s.cfg.MaxFrameBytes},
	}
	s.now = s.clock()
	if err := s.dialNext(c); err != nil {
		return err
	}
	s.conns[id] = c
	return nil
}

// resolve turns "host:port" into addresses to try in order.
func (s *Selector) resolve(ctx context.Context, address string) ([]netip.AddrPort, error) {
	host, portText, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResolve, err)
	}
	port, err := strconv.ParseUint(portText, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("%w: port %q of %q is not a number from 0 to 65535", ErrResolve, portText, address)
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), uint16(port))}, nil
	}
	ips, err := s.cfg.Resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrResolve, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("%w: %q has no address", ErrResolve, host)
	}
	addrs := make([]netip.AddrPort, len(ips))
	for i, ip := range ips {
		addrs[i] = netip.AddrPortFrom(ip.Unmap(), uint16(port))
	}
	return addrs, nil
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
