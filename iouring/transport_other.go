//go:build !linux

package iouring

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// Transport has the Linux transport's methods, so code using it builds on
// any system; NewTransport never returns one here.
type Transport struct{}

// NewTransport validates cfg as on Linux, then fails with an error matching
// ErrNotSupported.
func NewTransport(cfg TransportConfig) (*Transport, error) {
	if _, err := cfg.settings(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w (GOOS=%s)", ErrNotSupported, runtime.GOOS)
}

// Wakeup does nothing.
func (*Transport) Wakeup() {}

// Poll returns ErrNotSupported.
func (*Transport) Poll(time.Duration) error { return ErrNotSupported }

// Connect returns ErrNotSupported.
func (*Transport) Connect(context.Context, int64, string) error { return ErrNotSupported }

// Send returns ErrNotSupported.
func (*Transport) Send(int64, [][]byte, uint64) error { return ErrNotSupported }

// CloseConnection does nothing.
func (*Transport) CloseConnection(int64) {}

// Close returns ErrNotSupported.
func (*Transport) Close() error { return ErrNotSupported }

// Connected returns nil.
func (*Transport) Connected() []int64 { return nil }

// Sent returns nil.
func (*Transport) Sent() []Completion { return nil }

// Received returns nil.
func (*Transport) Received() []Frame { return nil }

// Disconnected returns nil.
func (*Transport) Disconnected() []Disconnect { return nil }

// Ready returns false.
func (*Transport) Ready(int64) bool { return false }
