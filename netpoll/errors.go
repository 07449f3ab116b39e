package netpoll

import (
	"errors"

	"github.com/perfproducer/perfproducer/internal/stream"
)

// Errors returned by the Selector's methods.
var (
	ErrClosed        = errors.New("netpoll: selector is closed")
	ErrInvalidConfig = errors.New("netpoll: invalid config")

	// ErrNotSupported is the error of New on a system other than Linux:
	// the selector is built on epoll and eventfd.
	ErrNotSupported = errors.New("netpoll: not supported on this system; the selector needs Linux")
)

// Errors of Connect and Send, the same values as package iouring's.
var (
	ErrConnectionExists  = stream.ErrConnectionExists
	ErrUnknownConnection = stream.ErrUnknownConnection
	ErrResolve           = stream.ErrResolve
)

// Reasons a connection is reported in Disconnected. The error there wraps one
// of these and, where the kernel gave one, the errno. They are the same
// values as package iouring's, so errors.Is matches them against a
// disconnect from either transport.
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
	// ErrTLSHandshake: the TLS handshake failed or timed out; the cause
	// says why (an unknown certificate authority, an expired certificate,
	// a host name the certificate does not name, an alert from the peer).
	ErrTLSHandshake = errors.New("netpoll: TLS handshake failed")
)

// ConnError is the error reported with a connection in Disconnected. It
// matches its Reason (one of the sentinels above) and its Cause (the errno or
// other detail, when there is one) with errors.Is. It is the same type as
// package iouring's.
type ConnError = stream.ConnError
