package netpoll

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// Config holds the selector's settings. Each field but Resolver mirrors a Java
// client property; a zero value means Kafka's default.
type Config struct {
	// SendBufferBytes is SO_SNDBUF for every socket (send.buffer.bytes).
	// Zero means 131072; -1 leaves the operating system's default, which
	// lets the kernel tune the buffer to the connection.
	SendBufferBytes int

	// ReceiveBufferBytes is SO_RCVBUF for every socket
	// (receive.buffer.bytes). Zero means 32768; -1 leaves the operating
	// system's default.
	ReceiveBufferBytes int

	// ConnectionsMaxIdle closes a connection that has neither read nor
	// written for this long (connections.max.idle.ms). Zero means 9 minutes;
	// a negative value never closes idle connections.
	ConnectionsMaxIdle time.Duration

	// ConnectionSetupTimeout bounds one connect attempt to one address
	// (socket.connection.setup.timeout.ms). Zero means 10 seconds; a negative
	// value waits for the kernel to give up.
	ConnectionSetupTimeout time.Duration

	// MaxFrameBytes is the largest size prefix a received frame may carry
	// (socket.request.max.bytes). Zero means 104857600 (100 MiB).
	MaxFrameBytes int32

	// TLS, when not nil, makes every connection TLS (crypto/tls) with this
	// configuration: the handshake runs after the connect and before the
	// connection is reported in Connected. An empty ServerName is set, per
	// connection, to the host of the address given to Connect, so the
	// broker's certificate is verified against it unless
	// InsecureSkipVerify is set. Nil means plain TCP.
	TLS *tls.Config

	// Resolver turns host names into addresses before connecting. Nil means
	// net.DefaultResolver.
	Resolver Resolver
}

// Resolver looks up the addresses of a host name; *net.Resolver is one. Each
// look-up runs in a goroutine of its own, several at once, and should return
// soon after ctx is done: until it does, its goroutine lives on.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Kafka's defaults for the fields of Config.
const (
	DefaultSendBufferBytes        = 128 << 10
	DefaultReceiveBufferBytes     = 32 << 10
	DefaultConnectionsMaxIdle     = 9 * time.Minute
	DefaultConnectionSetupTimeout = 10 * time.Second
	DefaultMaxFrameBytes          = 100 << 20
)

// withDefaults returns c with zero fields replaced by Kafka's defaults, or an
// error naming the first field that holds an impossible value.
func (c Config) withDefaults() (Config, error) {
	switch {
	case c.SendBufferBytes < -1:
		return c, fmt.Errorf("%w: SendBufferBytes is %d, want -1 or more", ErrInvalidConfig, c.SendBufferBytes)
	case c.ReceiveBufferBytes < -1:
		return c, fmt.Errorf("%w: ReceiveBufferBytes is %d, want -1 or more", ErrInvalidConfig, c.ReceiveBufferBytes)
	case c.MaxFrameBytes < 0:
		return c, fmt.Errorf("%w: MaxFrameBytes is %d, want 0 or more", ErrInvalidConfig, c.MaxFrameBytes)
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
	return c, nil
}
