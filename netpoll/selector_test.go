//go:build linux

package netpoll

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream/streamtest"
	"golang.org/x/sys/unix"
)

// TestRoundTrip also checks that a ready connection has read interest
// only.
func TestRoundTrip(t *testing.T) {
	streamtest.RoundTrip(t, openSelector, func(t *testing.T, tr streamtest.Transport, id int64) {
		if s := tr.(*Selector); s.interest(id) != unix.EPOLLIN {
			t.Errorf("interest = %#x, want read interest only", s.interest(id))
		}
	})
}

// TestSocketOptions reads back the options every socket gets: non-blocking,
// close-on-exec, TCP_NODELAY, and the configured buffer sizes (Linux reports
// twice the size asked for), or the system's when the size is -1.
func TestSocketOptions(t *testing.T) {
	ln := streamtest.Listen(t, "tcp4", streamtest.Echo)
	plain := socketFD(t, dial(t, ln))
	for _, tc := range []struct {
		name                     string
		send, receive            int
		wantSendBuf, wantRecvBuf int
	}{
		{"configured", 8192, 4096, 2 * 8192, 2 * 4096},
		{"system default", -1, -1,
			getsockopt(t, plain, unix.SOL_SOCKET, unix.SO_SNDBUF),
			getsockopt(t, plain, unix.SOL_SOCKET, unix.SO_RCVBUF)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := connectedSelector(t, Config{SendBufferBytes: tc.send, ReceiveBufferBytes: tc.receive}, ln)
			fd := s.conns[1].fd
			flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
			if err != nil || flags&unix.O_NONBLOCK == 0 {
				t.Errorf("file status flags %#x (err %v), want O_NONBLOCK", flags, err)
			}
			fdFlags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
			if err != nil || fdFlags&unix.FD_CLOEXEC == 0 {
				t.Errorf("descriptor flags %#x (err %v), want FD_CLOEXEC", fdFlags, err)
			}
			if got := getsockopt(t, fd, unix.IPPROTO_TCP, unix.TCP_NODELAY); got == 0 {
				t.Error("TCP_NODELAY is off")
			}
			if got, want := getsockopt(t, fd, unix.SOL_SOCKET, unix.SO_SNDBUF), tc.wantSendBuf; got != want {
				t.Errorf("SO_SNDBUF = %d, want %d", got, want)
			}
			if got, want := getsockopt(t, fd, unix.SOL_SOCKET, unix.SO_RCVBUF), tc.wantRecvBuf; got != want {
				t.Errorf("SO_RCVBUF = %d, want %d", got, want)
			}
		})
	}
}

