package core

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/perfproducer/perfproducer/iouring"
)

// refuseIOURing plays, for the rest of the test, a kernel that refuses
// io_uring.
func refuseIOURing(t *testing.T) {
	real := newIOURingTransport
	newIOURingTransport = func(iouring.TransportConfig) (transport, error) {
		return nil, fmt.Errorf("%w: io_uring_setup: operation not permitted (played by the test)", iouring.ErrNotSupported)
	}
	t.Cleanup(func() { newIOURingTransport = real })
}

// TestTransportFallsBackToEpoll: where io_uring is refused, a producer asked
// for it runs on epoll, says so once in its log and in Stats, and delivers.
func TestTransportFallsBackToEpoll(t *testing.T) {
	refuseIOURing(t)
	c := kafkatest.NewCluster(t, 1, "fallback", 1)
	var logged bytes.Buffer
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Transport = TransportIOURing
		cfg.TransportFallback = true
		cfg.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if err := p.Send(ctx, &Record{Topic: "fallback", Value: []byte("on epoll")}, nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if got := p.Stats(); got.Transport != TransportEpoll || got.RecordsSent != 1 {
		t.Errorf("Stats: transport %q, %d records sent; want epoll and 1", got.Transport, got.RecordsSent)
	}
	if n := strings.Count(logged.String(), "uses the epoll transport instead"); n != 1 {
		t.Errorf("the fallback was logged %d times, want once:\n%s", n, logged.String())
	}
}

// TestTransportWithoutFallback: with transport.fallback=false, a refused
// io_uring fails NewProducer with an error matching iouring.ErrNotSupported.
func TestTransportWithoutFallback(t *testing.T) {
	refuseIOURing(t)
	cfg := DefaultConfig()
	cfg.BootstrapServers = []string{"127.0.0.1:9092"}
	if err := cfg.Set("transport", "iouring"); err != nil {
		t.Fatal(err)
	}
	if err := cfg.Set("transport.fallback", "false"); err != nil {
		t.Fatal(err)
	}
	p, err := NewProducer(cfg)
	if err == nil {
		p.Close(context.Background())
		t.Fatal("NewProducer succeeded on a kernel refusing io_uring with transport.fallback=false")
	}
	if !errors.Is(err, iouring.ErrNotSupported) || !strings.Contains(err.Error(), "transport.fallback=false") {
		t.Errorf("err = %v, want one matching iouring.ErrNotSupported that names transport.fallback", err)
	}
}

// TestTransportInUse: each transport, where the kernel offers it, is the one
// Stats reports.
func TestTransportInUse(t *testing.T) {
	for _, want := range transports {
		t.Run(string(want), func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.BootstrapServers = []string{"127.0.0.1:9092"}
			cfg.Transport = want
			cfg.TransportFallback = false
			p, err := NewProducer(cfg)
			if errors.Is(err, iouring.ErrNotSupported) && os.Getenv("CI") != "true" {
				t.Skipf("io_uring is unavailable here: %v", err)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer p.Close(context.Background())
			if got := p.Stats().Transport; got != want {
				t.Errorf("Stats().Transport = %q, want %q", got, want)
			}
		})
	}
}
