package iouring

import (
	"fmt"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream"
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
// ctx is done. It is the same type as netpoll's.
type Resolver = stream.Resolver

// Kafka's defaults for the fields of TransportConfig.
const (
	DefaultSendBufferBytes        = stream.DefaultSendBufferBytes
	DefaultReceiveBufferBytes     = stream.DefaultReceiveBufferBytes
	DefaultConnectionsMaxIdle     = stream.DefaultConnectionsMaxIdle
	DefaultConnectionSetupTimeout = stream.DefaultConnectionSetupTimeout
	DefaultMaxFrameBytes          = stream.DefaultMaxFrameBytes
)

// settings returns c's settings but Ring with zero fields replaced by
// Kafka's defaults, or an error naming the first field (Ring's included)
// that holds an impossible value.
func (c TransportConfig) settings() (stream.Settings, error) {
	s, err := stream.Settings{
		SendBufferBytes:        c.SendBufferBytes,
		ReceiveBufferBytes:     c.ReceiveBufferBytes,
		ConnectionsMaxIdle:     c.ConnectionsMaxIdle,
		ConnectionSetupTimeout: c.ConnectionSetupTimeout,
		MaxFrameBytes:          c.MaxFrameBytes,
		Resolver:               c.Resolver,
	}.WithDefaults()
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrInvalidOptions, err)
	}
	_, err = c.Ring.withDefaults()
	return s, err
}
