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

	"golang.org/x/sys/unix"
)

func TestRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name, network, host string
	}{
		{"IPv4", "tcp4", "127.0.0.1"},
		{"IPv6", "tcp6", "::1"},
		{"host name", "tcp4", "localhost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			if _, err := net.DefaultResolver.LookupHost(ctx, tc.host); err != nil {
				t.Skipf("this host cannot resolve %q: %v", tc.host, err)
			}
			ln := listen(t, tc.network, echo)
			port := ln.Addr().(*net.TCPAddr).Port
			s := newSelector(t, Config{})
			connect(t, s, 7, net.JoinHostPort(tc.host, fmt.Sprint(port)))
			// Staged while connecting: goes out once connected.
			request := frame([]byte("metadata please"))
			if err := s.Send(7, [][]byte{request[:4], request[4:9], nil, request[9:]}, 42); err != nil {
				t.Fatal(err)
			}
			var got outcomes
			pollUntil(t, s, &got, func() bool { return len(got.frames[7]) == 1 })
			if len(got.connected) != 1 || got.connected[0] != 7 {
				t.Errorf("connected = %v, want [7]", got.connected)
			}
			if want := []Completion{{ID: 7, Token: 42}}; !equalCompletions(got.sent, want) {
				t.Errorf("sent = %v, want %v", got.sent, want)
			}
			if string(got.frames[7][0]) != "metadata please" {
				t.Errorf("frame = %q, want %q", got.frames[7][0], "metadata please")
			}
			if !s.Ready(7) || s.interest(7) != unix.EPOLLIN {
				t.Errorf("ready = %v, interest = %#x; want ready with read interest only", s.Ready(7), s.interest(7))
			}
		})
	}
}

// TestSocketOptions reads back the options every socket gets: non-blocking,
// close-on-exec, TCP_NODELAY, and the configured buffer sizes (Linux reports
// twice the size asked for), or the system's when the size is -1.
func TestSocketOptions(t *testing.T) {
	ln := listen(t, "tcp4", echo)
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
	ln := listen(t, "tcp4", echo)
	s := newSelector(t, Config{})
	connect(t, s, 1, ln.Addr().String())
	request := frame([]byte("quick"))
	if err := s.Send(1, [][]byte{request}, 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(testDeadline)
	for len(s.Received()) == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("Poll(1ns) collected no response within %v", testDeadline)
		}
		if err := s.Poll(time.Nanosecond); err != nil {
			t.Fatal(err)
		}
	}
	if got := string(s.Received()[0].Bytes); got != "quick" {
		t.Errorf("frame = %q, want %q", got, "quick")
	}
}

func equalCompletions(a, b []Completion) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestPartialWrites stages more than the socket buffers hold, across more
// than IOV_MAX iovecs of odd sizes, to a peer that reads nothing until told
// and then reads in small chunks: the kernel takes the bytes in many partial
// writev calls, each resumed mid-iovec.
func TestPartialWrites(t *testing.T) {
	start := make(chan struct{})
	received := make(chan []byte, 1)
	var want []byte
	ln := listen(t, "tcp4", func(c net.Conn) {
		<-start
		var all []byte
		chunk := make([]byte, 1000)
		for len(all) < len(want) {
			n, err := c.Read(chunk)
			if err != nil {
				break
			}
			all = append(all, chunk[:n]...)
		}
		received <- all
	})
	// Let the peer go even when the test stops early, so cleanup ends.
	release := sync.OnceFunc(func() { close(start) })
	t.Cleanup(release)
	s := connectedSelector(t, Config{SendBufferBytes: 4096}, ln)
	var got outcomes

	var sends [][][]byte
	for i, count := range []int{3, 3000, 40} {
		var iovecs [][]byte
		for j := range count {
			iov := bytes.Repeat([]byte{byte(i*7 + j)}, (j*37+i)%997)
			iovecs = append(iovecs, iov)
			want = append(want, iov...)
		}
		sends = append(sends, iovecs)
	}
	if len(sends[1]) <= iovMax {
		t.Fatalf("the second send has %d iovecs, want more than IOV_MAX (%d)", len(sends[1]), iovMax)
	}
	for i, iovecs := range sends {
		if err := s.Send(1, iovecs, uint64(100+i)); err != nil {
			t.Fatal(err)
		}
	}
	if s.interest(1)&unix.EPOLLOUT == 0 {
		t.Fatalf("after staging %d bytes to a peer that does not read, interest = %#x, want write interest", len(want), s.interest(1))
	}
	release()
	pollUntil(t, s, &got, func() bool { return len(got.sent) == len(sends) })
	wantSent := []Completion{{1, 100}, {1, 101}, {1, 102}}
	if !equalCompletions(got.sent, wantSent) {
		t.Errorf("sent = %v, want %v", got.sent, wantSent)
	}
	if s.interest(1) != unix.EPOLLIN {
		t.Errorf("after all bytes are out, interest = %#x, want read interest only", s.interest(1))
	}
	all := <-received
	if !bytes.Equal(all, want) {
		t.Errorf("peer received %d bytes that differ from the %d staged (first difference at %d)", len(all), len(want), firstDifference(all, want))
	}
}

func firstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// TestAddressFallback gives a connection two addresses, the first refusing:
// the connect moves on to the second, as Kafka's use_all_dns_ips does.
func TestAddressFallback(t *testing.T) {
	ln := listen(t, "tcp4", echo)
	s := newSelector(t, Config{})
	addrs := []netip.AddrPort{netip.MustParseAddrPort(closedPort(t)), netip.MustParseAddrPort(ln.Addr().String())}
	if err := s.open(4, "broker:9092", addrs); err != nil {
		t.Fatal(err)
	}
	var got outcomes
	pollUntil(t, s, &got, func() bool { return len(got.connected) > 0 || len(got.disconnected) > 0 })
	if len(got.connected) != 1 || got.connected[0] != 4 {
		t.Errorf("connected = %v, disconnected = %v; want connection 4 up on its second address", got.connected, got.disconnected)
	}
}

// closedPort returns a loopback address nothing listens on.
func closedPort(t *testing.T) string {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

func TestConnectRefused(t *testing.T) {
	s := newSelector(t, Config{})
	address := closedPort(t)
	err := s.Connect(context.Background(), 3, address)
	if err == nil {
		var got outcomes
		pollUntil(t, s, &got, func() bool { return got.disconnected[3] != nil })
		err = got.disconnected[3]
		if len(got.connected) != 0 {
			t.Errorf("connected = %v, want none", got.connected)
		}
	}
	if !errors.Is(err, ErrConnectionRefused) || !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("err = %v, want ErrConnectionRefused wrapping ECONNREFUSED", err)
	}
	if msg := fmt.Sprint(err); !strings.Contains(msg, "connection 3") || !strings.Contains(msg, address) {
		t.Errorf("message %q names neither the connection nor its address", msg)
	}
	if s.Ready(3) {
		t.Error("refused connection is still known to the selector")
	}
}

// TestConnectTimeout connects to a listener whose accept queue is full, so
// the kernel drops the SYN and the connect never completes.
func TestConnectTimeout(t *testing.T) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	address := fmt.Sprintf("127.0.0.1:%d", sa.(*unix.SockaddrInet4).Port)
	filler, err := net.Dial("tcp4", address)
	if err != nil {
		t.Fatal(err)
	}
	defer filler.Close()

	s := newSelector(t, Config{ConnectionSetupTimeout: 100 * time.Millisecond})
	connect(t, s, 9, address)
	var got outcomes
	pollUntil(t, s, &got, func() bool { return got.disconnected[9] != nil || len(got.connected) > 0 })
	if err := got.disconnected[9]; !errors.Is(err, ErrConnectTimeout) {
		t.Errorf("connected = %v, err = %v; want ErrConnectTimeout", got.connected, err)
	}
}

// TestPeerEndings closes the peer's side in several ways, once it has read a
// request (so the connection is up); each is reported on that connection
// only, after the frames that arrived before it.
func TestPeerEndings(t *testing.T) {
	for _, tc := range []struct {
		name       string
		send       []byte
		reset      bool
		wantFrames int
		want       error
	}{
		{"close after a frame", frame([]byte("done")), false, 1, ErrPeerClosed},
		{"close mid-frame", append(frame([]byte("ok")), frame([]byte("cut short"))[:7]...), false, 1, ErrPeerClosed},
		{"reset", nil, true, 0, ErrConnectionReset},
		{"frame too large", frame(make([]byte, 1025)), false, 0, ErrFrameTooLarge},
		{"negative frame size", []byte{0x80, 0, 0, 1}, false, 0, ErrNegativeFrameSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hello := frame([]byte("hello"))
			bad := listen(t, "tcp4", func(c net.Conn) {
				if _, err := io.ReadFull(c, make([]byte, len(hello))); err != nil {
					return
				}
				c.Write(tc.send)
				if tc.reset {
					c.(*net.TCPConn).SetLinger(0)
				}
			})
			good := listen(t, "tcp4", echo)
			s := newSelector(t, Config{MaxFrameBytes: 1024})
			connect(t, s, 1, bad.Addr().String())
			connect(t, s, 2, good.Addr().String())
			if err := s.Send(1, [][]byte{hello}, 1); err != nil {
				t.Fatal(err)
			}
			var got outcomes
			pollUntil(t, s, &got, func() bool { return got.disconnected[1] != nil })
			if err := got.disconnected[1]; !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			var ce *ConnError
			if !errors.As(got.disconnected[1], &ce) || ce.ID != 1 {
				t.Errorf("err = %#v, want a *ConnError for connection 1", got.disconnected[1])
			}
			if len(got.frames[1]) != tc.wantFrames {
				t.Errorf("received %d frames before the end, want %d", len(got.frames[1]), tc.wantFrames)
			}
			request := frame([]byte("still here"))
			if err := s.Send(2, [][]byte{request}, 1); err != nil {
				t.Fatal(err)
			}
			pollUntil(t, s, &got, func() bool { return len(got.frames[2]) == 1 })
			if _, gone := got.disconnected[2]; gone || string(got.frames[2][0]) != "still here" {
				t.Errorf("the other connection was disturbed: disconnected %v, frames %q", got.disconnected[2], got.frames[2])
			}
		})
	}
}

