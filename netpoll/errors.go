package netpoll

import (
	"errors"
	"fmt"
)

// Errors returned by the Selector's methods.
var (
	ErrClosed            = errors.New("netpoll: selector is closed")
	ErrInvalidConfig     = errors.New("netpoll: invalid config")
	ErrConnectionExists  = errors.New("netpoll: a connection with this id is already open")
	ErrUnknownConnection = errors.New("netpoll: no connection with this id")
	ErrResolve           = errors.New("netpoll: the address could not be resolved")

	// ErrNotSupported is the error of New on a system other than Linux:
	// the selector is built on epoll and eventfd.
	ErrNotSupported = errors.New("netpoll: not supported on this system; the selector needs Linux")
)

// Reasons a connection is reported in Disconnected. The error there wraps one
// of these and, where the kernel gave one, the errno.
var (
	ErrConnectionRefused = errors.New("netpoll: connection refused")
	ErrConnectFailed     = errors.New("netpoll: connect failed")
	ErrConnectTimeout    = errors.New("netpoll: connect did not complete within the setup timeout")
	ErrConnectionReset   = errors.New("netpoll: connection reset by peer")
	ErrPeerClosed        = errors.New("netpoll: peer closed the connection")
	ErrFrameTooLarge     = errors.New("netpoll: frame size prefix exceeds the maximum")
	ErrNegativeFrameSize = errors.New("netpoll: frame size prefix is negative")
	ErrIdle              = errors.New("netpoll: connection closed after being idle")
	ErrSocket            = errors.New("netpoll: socket error")
	// ErrTLSHandshake: the TLS handshake failed or timed out; the cause
	// says why (an unknown certificate authority, an expired certificate,
	// a host name the certificate does not name, an alert from the peer).
	ErrTLSHandshake = errors.New("netpoll: TLS handshake failed")
)

// ConnError is the error reported with a connection in Disconnected. It
// matches its Reason (one of the sentinels above) and its Cause (the errno or
// other detail, when there is one) with errors.Is.
type ConnError struct {
	ID      ID
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
