package stream

import (
	"errors"
	"fmt"
)

// Errors of both transports' Connect and Send.
var (
	ErrConnectionExists  = errors.New("a connection with this id is already open")
	ErrUnknownConnection = errors.New("no connection with this id")
	ErrResolve           = errors.New("the address could not be resolved")
)

// Reasons a connection is reported in Disconnected, by either transport.
// The error there wraps one of these and, where the kernel gave one, the
// errno.
var (
	ErrConnectionRefused = errors.New("connection refused")
	ErrConnectFailed     = errors.New("connect failed")
	ErrConnectTimeout    = errors.New("connect did not complete within the setup timeout")
	ErrConnectionReset   = errors.New("connection reset by peer")
	ErrPeerClosed        = errors.New("peer closed the connection")
	ErrFrameTooLarge     = errors.New("frame size prefix exceeds the maximum")
	ErrNegativeFrameSize = errors.New("frame size prefix is negative")
	ErrIdle              = errors.New("connection closed after being idle")
	ErrSocket            = errors.New("socket error")
)

// ConnError is the error reported with a connection in Disconnected. It
// matches its Reason (a sentinel, or an error wrapping one) and its Cause
// (the errno or other detail, when there is one) with errors.Is.
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
