//go:build linux

package netpoll

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream/streamtest"
)

// unexpectedLookup is a resolver that fails the test when asked anything.
func unexpectedLookup(t *testing.T) Resolver {
	return streamtest.ResolverFunc(func(_ context.Context, host string) ([]netip.Addr, error) {
		t.Errorf("unexpected look-up of %q", host)
		return nil, errors.New("this test expects no look-up")
	})
}

var loopback = netip.MustParseAddr("127.0.0.1")

// hostPort is address with its host replaced by host.
func hostPort(t *testing.T, host, address string) string {
	t.Helper()
	_, port, err := net.SplitHostPort(address)
	if err != nil {
		t.Fatal(err)
	}
	return net.JoinHostPort(host, port)
}

// await waits for ch to close or deliver, failing the test at the deadline.
func await[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(streamtest.Deadline):
		t.Fatalf("%s did not happen within %v", what, streamtest.Deadline)
		panic("unreachable")
	}
}

// pollBlockingUntil is pollUntil with Poll(-1): only a socket event, the
// wakeup eventfd or a connection deadline ends each wait. A wait that none of
// them ends fails the test at the deadline.
func pollBlockingUntil(t *testing.T, s *Selector, got *streamtest.Outcomes, done func() bool) {
	t.Helper()
	for !done() {
		var stuck atomic.Bool
		timer := time.AfterFunc(streamtest.Deadline, func() {
			stuck.Store(true)
			s.Wakeup()
		})
		err := s.Poll(-1)
		timer.Stop()
		if err != nil {
			t.Fatal(err)
		}
		if stuck.Load() {
			t.Fatalf("Poll(-1) waited %v for nothing; gathered %+v", streamtest.Deadline, *got)
		}
		got.Gather(s)
	}
}

// waitForLookupsToEnd fails the test unless every look-up goroutine of the
// selector ends within the deadline.
func waitForLookupsToEnd(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(streamtest.Deadline)
	buf := make([]byte, 1<<16)
	for {
		stacks := string(buf[:runtime.Stack(buf, true)])
		if !strings.Contains(stacks, "internal/stream.(*Lookups[...]).Start.") {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("a look-up goroutine is still running after %v:\n%s", streamtest.Deadline, stacks)
		}
		runtime.Gosched()
	}
}

// TestLookupDoesNotStallOthers blocks a look-up until released: meanwhile
// Connect has returned and another connection exchanges frames; once the
// answer comes, it ends a Poll(-1) by itself and the connection comes up with
// the request staged while it resolved.
func TestLookupDoesNotStallOthers(t *testing.T) {
	ln := streamtest.Listen(t, "tcp4", streamtest.Echo)
	started, release := make(chan struct{}), make(chan struct{})
	releaseOnce := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseOnce)
	var hadDeadline atomic.Bool
	// A setup timeout longer than the test's deadline: only the release
	// ends the look-up.
	s := newSelector(t, Config{ConnectionSetupTimeout: 2 * streamtest.Deadline, Resolver: streamtest.ResolverFunc(func(ctx context.Context, host string) ([]netip.Addr, error) {
		if host != "slow.test" {
			t.Errorf("unexpected look-up of %q", host)
			return nil, errors.New("unknown host")
		}
		_, ok := ctx.Deadline()
		hadDeadline.Store(ok)
		close(started)
		select {
		case <-release:
			return []netip.Addr{loopback}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	})})

	streamtest.Connect(t, s, 1, ln.Addr().String())
	if s.conns[1].fd < 0 {
		t.Error("a connection to an IP literal has no socket right after Connect")
	}
	guard := time.AfterFunc(streamtest.Deadline, releaseOnce)
	streamtest.Connect(t, s, 2, hostPort(t, "slow.test", ln.Addr().String()))
	if !guard.Stop() {
		t.Fatal("Connect waited for the look-up to finish")
	}
	await(t, started, "the look-up of slow.test")
	if err := s.Connect(context.Background(), 2, ln.Addr().String()); !errors.Is(err, ErrConnectionExists) {
		t.Errorf("Connect on a resolving id: err = %v, want ErrConnectionExists", err)
	}
	if err := s.Send(2, [][]byte{streamtest.Frame([]byte("staged while resolving"))}, 7); err != nil {
		t.Fatal(err)
	}

	for i := range 3 {
		roundTrip(t, s, [][]byte{streamtest.Frame(fmt.Appendf(nil, "exchange %d", i))}, uint64(i))
	}
	if s.Ready(2) {
		t.Fatal("connection 2 is ready before its look-up finished")
	}

	releaseOnce()
	var got streamtest.Outcomes
	pollBlockingUntil(t, s, &got, func() bool { return len(got.Frames[2]) == 1 })
	if len(got.Connected) != 1 || got.Connected[0] != 2 {
		t.Errorf("connected = %v, want [2]", got.Connected)
	}
	if want := []Completion{{ID: 2, Token: 7}}; !slices.Equal(got.Sent, want) {
		t.Errorf("sent = %v, want %v", got.Sent, want)
	}
	if string(got.Frames[2][0]) != "staged while resolving" {
		t.Errorf("frame = %q, want %q", got.Frames[2][0], "staged while resolving")
	}
	if len(got.Disconnected) != 0 {
		t.Errorf("disconnected = %v, want none", got.Disconnected)
	}
	if !hadDeadline.Load() {
		t.Error("the look-up ran without a deadline")
	}
	waitForLookupsToEnd(t)
}