func getsockopt(t *testing.T, fd, level, option int) int {
	t.Helper()
	v, err := unix.GetsockoptInt(fd, level, option)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// socketFD is the descriptor under a net.Conn; the conn stays open.
func socketFD(t *testing.T, c net.Conn) int {
	t.Helper()
	raw, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var fd int
	if err := raw.Control(func(f uintptr) { fd = int(f) }); err != nil {
		t.Fatal(err)
	}
	return fd
}

// TestPollTinyTimeout polls with a timeout that has passed before the wait
// begins: Poll must still collect what is ready.
func TestPollTinyTimeout(t *testing.T) {
	ln := streamtest.Listen(t, "tcp4", streamtest.Echo)
	s := newSelector(t, Config{})
	streamtest.Connect(t, s, 1, ln.Addr().String())
	request := streamtest.Frame([]byte("quick"))
	if err := s.Send(1, [][]byte{request}, 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(streamtest.Deadline)
	for len(s.Received()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("Poll(1ns) collected no response within %v", streamtest.Deadline)
		}
		if err := s.Poll(time.Nanosecond); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(s.Received()[0].Bytes); got != "quick" {
		t.Errorf("frame = %q, want %q", got, "quick")
	}
}

// TestPartialWrites also checks that write interest is held exactly while
// staged bytes wait.
func TestPartialWrites(t *testing.T) {
	streamtest.PartialWrites(t, openSelector, func(t *testing.T, tr streamtest.Transport, _ *streamtest.Outcomes) {
		if s := tr.(*Selector); s.interest(1)&unix.EPOLLOUT == 0 {
			t.Fatalf("with bytes staged to a peer that does not read, interest = %#x, want write interest", s.interest(1))
		}
	}, func(t *testing.T, tr streamtest.Transport) {
		if s := tr.(*Selector); s.interest(1) != unix.EPOLLIN {
			t.Errorf("after all bytes are out, interest = %#x, want read interest only", s.interest(1))
		}
	})
}

func TestAddressFallback(t *testing.T) {
	streamtest.AddressFallback(t, openSelector, func(tr streamtest.Transport, id int64, address string, addrs []netip.AddrPort) error {
		return tr.(*Selector).open(id, address, addrs)
	})
}

func TestConnectRefused(t *testing.T) { streamtest.ConnectRefused(t, openSelector) }

func TestConnectTimeout(t *testing.T) { streamtest.ConnectTimeout(t, openSelector) }

func TestPeerEndings(t *testing.T) { streamtest.PeerEndings(t, openSelector) }

// TestSendAfterReset writes to a connection the peer has reset.
func TestSendAfterReset(t *testing.T) {
	connected, reset := make(chan struct{}), make(chan struct{})
	ln := streamtest.Listen(t, "tcp4", func(c net.Conn) {
		<-connected
		c.(*net.TCPConn).SetLinger(0)
		c.Close()
		close(reset)
	})
	// Let the peer go even when the test stops early, so cleanup ends.
	release := sync.OnceFunc(func() { close(connected) })
	t.Cleanup(release)
	s := connectedSelector(t, Config{}, ln)
	release()
	<-reset
	// Whether the kernel has taken in the reset before the write or only
	// answers the written bytes with another, the connection fails.
	if err := s.Send(1, [][]byte{streamtest.Frame([]byte("anyone there?"))}, 1); err != nil {
		t.Fatal(err)
	}
	var got streamtest.Outcomes
	streamtest.PollUntil(t, s, &got, func() bool { return got.Disconnected[1] != nil })
	if err := got.Disconnected[1]; !errors.Is(err, ErrConnectionReset) {
		t.Errorf("err = %v, want ErrConnectionReset", err)
	}
}

func TestHundredConnections(t *testing.T) { streamtest.HundredConnections(t, openSelector) }

func TestIdleReaping(t *testing.T) { streamtest.IdleReaping(t, openSelector) }

// TestWakeup wakes a Poll that is parked waiting for events with no timeout.
func TestWakeup(t *testing.T) {
	s := newSelector(t, Config{})
	returned := make(chan error)
	go func() { returned <- s.Poll(-1) }()
	parked := waitForParkedPoll()
	s.Wakeup()
	select {
	case err := <-returned:
		if !parked {
			t.Fatal("Poll(-1) never parked waiting for events")
		}
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(streamtest.Deadline):
		t.Fatalf("Poll still blocked %v after Wakeup", streamtest.Deadline)
	}
	// A burst of wakeups makes exactly the next Poll return at once.
	s.Wakeup()
	s.Wakeup()
	if err := s.Poll(streamtest.Deadline); err != nil {
		t.Fatal(err)
	}
	if s.wake.Pending() {
		t.Error("the wakeup is still pending after the Poll that saw it")
	}
}

// TestWakeupRacesClose calls Wakeup from several goroutines while the owner
// polls and then closes the selector: every Poll(-1) is ended by a wakeup,
// and wakeups during and after Close are harmless.
func TestWakeupRacesClose(t *testing.T) {
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wakers sync.WaitGroup
	for range 3 {
		wakers.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					s.Wakeup()
					runtime.Gosched()
				}
			}
		})
	}
	for range 20 {
		if err := s.Poll(-1); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	close(stop)
	wakers.Wait()
	if err := s.Poll(0); !errors.Is(err, ErrClosed) {
		t.Errorf("Poll after Close: err = %v, want ErrClosed", err)
	}
}

