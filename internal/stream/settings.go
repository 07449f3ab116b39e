package stream

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Settings are what both transports take for their connections. Each field
// but Resolver mirrors a Java client property; the transports' config
// types document them for their users.
type Settings struct {
	SendBufferBytes        int
	ReceiveBufferBytes     int
	ConnectionsMaxIdle     time.Duration
	ConnectionSetupTimeout time.Duration
	MaxFrameBytes          int32
	Resolver               Resolver
}

// Resolver looks up the addresses of a host name; *net.Resolver is one.
// Each look-up runs in a goroutine of its own, several at once, and should
// return soon after ctx is done: until it does, its goroutine lives on.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Kafka's defaults for the fields of Settings.
const (
	DefaultSendBufferBytes        = 128 << 10
	DefaultReceiveBufferBytes     = 32 << 10
	DefaultConnectionsMaxIdle     = 9 * time.Minute
	DefaultConnectionSetupTimeout = 10 * time.Second
	DefaultMaxFrameBytes          = 100 << 20
)

// WithDefaults returns s with zero fields replaced by Kafka's defaults, or
// an error naming the first field that holds an impossible value, for the
// transport to wrap with its own sentinel.
func (s Settings) WithDefaults() (Settings, error) {
	switch {
	case s.SendBufferBytes < -1:
		return s, fmt.Errorf("SendBufferBytes is %d, want -1 or more", s.SendBufferBytes)
	case s.ReceiveBufferBytes < -1:
		return s, fmt.Errorf("ReceiveBufferBytes is %d, want -1 or more", s.ReceiveBufferBytes)
	case s.MaxFrameBytes < 0:
		return s, fmt.Errorf("MaxFrameBytes is %d, want 0 or more", s.MaxFrameBytes)
	}
	if s.SendBufferBytes == 0 {
		s.SendBufferBytes = DefaultSendBufferBytes
	}
	if s.ReceiveBufferBytes == 0 {
		s.ReceiveBufferBytes = DefaultReceiveBufferBytes
	}
	if s.ConnectionsMaxIdle == 0 {
		s.ConnectionsMaxIdle = DefaultConnectionsMaxIdle
	}
	if s.ConnectionSetupTimeout == 0 {
		s.ConnectionSetupTimeout = DefaultConnectionSetupTimeout
	}
	if s.MaxFrameBytes == 0 {
		s.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if s.Resolver == nil {
		s.Resolver = net.DefaultResolver
	}
	return s, nil
}
