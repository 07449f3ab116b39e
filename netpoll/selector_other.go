//go:build !linux

package netpoll

import (
	"context"
	"fmt"
	"runtime"
	"time"
)

// Selector has the Linux selector's methods, so code using it builds on any
// system; New never returns one here.
type Selector struct{}

// New validates cfg as on Linux, then fails with an error matching
// ErrNotSupported.
func New(cfg Config) (*Selector, error) {
	if _, err := cfg.settings(); err != nil {
		return nil, err
	}
	return nil, fmt.Errorf("%w (GOOS=%s)", ErrNotSupported, runtime.GOOS)
}

// Wakeup does nothing.
func (*Selector) Wakeup() {}

// Poll returns ErrNotSupported.
func (*Selector) Poll(time.Duration) error { return ErrNotSupported }

// Connect returns ErrNotSupported.
func (*Selector) Connect(context.Context, ID, string) error { return ErrNotSupported }

// Send returns ErrNotSupported.
func (*Selector) Send(ID, [][]byte, uint64) error { return ErrNotSupported }

// CloseConnection does nothing.
func (*Selector) CloseConnection(ID) {}

// Close returns ErrNotSupported.
func (*Selector) Close() error { return ErrNotSupported }

// Connected returns nil.
func (*Selector) Connected() []ID { return nil }

// Sent returns nil.
func (*Selector) Sent() []Completion { return nil }

// Received returns nil.
func (*Selector) Received() []Frame { return nil }

// Disconnected returns nil.
func (*Selector) Disconnected() []Disconnect { return nil }

// Ready returns false.
func (*Selector) Ready(ID) bool { return false }