// TestLookupEndsEarly blocks look-ups until their context ends, by the setup
// timeout or by Connect's context: each is reported in Disconnected with
// ErrResolve and the context's error, whether or not the resolver's own error
// says why, and the id is free again.
func TestLookupEndsEarly(t *testing.T) {
	for _, tc := range []struct {
		name         string
		setupTimeout time.Duration
		// ctxTimeout, when set, bounds Connect's context; cancel
		// cancels it once the look-up has started.
		ctxTimeout time.Duration
		cancel     bool
		// opaque makes the resolver's error hide that ctx ended.
		opaque bool
		want   error
	}{
		{name: "setup timeout", setupTimeout: 100 * time.Millisecond, want: context.DeadlineExceeded},
		{name: "setup timeout, resolver error says nothing", setupTimeout: 100 * time.Millisecond, opaque: true, want: context.DeadlineExceeded},
		{name: "Connect's context times out", setupTimeout: -1, ctxTimeout: 100 * time.Millisecond, want: context.DeadlineExceeded},
		{name: "Connect's context cancelled", cancel: true, opaque: true, want: context.Canceled},
	} {
		t.Run(tc.name, func(t *testing.T) {
			started := make(chan struct{}, 1)
			s := newSelector(t, Config{
				ConnectionSetupTimeout: tc.setupTimeout,
				Resolver: streamtest.ResolverFunc(func(ctx context.Context, _ string) ([]netip.Addr, error) {
					started <- struct{}{}
					<-ctx.Done()
					if tc.opaque {
						return nil, errors.New("no answer from the name server")
					}
					return nil, ctx.Err()
				}),
			})
			ctx, cancel := context.WithCancel(context.Background())
			if tc.ctxTimeout > 0 {
				ctx, cancel = context.WithTimeout(context.Background(), tc.ctxTimeout)
			}
			defer cancel()
			const address = "silent.test:9092"
			if err := s.Connect(ctx, 5, address); err != nil {
				t.Fatal(err)
			}
			await(t, started, "the look-up")
			if tc.cancel {
				cancel()
			}

			var got streamtest.Outcomes
			streamtest.PollUntil(t, s, &got, func() bool { return got.Disconnected[5] != nil })
			err := got.Disconnected[5]
			if !errors.Is(err, ErrResolve) || !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want ErrResolve and %v", err, tc.want)
			}
			var ce *ConnError
			if !errors.As(err, &ce) || ce.ID != 5 || ce.Address != address {
				t.Errorf("err = %#v, want a *ConnError for connection 5 to %s", err, address)
			}
			if len(got.Connected) != 0 {
				t.Errorf("connected = %v, want none", got.Connected)
			}
			if err := s.Send(5, nil, 0); !errors.Is(err, ErrUnknownConnection) {
				t.Errorf("Send after the failed look-up: err = %v, want ErrUnknownConnection", err)
			}
			if err := s.Connect(context.Background(), 5, streamtest.ClosedAddress(t)); errors.Is(err, ErrConnectionExists) {
				t.Errorf("Connect reusing the id: %v", err)
			}
			waitForLookupsToEnd(t)
		})
	}
}

