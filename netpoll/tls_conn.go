//go:build linux

package netpoll

import (
	"io"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// recordConn is the net.Conn under a connection's tls.Conn: what crypto/tls
// reads records from and writes them to.
//
// During the handshake it passes reads and writes to handshake, a blocking
// duplicate of the socket run by Go's runtime poller in the handshake's own
// goroutine. Afterwards only the selector's goroutine drives it, over the
// non-blocking socket itself: a read that would block returns errWouldBlock,
// a temporary net.Error, which crypto/tls hands back without failing the
// connection (the bytes of a record read so far stay in the tls.Conn); a
// write goes straight to the socket, and what the socket does not take is
// kept in backlog, the only copy of ciphertext, made only under
// back-pressure.
type recordConn struct {
	handshake net.Conn
	fd        int
	backlog   []byte
}

// errWouldBlock is a read of an empty non-blocking socket.
var errWouldBlock net.Error = wouldBlock{}

type wouldBlock struct{}

func (wouldBlock) Error() string   { return "netpoll: the socket would block" }
func (wouldBlock) Timeout() bool   { return false }
func (wouldBlock) Temporary() bool { return true }

func (c *recordConn) Read(p []byte) (int, error) {
	if c.handshake != nil {
		return c.handshake.Read(p)
	}
	for {
		n, err := unix.Read(c.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			return 0, errWouldBlock
		case err != nil:
			return 0, err
		case n == 0 && len(p) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}

// Write takes all of p: what the socket does not take now waits in backlog
// for flushBacklog. Only a socket error fails it.
func (c *recordConn) Write(p []byte) (int, error) {
	if c.handshake != nil {
		return c.handshake.Write(p)
	}
	if len(c.backlog) == 0 {
		n, err := writeSome(c.fd, p)
		if err != nil {
			return 0, err
		}
		if n == len(p) {
			return n, nil
		}
		c.backlog = append(c.backlog, p[n:]...)
		return len(p), nil
	}
	c.backlog = append(c.backlog, p...)
	return len(p), nil
}

// flushBacklog writes what the socket did not take before; backlog is
// empty afterwards unless the socket is full again.
func (c *recordConn) flushBacklog() error {
	n, err := writeSome(c.fd, c.backlog)
	if err != nil {
		return err
	}
	rest := copy(c.backlog, c.backlog[n:])
	c.backlog = c.backlog[:rest]
	return nil
}

// writeSome writes what the socket takes of p without blocking.
func writeSome(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Write(fd, p)
		switch err {
		case nil:
			return n, nil
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return 0, nil
		}
		return 0, err
	}
}

// Close closes the handshake's duplicate, which is how crypto/tls cuts a
// handshake short when its context ends; the socket itself is the
// selector's to close.
func (c *recordConn) Close() error {
	if c.handshake != nil {
		return c.handshake.Close()
	}
	return nil
}

func (c *recordConn) LocalAddr() net.Addr {
	if c.handshake != nil {
		return c.handshake.LocalAddr()
	}
	return nil
}

func (c *recordConn) RemoteAddr() net.Addr {
	if c.handshake != nil {
		return c.handshake.RemoteAddr()
	}
	return nil
}

func (c *recordConn) SetDeadline(t time.Time) error {
	if c.handshake != nil {
		return c.handshake.SetDeadline(t)
	}
	return nil
}

func (c *recordConn) SetReadDeadline(t time.Time) error {
	if c.handshake != nil {
		return c.handshake.SetReadDeadline(t)
	}
	return nil
}

func (c *recordConn) SetWriteDeadline(t time.Time) error {
	if c.handshake != nil {
		return c.handshake.SetWriteDeadline(t)
	}
	return nil
}