// waitForParkedPoll reports, within the test deadline, whether a goroutine
// is parked in Poll waiting for the epoll descriptor.
func waitForParkedPoll() bool {
	deadline := time.Now().Add(streamtest.Deadline)
	buf := make([]byte, 1<<16)
	for time.Now().Before(deadline) {
		stacks := string(buf[:runtime.Stack(buf, true)])
		for _, g := range strings.Split(stacks, "\n\n") {
			if strings.Contains(g, "[IO wait") && strings.Contains(g, "(*epoll).wait") {
				return true
			}
		}
		runtime.Gosched()
	}
	return false
}

func TestClose(t *testing.T) {
	ln := streamtest.Listen(t, "tcp4", streamtest.Echo)
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	streamtest.Connect(t, s, 1, ln.Addr().String())
	streamtest.Connect(t, s, 2, ln.Addr().String())
	s.CloseConnection(1)
	if err := s.Send(1, nil, 0); !errors.Is(err, ErrUnknownConnection) {
		t.Errorf("Send after CloseConnection: err = %v, want ErrUnknownConnection", err)
	}
	if err := s.Connect(context.Background(), 2, ln.Addr().String()); !errors.Is(err, ErrConnectionExists) {
		t.Errorf("second Connect with id 2: err = %v, want ErrConnectionExists", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Send(2, nil, 0); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: err = %v, want ErrClosed", err)
	}
	if err := s.Poll(0); !errors.Is(err, ErrClosed) {
		t.Errorf("Poll after Close: err = %v, want ErrClosed", err)
	}
	if err := s.Connect(context.Background(), 3, ln.Addr().String()); !errors.Is(err, ErrClosed) {
		t.Errorf("Connect after Close: err = %v, want ErrClosed", err)
	}
	s.Wakeup() // must be a harmless no-op
}

func TestInvalidInput(t *testing.T) {
	for _, cfg := range []Config{{SendBufferBytes: -2}, {ReceiveBufferBytes: -5}, {MaxFrameBytes: -1}} {
		if _, err := New(cfg); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%+v): err = %v, want ErrInvalidConfig", cfg, err)
		}
	}
	s := newSelector(t, Config{Resolver: unexpectedLookup(t)})
	for _, address := range []string{"no-port", "127.0.0.1:http2", "127.0.0.1:70000", "broker:-1"} {
		if err := s.Connect(context.Background(), 1, address); !errors.Is(err, ErrResolve) {
			t.Errorf("Connect(%q): err = %v, want ErrResolve", address, err)
		}
		if _, kept := s.conns[1]; kept {
			t.Fatalf("Connect(%q) failed but kept the connection", address)
		}
	}
}

// interest is the epoll interest registered for connection id.
func (s *Selector) interest(id ID) uint32 {
	if c, ok := s.conns[id]; ok {
		return c.interest
	}
	return 0
}

// roundTrip sends one request on connection 1 and polls until a response.
func roundTrip(t testing.TB, s *Selector, iovecs [][]byte, token uint64) {
	t.Helper()
	if err := s.Send(1, iovecs, token); err != nil {
		t.Fatal(err)
	}
	for received := false; !received; {
		if err := s.Poll(-1); err != nil {
			t.Fatal(err)
		}
		received = len(s.Received()) > 0
		if len(s.Disconnected()) > 0 {
			t.Fatal(s.Disconnected()[0].Err)
		}
	}
}

// TestSteadyStateAllocations shows that once warm, sending a request and
// receiving its response frame allocates nothing.
func TestSteadyStateAllocations(t *testing.T) {
	ln := streamtest.Listen(t, "tcp4", streamtest.Echo)
	s := connectedSelector(t, Config{}, ln)
	iovecs := [][]byte{streamtest.Frame([]byte("ping"))}
	token := uint64(0)
	allocs := testing.AllocsPerRun(200, func() {
		token++
		roundTrip(t, s, iovecs, token)
	})
	if allocs != 0 {
		t.Errorf("a warm round trip allocates %v times, want 0", allocs)
	}
}