// TestLookupOutcomes resolves a host name to various answers: a failure is
// reported with ErrResolve, a connect after the look-up fails or falls back
// to the next address as one to an IP literal does.
func TestLookupOutcomes(t *testing.T) {
	errNoSuchHost := errors.New("no such host")
	// A resolver without DNS servers fails at once instead of timing out.
	noDNS := &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
		return nil, errors.New("this test has no DNS server")
	}}
	answer := func(ips []netip.Addr, err error) Resolver {
		return streamtest.ResolverFunc(func(context.Context, string) ([]netip.Addr, error) { return ips, err })
	}
	for _, tc := range []struct {
		name     string
		resolver Resolver
		// listening says whether the port is the listener's or a
		// closed one.
		listening bool
		want      []error // nil: connected
	}{
		{"resolver fails", answer(nil, errNoSuchHost), true, []error{ErrResolve, errNoSuchHost}},
		{"no address", answer(nil, nil), true, []error{ErrResolve}},
		{"net.Resolver without DNS server", noDNS, true, []error{ErrResolve}},
		{"address refuses", answer([]netip.Addr{loopback}, nil), false, []error{ErrConnectionRefused}},
		{"first address refuses", answer([]netip.Addr{netip.MustParseAddr("127.0.0.2"), loopback}, nil), true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ln := streamtest.Listen(t, "tcp4", streamtest.Echo)
			address := hostPort(t, "broker.invalid", streamtest.ClosedAddress(t))
			if tc.listening {
				address = hostPort(t, "broker.invalid", ln.Addr().String())
			}
			s := newSelector(t, Config{Resolver: tc.resolver})
			streamtest.Connect(t, s, 3, address)
			if tc.want == nil {
				if err := s.Send(3, [][]byte{streamtest.Frame([]byte("hello"))}, 1); err != nil {
					t.Fatal(err)
				}
			}

			var got streamtest.Outcomes
			streamtest.PollUntil(t, s, &got, func() bool { return got.Disconnected[3] != nil || len(got.Frames[3]) > 0 })
			err := got.Disconnected[3]
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want %v", err, want)
				}
			}
			if tc.want == nil && (err != nil || len(got.Connected) != 1 || string(got.Frames[3][0]) != "hello") {
				t.Errorf("err = %v, connected = %v, frames = %q; want connection 3 up and its frame echoed", err, got.Connected, got.Frames[3])
			}
			if msg := fmt.Sprint(err); err != nil && !strings.Contains(msg, "connection 3") {
				t.Errorf("message %q does not name the connection", msg)
			}
			waitForLookupsToEnd(t)
		})
	}
}

// TestCloseConnectionWhileResolving closes a connection whose look-up is
// under way and reuses its id at once: the look-up is cancelled, and its
// answer, which arrives anyway and points at a closed port, is dropped rather
// than applied to the new connection.
func TestCloseConnectionWhileResolving(t *testing.T) {
	ln := streamtest.Listen(t, "tcp4", streamtest.Echo)
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	s := newSelector(t, Config{Resolver: streamtest.ResolverFunc(func(ctx context.Context, host string) ([]netip.Addr, error) {
		if host == "second.test" {
			return []netip.Addr{loopback}, nil
		}
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return []netip.Addr{loopback}, nil // a late answer
	})})
	streamtest.Connect(t, s, 1, hostPort(t, "first.test", streamtest.ClosedAddress(t)))
	if err := s.Send(1, [][]byte{streamtest.Frame([]byte("dropped"))}, 1); err != nil {
		t.Fatal(err)
	}
	await(t, started, "the look-up of first.test")

	s.CloseConnection(1)
	if err := await(t, cancelled, "the cancellation of the look-up"); !errors.Is(err, context.Canceled) {
		t.Errorf("the look-up's context ended with %v, want context.Canceled", err)
	}
	if err := s.Send(1, nil, 0); !errors.Is(err, ErrUnknownConnection) {
		t.Errorf("Send after CloseConnection: err = %v, want ErrUnknownConnection", err)
	}
	// The late answer is queued before the new connection's.
	waitForLookupsToEnd(t)

	streamtest.Connect(t, s, 1, hostPort(t, "second.test", ln.Addr().String()))
	if err := s.Send(1, [][]byte{streamtest.Frame([]byte("kept"))}, 2); err != nil {
		t.Fatal(err)
	}
	var got streamtest.Outcomes
	streamtest.PollUntil(t, s, &got, func() bool { return len(got.Frames[1]) > 0 || got.Disconnected[1] != nil })
	if err := got.Disconnected[1]; err != nil {
		t.Fatalf("the new connection 1 failed: %v", err)
	}
	if len(got.Connected) != 1 || len(got.Frames[1]) != 1 || string(got.Frames[1][0]) != "kept" {
		t.Errorf("connected = %v, frames = %q; want connection 1 up once, echoing only %q", got.Connected, got.Frames[1], "kept")
	}
	if want := []Completion{{ID: 1, Token: 2}}; !slices.Equal(got.Sent, want) {
		t.Errorf("sent = %v, want %v", got.Sent, want)
	}
	waitForLookupsToEnd(t)
}

// TestCloseWhileResolving closes the selector while a look-up blocks: Close
// does not wait for it, cancels it, and its goroutine ends.
func TestCloseWhileResolving(t *testing.T) {
	started := make(chan struct{})
	cancelled := make(chan error, 1)
	s, err := New(Config{Resolver: streamtest.ResolverFunc(func(ctx context.Context, _ string) ([]netip.Addr, error) {
		close(started)
		<-ctx.Done()
		cancelled <- ctx.Err()
		return nil, ctx.Err()
	})})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Connect(context.Background(), 1, "broker.test:9092"); err != nil {
		t.Fatal(err)
	}
	await(t, started, "the look-up")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := await(t, cancelled, "the cancellation of the look-up"); !errors.Is(err, context.Canceled) {
		t.Errorf("the look-up's context ended with %v, want context.Canceled", err)
	}
	waitForLookupsToEnd(t)
}
