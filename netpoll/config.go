package netpoll

import (
	"crypto/tls"
	"fmt"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream"
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
type Resolver = stream.Resolver

// Kafka's defaults for the fields of Config.
const (
	DefaultSendBufferBytes        = stream.DefaultSendBufferBytes
	DefaultReceiveBufferBytes     = stream.DefaultReceiveBufferBytes
	DefaultConnectionsMaxIdle     = stream.DefaultConnectionsMaxIdle
	DefaultConnectionSetupTimeout = stream.DefaultConnectionSetupTimeout
	DefaultMaxFrameBytes          = stream.DefaultMaxFrameBytes
)

// settings returns c's settings but TLS with zero fields replaced by
// Kafka's defaults, or an error naming the first field that holds an
// impossible value.
func (c Config) settings() (stream.Settings, error) {
	s, err := stream.Settings{
		SendBufferBytes:        c.SendBufferBytes,
		ReceiveBufferBytes:     c.ReceiveBufferBytes,
		ConnectionsMaxIdle:     c.ConnectionsMaxIdle,
		ConnectionSetupTimeout: c.ConnectionSetupTimeout,
		MaxFrameBytes:          c.MaxFrameBytes,
		Resolver:               c.Resolver,
	}.WithDefaults()
	if err != nil {
		return s, fmt.Errorf("%w: %w", ErrInvalidConfig, err)
	}
	return s, nil
}
