//go:build linux

package stream

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// SetSocketOptions applies TCP_NODELAY and s's buffer sizes to a TCP
// socket; call it before connect, so the TCP window scale is negotiated
// for the sizes.
func (s *Settings) SetSocketOptions(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1); err != nil {
		return fmt.Errorf("setsockopt TCP_NODELAY: %w", err)
	}
	if n := s.SendBufferBytes; n != -1 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, n); err != nil {
			return fmt.Errorf("setsockopt SO_SNDBUF: %w", err)
		}
	}
	if n := s.ReceiveBufferBytes; n != -1 {
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, n); err != nil {
			return fmt.Errorf("setsockopt SO_RCVBUF: %w", err)
		}
	}
	return nil
}

// ReasonOf names the sentinel for an error from a socket call; connecting
// says whether the connection was still being set up.
func ReasonOf(err error, connecting bool) error {
	var errno unix.Errno
	if errors.As(err, &errno) {
		return ErrnoReason(errno, connecting)
	}
	if connecting {
		return ErrConnectFailed
	}
	return ErrSocket
}

// ErrnoReason names the reason behind an errno seen on a connection;
// connecting says whether the connection was still being set up.
func ErrnoReason(errno unix.Errno, connecting bool) error {
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