// TestSendAfterReset writes to a connection the peer has reset.
func TestSendAfterReset(t *testing.T) {
	connected, reset := make(chan struct{}), make(chan struct{})
	ln := listen(t, "tcp4", func(c net.Conn) {
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
	if err := s.Send(1, [][]byte{frame([]byte("anyone there?"))}, 1); err != nil {
		t.Fatal(err)
	}
	var got outcomes
	pollUntil(t, s, &got, func() bool { return got.disconnected[1] != nil })
	if err := got.disconnected[1]; !errors.Is(err, ErrConnectionReset) {
		t.Errorf("err = %v, want ErrConnectionReset", err)
	}
}

func TestHundredConnections(t *testing.T) {
	const n = 100
	ln := listen(t, "tcp4", echo)
	s := newSelector(t, Config{})
	for id := range ID(n) {
		connect(t, s, id, ln.Addr().String())
		payload := fmt.Appendf(nil, "request from %d", id)
		if err := s.Send(id, [][]byte{frame(payload)}, uint64(id)); err != nil {
			t.Fatal(err)
		}
	}
	var got outcomes
	pollUntil(t, s, &got, func() bool { return len(got.frames) == n })
	for id := range ID(n) {
		want := fmt.Sprintf("request from %d", id)
		if f := got.frames[id]; len(f) != 1 || string(f[0]) != want {
			t.Errorf("connection %d received %q, want [%q]", id, f, want)
		}
	}
	if len(got.connected) != n || len(got.sent) != n || len(got.disconnected) != 0 {
		t.Errorf("connected %d, sent %d, disconnected %v; want %d, %d, none", len(got.connected), len(got.sent), got.disconnected, n, n)
	}
}

// TestIdleReaping blocks in Poll with no timeout: only the idle deadline can
// end the wait, so the test also shows Poll's wait is capped by it.
func TestIdleReaping(t *testing.T) {
	ln := listen(t, "tcp4", echo)
	s := connectedSelector(t, Config{ConnectionsMaxIdle: 100 * time.Millisecond}, ln)

	stuck := time.AfterFunc(testDeadline, s.Wakeup)
	defer stuck.Stop()
	var err error
	for err == nil {
		if perr := s.Poll(-1); perr != nil {
			t.Fatal(perr)
		}
		for _, d := range s.Disconnected() {
			err = d.Err
		}
		if !stuck.Stop() {
			t.Fatalf("Poll(-1) did not reap the idle connection within %v", testDeadline)
		}
		stuck.Reset(testDeadline)
	}
	if !errors.Is(err, ErrIdle) {
		t.Errorf("err = %v, want ErrIdle", err)
	}
	if err := s.Send(1, nil, 0); !errors.Is(err, ErrUnknownConnection) {
		t.Errorf("Send on the reaped connection: err = %v, want ErrUnknownConnection", err)
	}
}

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
	case <-time.After(testDeadline):
		t.Fatalf("Poll still blocked %v after Wakeup", testDeadline)
	}
	// A burst of wakeups makes exactly the next Poll return at once.
	s.Wakeup()
	s.Wakeup()
	if err := s.Poll(testDeadline); err != nil {
		t.Fatal(err)
	}
	if s.wake.pending.Load() {
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
	deadline := time.Now().Add(testDeadline)
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
	ln := listen(t, "tcp4", echo)
	s, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	connect(t, s, 1, ln.Addr().String())
	connect(t, s, 2, ln.Addr().String())
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
	ln := listen(t, "tcp4", echo)
	s := connectedSelector(t, Config{}, ln)
	iovecs := [][]byte{frame([]byte("ping"))}
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
	request := frame(bytes.Repeat([]byte("r"), 60))
	b.Run("selector", func(b *testing.B) {
		ln := listen(b, "tcp4", echo)
		s := connectedSelector(b, Config{}, ln)
		iovecs := [][]byte{request}
		b.ReportAllocs()
		b.SetBytes(int64(2 * len(request)))
		for i := 0; b.Loop(); i++ {
			roundTrip(b, s, iovecs, uint64(i))
		}
	})
	b.Run("net.Conn", func(b *testing.B) {
		ln := listen(b, "tcp4", echo)
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
			ln := listen(b, "tcp4", discard)
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
		ln := listen(b, "tcp4", discard)
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