// BenchmarkRoundTrip sends a small request and waits for its response, through
// the Selector and through a net.Conn, to the same echo peer.
func BenchmarkRoundTrip(b *testing.B) {
	request := streamtest.Frame(bytes.Repeat([]byte("r"), 60))
	b.Run("selector", func(b *testing.B) {
		ln := streamtest.Listen(b, "tcp4", streamtest.Echo)
		s := connectedSelector(b, Config{}, ln)
		iovecs := [][]byte{request}
		b.ReportAllocs()
		b.SetBytes(int64(2 * len(request)))
		for i := 0; b.Loop(); i++ {
			roundTrip(b, s, iovecs, uint64(i))
		}
	})
	b.Run("net.Conn", func(b *testing.B) {
		ln := streamtest.Listen(b, "tcp4", streamtest.Echo)
		c := dial(b, ln)
		response := make([]byte, len(request))
		b.ReportAllocs()
		b.SetBytes(int64(2 * len(request)))
		for b.Loop() {
			if _, err := c.Write(request); err != nil {
				b.Fatal(err)
			}
			if _, err := io.ReadFull(c, response); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWritev writes sends of 16 iovecs of 1 KiB each to a peer that
// discards them, through the Selector and through net.Buffers.WriteTo.
func BenchmarkWritev(b *testing.B) {
	iovecs := make([][]byte, 16)
	for i := range iovecs {
		iovecs[i] = bytes.Repeat([]byte{byte(i)}, 1024)
	}
	discard := func(c net.Conn) { io.Copy(io.Discard, c) }
	// staged is how many sends may wait unfinished: 1 makes every send
	// its own writev; more lets sends that queue up behind a full socket
	// go out together, as a sender's in-flight requests do.
	for _, staged := range []int{1, 64} {
		b.Run(fmt.Sprintf("selector/staged=%d", staged), func(b *testing.B) {
			ln := streamtest.Listen(b, "tcp4", discard)
			s := connectedSelector(b, Config{}, ln)
			outstanding := 0
			drainTo := func(limit int) {
				for outstanding > limit {
					if err := s.Poll(-1); err != nil {
						b.Fatal(err)
					}
					outstanding -= len(s.Sent())
					if len(s.Disconnected()) > 0 {
						b.Fatal(s.Disconnected()[0].Err)
					}
				}
			}
			b.ReportAllocs()
			b.SetBytes(16 << 10)
			for i := 0; b.Loop(); i++ {
				if err := s.Send(1, iovecs, uint64(i)); err != nil {
					b.Fatal(err)
				}
				outstanding++
				if outstanding >= staged {
					drainTo(staged / 2)
				}
			}
			drainTo(0)
		})
	}
	b.Run("net.Buffers", func(b *testing.B) {
		ln := streamtest.Listen(b, "tcp4", discard)
		c := dial(b, ln)
		scratch := make([][]byte, 0, len(iovecs))
		b.ReportAllocs()
		b.SetBytes(16 << 10)
		for b.Loop() {
			buffers := net.Buffers(append(scratch[:0], iovecs...))
			if _, err := buffers.WriteTo(c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkWakeup measures how long a Wakeup takes to end a parked Poll(-1)
// in another goroutine, and that goroutine's reply over a channel.
func BenchmarkWakeup(b *testing.B) {
	s := newSelector(b, Config{})
	woke := make(chan bool)
	var poller sync.WaitGroup
	poller.Go(func() {
		for {
			if err := s.Poll(-1); err != nil {
				b.Error(err)
				return
			}
			if !<-woke {
				return
			}
		}
	})
	b.ReportAllocs()
	for b.Loop() {
		s.Wakeup()
		woke <- true
	}
	s.Wakeup()
	woke <- false
	poller.Wait()
}
