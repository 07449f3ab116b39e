package core

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"

	"github.com/perfproducer/perfproducer/iouring"
	"github.com/perfproducer/perfproducer/netpoll"
)

// newIOURingTransport opens the io_uring transport; tests replace it to
// play a kernel that refuses io_uring.
var newIOURingTransport = func(cfg iouring.TransportConfig) (transport, error) {
	return iouring.NewTransport(cfg)
}

// openTransport opens the transport cfg asks for and says which one it
// opened. When io_uring is asked for and the kernel refuses it, it opens
// epoll instead and logs that once, unless cfg.TransportFallback is false:
// Kafka users expect a producer to degrade rather than refuse, but a
// benchmark of io_uring must not quietly measure epoll.
func openTransport(cfg *Config, log *slog.Logger) (transport, Transport, error) {
	if cfg.Transport == TransportIOURing {
		t, err := newIOURingTransport(iouring.TransportConfig{
			SendBufferBytes:        cfg.SendBufferBytes,
			ReceiveBufferBytes:     cfg.ReceiveBufferBytes,
			ConnectionsMaxIdle:     cfg.ConnectionsMaxIdle,
			ConnectionSetupTimeout: cfg.SocketConnectionSetupTimeout,
		})
		switch {
		case err == nil:
			return t, TransportIOURing, nil
		case !errors.Is(err, iouring.ErrNotSupported):
			return nil, "", fmt.Errorf("opening the io_uring transport: %w", err)
		case !cfg.TransportFallback:
			return nil, "", fmt.Errorf("transport=iouring with transport.fallback=false: %w", err)
		}
		log.Warn("io_uring is not available; the producer uses the epoll transport instead (transport.fallback=true)", "error", err)
	}
	var tlsConfig *tls.Config
	if cfg.SecurityProtocol.usesTLS() {
		var err error
		if tlsConfig, err = cfg.buildTLS(); err != nil {
			return nil, "", err
		}
	}
	sel, err := netpoll.New(netpoll.Config{
		SendBufferBytes:        cfg.SendBufferBytes,
		ReceiveBufferBytes:     cfg.ReceiveBufferBytes,
		ConnectionsMaxIdle:     cfg.ConnectionsMaxIdle,
		ConnectionSetupTimeout: cfg.SocketConnectionSetupTimeout,
		TLS:                    tlsConfig,
	})
	if errors.Is(err, netpoll.ErrNotSupported) {
		return nil, "", fmt.Errorf("%w: %w", ErrNotSupported, err)
	}
	if err != nil {
		return nil, "", fmt.Errorf("opening the network selector: %w", err)
	}
	return sel, TransportEpoll, nil
}
