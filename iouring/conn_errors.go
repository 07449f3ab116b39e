package iouring

import (
	"errors"
	"fmt"
)

// Errors of the Transport's methods.
var (
	ErrConnectionExists  = errors.New("iouring: a connection with this id is already open")
	ErrUnknownConnection = errors.New("iouring: no connection with this id")
	ErrResolve           = errors.New("iouring: the address could not be resolved")
)

// Reasons a connection is reported in Disconnected, the same as netpoll's.
// The error there wraps one of these and, where the kernel gave one, the
// errno.
var (
	ErrConnectionRefused = errors.New("iouring: connection refused")
	ErrConnectFailed     = errors.New("iouring: connect failed")
	ErrConnectTimeout    = errors.New("iouring: connect did not complete within the setup timeout")
	ErrConnectionReset   = errors.New("iouring: connection reset by peer")
	ErrPeerClosed        = errors.New("iouring: peer closed the connection")
	ErrFrameTooLarge     = errors.New("iouring: frame size prefix exceeds the maximum")
	ErrNegativeFrameSize = errors.New("iouring: frame size prefix is negative")
	ErrIdle              = errors.New("iouring: connection closed after being idle")
	ErrSocket            = errors.New("iouring: socket error")
)

// ConnError is the error reported with a connection in Disconnected. It
// matches its Reason (one of the sentinels above) and its Cause (the errno
// or other detail, when there is one) with errors.Is.
type ConnError struct {
	ID      int64
	Address string
	Reason  error
	Cause   error
}

func (e *ConnError) Error() string {
	msg := fmt.Sprintf("%v (connection %d, %s)", e.Reason, e.ID, e.Address)
	if e.Cause != nil {
		msg += ": " + e.Cause.Error()
	}
	return msg
}

func (e *ConnError) Unwrap() []error {
	if e.Cause == nil {
		return []error{e.Reason}
	}
	return []error{e.Reason, e.Cause}
}
