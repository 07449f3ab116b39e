package iouring

import (
	"errors"
	"net"
	"os"
	"testing"

	"github.com/perfproducer/perfproducer/internal/stream"
	"github.com/perfproducer/perfproducer/internal/stream/streamtest"
)

// Helpers for the transport's tests on real loopback sockets; the peer and
// the polling helpers, shared with package netpoll's tests, are package
// streamtest's.

// newTransport returns a transport closed at the end of the test, or skips
// the test where io_uring cannot be used (CI fails instead).
func newTransport(t testing.TB, cfg TransportConfig) *Transport {
	t.Helper()
	tr, err := NewTransport(cfg)
	if errors.Is(err, ErrNotSupported) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the io_uring tests: %v", err)
		}
		t.Skipf("io_uring is unavailable here: %v", err)
	}
	if err != nil {
		t.Fatalf("NewTransport: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// openTransport opens a transport with settings' fields, for the scenarios
// both transports share.
func openTransport(t testing.TB, settings stream.Settings) streamtest.Transport {
	return newTransport(t, TransportConfig{
		SendBufferBytes:        settings.SendBufferBytes,
		ReceiveBufferBytes:     settings.ReceiveBufferBytes,
		ConnectionsMaxIdle:     settings.ConnectionsMaxIdle,
		ConnectionSetupTimeout: settings.ConnectionSetupTimeout,
		MaxFrameBytes:          settings.MaxFrameBytes,
		Resolver:               settings.Resolver,
	})
}

// connectedTransport returns a transport with cfg whose connection 1 to ln
// is up.
func connectedTransport(t testing.TB, cfg TransportConfig, ln net.Listener) *Transport {
	t.Helper()
	tr := newTransport(t, cfg)
	streamtest.ConnectOne(t, tr, ln)
	return tr
}
