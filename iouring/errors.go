package iouring

import (
	"errors"

	"github.com/perfproducer/perfproducer/internal/stream"
)

// Errors of the Ring's methods. Failed system calls are wrapped with their
// errno, which errors.Is also matches.
var (
	// ErrNotSupported is the error of New where io_uring cannot be used: a
	// system other than Linux, a kernel without io_uring or without what
	// this package needs (Linux 5.6 or later), io_uring disabled by the
	// kernel.io_uring_disabled sysctl, or io_uring_setup refused by a
	// seccomp or container policy. The producer then uses epoll.
	ErrNotSupported = errors.New("iouring: io_uring is not available here; use the epoll transport")

	ErrClosed              = errors.New("iouring: the ring is closed")
	ErrInvalidOptions      = errors.New("iouring: invalid options")
	ErrInvalidArgument     = errors.New("iouring: invalid argument")
	ErrSubmissionQueueFull = errors.New("iouring: the submission queue is full; call Submit before preparing more operations")
	ErrNothingPrepared     = errors.New("iouring: no operation has been prepared since the last Submit")
	ErrBusy                = errors.New("iouring: the kernel cannot take more submissions now; reap completions and submit again")
	ErrCancelFailed        = errors.New("iouring: the kernel could not cancel the ring's pending operations (IORING_ASYNC_CANCEL_ANY needs Linux 5.19); they may still use their memory")
)

// Errors of the Transport's Connect and Send, the same values as package
// netpoll's.
var (
	ErrConnectionExists  = stream.ErrConnectionExists
	ErrUnknownConnection = stream.ErrUnknownConnection
	ErrResolve           = stream.ErrResolve
)

// Reasons a connection is reported in Disconnected, the same values as
// netpoll's, so errors.Is matches them against a disconnect from either
// transport. The error there wraps one of these and, where the kernel gave
// one, the errno.
var (
	ErrConnectionRefused = stream.ErrConnectionRefused
	ErrConnectFailed     = stream.ErrConnectFailed
	ErrConnectTimeout    = stream.ErrConnectTimeout
	ErrConnectionReset   = stream.ErrConnectionReset
	ErrPeerClosed        = stream.ErrPeerClosed
	ErrFrameTooLarge     = stream.ErrFrameTooLarge
	ErrNegativeFrameSize = stream.ErrNegativeFrameSize
	ErrIdle              = stream.ErrIdle
	ErrSocket            = stream.ErrSocket
)

// ConnError is the error reported with a connection in Disconnected. It
// matches its Reason (one of the sentinels above) and its Cause (the errno
// or other detail, when there is one) with errors.Is. It is the same type as
// netpoll's.
type ConnError = stream.ConnError
