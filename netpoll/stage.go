//go:build linux

package netpoll

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// stage is the layer between a connection's socket and its framing: framing
// reads the bytes a stage yields and hands it the iovecs of staged sends.
// Both calls are non-blocking and return unix.EAGAIN when the socket would
// block. Plain TCP is the identity; tlsStage is the TLS record layer.
type stage interface {
	// read fills p with bytes for framing; 0 bytes and no error is the
	// peer's orderly close.
	read(fd int, p []byte) (int, error)
	// writev hands the bytes of iov to the peer and says how many it took.
	writev(fd int, iov []unix.Iovec) (int, error)
	// pending reports whether the stage may hold bytes for framing that
	// it read from the socket already, so epoll will not report them.
	pending() bool
}

// plainStage passes bytes straight between socket and framing.
type plainStage struct{}

func (plainStage) read(fd int, p []byte) (int, error) {
	for {
		n, err := unix.Read(fd, p)
		if err != unix.EINTR {
			return max(n, 0), err
		}
	}
}

func (plainStage) pending() bool { return false }

func (plainStage) writev(fd int, iov []unix.Iovec) (int, error) {
	for {
		n, _, errno := unix.Syscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(len(iov)))
		switch errno {
		case 0:
			return int(n), nil
		case unix.EINTR:
			continue
		}
		return 0, errno
	}
}
