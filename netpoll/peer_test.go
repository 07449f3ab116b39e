//go:build linux

package netpoll

import (
	"net"
	"testing"

	"github.com/perfproducer/perfproducer/internal/stream"
	"github.com/perfproducer/perfproducer/internal/stream/streamtest"
	"go.uber.org/goleak"
)

// Helpers for tests on real loopback sockets; the peer and the polling
// helpers, shared with package iouring's tests, are package streamtest's.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func newSelector(t testing.TB, cfg Config) *Selector {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// openSelector opens a selector with settings' fields, for the scenarios
// both transports share.
func openSelector(t testing.TB, settings stream.Settings) streamtest.Transport {
	return newSelector(t, Config{
		SendBufferBytes:        settings.SendBufferBytes,
		ReceiveBufferBytes:     settings.ReceiveBufferBytes,
		ConnectionsMaxIdle:     settings.ConnectionsMaxIdle,
		ConnectionSetupTimeout: settings.ConnectionSetupTimeout,
		MaxFrameBytes:          settings.MaxFrameBytes,
		Resolver:               settings.Resolver,
	})
}

// connectedSelector returns a selector with cfg whose connection 1 to ln is
// up.
func connectedSelector(t testing.TB, cfg Config, ln net.Listener) *Selector {
	t.Helper()
	s := newSelector(t, cfg)
	streamtest.ConnectOne(t, s, ln)
	return s
}

// dial opens a net.Conn to ln, closed at the end of the test.
func dial(t testing.TB, ln net.Listener) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
