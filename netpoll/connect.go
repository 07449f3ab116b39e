//go:build linux

package netpoll

import (
	"context"
	"fmt"
	"net"
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
	host, port, err := stream.SplitAddress(address)
	if err != nil {
		return err
	}
	if ip, err := netip.ParseAddr(host); err == nil {
		return s.open(id, address, []netip.AddrPort{netip.AddrPortFrom(ip.Unmap(), port)})
	}
	c := s.newConn(id, address)
	s.conns[id] = c
	c.cancelLookup = s.lookups.Start(ctx, c, host, port)
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
		frames:  stream.NewFrameReader(s.cfg.MaxFrameBytes),
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
	return &ConnError{ID: c.id, Address: c.address, Reason: stream.ReasonOf(err, true), Cause: err}
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
	if err := s.cfg.SetSocketOptions(fd); err != nil {
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
		s.retry(c, stream.ReasonOf(err, true), err)
		return
	}
	if s.tls != nil {
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
	s.connected.Add(c.id)
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
