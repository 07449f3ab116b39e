package iouring

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// TransportConfig holds a Transport's settings. Each field but Resolver and
// Ring mirrors a Java client property; a zero value means Kafka's default,
// as in package netpoll.
type TransportConfig struct {
	// SendBufferBytes is SO_SNDBUF for every socket (send.buffer.bytes).
	// Zero means 131072; -1 leaves the operating system's default.
	SendBufferBytes int

	// ReceiveBufferBytes is SO_RCVBUF for every socket
	// (receive.buffer.bytes). Zero means 32768; -1 leaves the operating
	// system's default.
	ReceiveBufferBytes int

	// ConnectionsMaxIdle closes a connection that has neither read nor
	// written for this long (connections.max.idle.ms). Zero means 9
	// minutes; a negative value never closes idle connections.
	ConnectionsMaxIdle time.Duration

	// ConnectionSetupTimeout bounds one connect attempt to one address
	// (socket.connection.setup.timeout.ms). Zero means 10 seconds; a
	// negative value waits for the kernel to give up.
	ConnectionSetupTimeout time.Duration

	// MaxFrameBytes is the largest size prefix a received frame may carry
	// (socket.request.max.bytes). Zero means 104857600 (100 MiB).
	MaxFrameBytes int32

	// Resolver turns host names into addresses before connecting. Nil
	// means net.DefaultResolver.
	Resolver Resolver

	// Ring sizes the ring; zero fields take its defaults.
	Ring Options
}

// Resolver looks up the addresses of a host name; *net.Resolver is one.
// Each look-up runs in a goroutine of its own and should return soon after
// ctx is done.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Kafka's defaults for the fields of TransportConfig.
const (
	DefaultSendBufferBytes        = 128 << 10
	DefaultReceiveBufferBytes     = 32 << 10
	DefaultConnectionsMaxIdle     = 9 * time.Minute
	DefaultConnectionSetupTimeout = 10 * time.Second
	DefaultMaxFrameBytes          = 100 << 20
)

// withDefaults returns c with zero fields replaced by Kafka's defaults, or
// an error naming the first field that holds an impossible value.
func (c TransportConfig) withDefaults() (TransportConfig, error) {
	switch {
	case c.SendBufferBytes < -1:
		return c, fmt.Errorf("%w: SendBufferBytes is %d, want -1 or more", ErrInvalidOptions, c.SendBufferBytes)
	case c.ReceiveBufferBytes < -1:
		return c, fmt.Errorf("%w: ReceiveBufferBytes is %d, want -1 or more", ErrInvalidOptions, c.ReceiveBufferBytes)
	case c.MaxFrameBytes < 0:
		return c, fmt.Errorf("%w: MaxFrameBytes is %d, want 0 or more", ErrInvalidOptions, c.MaxFrameBytes)
	}
	if c.SendBufferBytes == 0 {
		c.SendBufferBytes = DefaultSendBufferBytes
	}
	if c.ReceiveBufferBytes == 0 {
		c.ReceiveBufferBytes = DefaultReceiveBufferBytes
	}
	if c.ConnectionsMaxIdle == 0 {
		c.ConnectionsMaxIdle = DefaultConnectionsMaxIdle
	}
	if c.ConnectionSetupTimeout == 0 {
		c.ConnectionSetupTimeout = DefaultConnectionSetupTimeout
	}
	if c.MaxFrameBytes == 0 {
		c.MaxFrameBytes = DefaultMaxFrameBytes
	}
	if c.Resolver == nil {
		c.Resolver = net.DefaultResolver
	}
	var err error
	c.Ring, err = c.Ring.withDefaults()
	return c, err
}
