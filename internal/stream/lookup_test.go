//go:build linux

package stream_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream"
	"github.com/perfproducer/perfproducer/internal/stream/streamtest"
	"golang.org/x/sys/unix"
)

// waitReadable fails the test unless fd turns readable within the deadline.
func waitReadable(t *testing.T, fd int) {
	t.Helper()
	fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, int((20 * time.Second).Milliseconds()))
	if err != nil || n != 1 {
		t.Fatalf("the wakeup eventfd did not turn readable: %d, %v", n, err)
	}
}

// TestLookups runs look-ups with various answers: each comes back through
// Take for the connection that asked, after signalling the wakeup, with its
// addresses paired with the port or the reason it failed.
func TestLookups(t *testing.T) {
	errNoSuchHost := errors.New("no such host")
	a, b := netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("::ffff:10.0.0.2")
	for _, tc := range []struct {
		name     string
		resolver streamtest.ResolverFunc
		timeout  time.Duration
		want     []netip.AddrPort
		wantErr  []error
		wantText string
	}{
		{"addresses, IPv4-mapped ones unmapped", func(context.Context, string) ([]netip.Addr, error) {
			return []netip.Addr{a, b}, nil
		}, time.Minute, []netip.AddrPort{netip.AddrPortFrom(a, 9092), netip.AddrPortFrom(b.Unmap(), 9092)}, nil, ""},
		{"resolver fails", func(context.Context, string) ([]netip.Addr, error) {
			return nil, errNoSuchHost
		}, time.Minute, nil, []error{errNoSuchHost}, ""},
		{"no address", func(context.Context, string) ([]netip.Addr, error) {
			return nil, nil
		}, time.Minute, nil, nil, `"broker.invalid" has no address`},
		{"timeout the resolver does not name", func(ctx context.Context, _ string) ([]netip.Addr, error) {
			<-ctx.Done()
			return nil, errNoSuchHost
		}, time.Millisecond, nil, []error{context.DeadlineExceeded, errNoSuchHost}, "connection setup timeout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wake, err := stream.NewWakeup(false)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { wake.Close() })
			lookups := stream.NewLookups[int](tc.resolver, tc.timeout, wake)
			cancel := lookups.Start(context.Background(), 42, "broker.invalid", 9092)
			defer cancel()
			waitReadable(t, wake.FD())
			wake.Drain()
			done := lookups.Take()
			if len(done) != 1 || done[0].Conn != 42 {
				t.Fatalf("took %+v, want one look-up for connection 42", done)
			}
			l := done[0]
			lookups.Recycle(done)
			if len(tc.wantErr) == 0 && tc.wantText == "" {
				if l.Err != nil || len(l.Addrs) != len(tc.want) {
					t.Fatalf("look-up = %v, %v; want %v", l.Addrs, l.Err, tc.want)
				}
				for i := range tc.want {
					if l.Addrs[i] != tc.want[i] {
						t.Errorf("address %d = %v, want %v", i, l.Addrs[i], tc.want[i])
					}
				}
				return
			}
			if l.Err == nil || l.Addrs != nil {
				t.Fatalf("look-up = %v, %v; want an error", l.Addrs, l.Err)
			}
			for _, want := range tc.wantErr {
				if !errors.Is(l.Err, want) {
					t.Errorf("err = %v, want one matching %v", l.Err, want)
				}
			}
			if !strings.Contains(l.Err.Error(), tc.wantText) {
				t.Errorf("err = %v, want one saying %q", l.Err, tc.wantText)
			}
		})
	}
}
