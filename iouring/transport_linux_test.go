package iouring

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

func TestTransportRoundTrip(t *testing.T) {
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
			ln := peer(t, tc.network, echoFrames)
			port := ln.Addr().(*net.TCPAddr).Port
			tr := newTransport(t, TransportConfig{})
			connectTo(t, tr, 7, net.JoinHostPort(tc.host, fmt.Sprint(port)))
			// Staged while connecting: goes out once connected.
			request := sizedFrame([]byte("metadata please"))
			if err := tr.Send(7, [][]byte{request[:4], request[4:9], nil, request[9:]}, 42); err != nil {
				t.Fatal(err)
			}
			var got gathered
			pollUntil(t, tr, &got, func() bool { return len(got.frames[7]) == 1 })
			if len(got.connected) != 1 || got.connected[0] != 7 {
				t.Errorf("connected = %v, want [7]", got.connected)
			}
			if want := []Completion{{ID: 7, Token: 42}}; !equalCompletions(got.sent, want) {
				t.Errorf("sent = %v, want %v", got.sent, want)
			}
			if string(got.frames[7][0]) != "metadata please" {
				t.Errorf("frame = %q, want %q", got.frames[7][0], "metadata please")
			}
			if !tr.Ready(7) {
				t.Error("connection 7 is not ready after a round trip")
			}
		})
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

// TestTransportPartialSendsResumed stages more than the socket buffers
// hold, across more than IOV_MAX iovecs of odd sizes, to a peer that reads
// nothing until told: the test waits until a writev has come back short,
// mid-send, and then lets the peer read. Every byte must arrive in order
// and every send complete once, in order.
func TestTransportPartialSendsResumed(t *testing.T) {
	start := make(chan struct{})
	received := make(chan []byte, 1)
	var want []byte
	ln := peer(t, "tcp4", func(c net.Conn) {
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
	tr := connectedTransport(t, TransportConfig{SendBufferBytes: 4096}, ln)

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
		if err := tr.Send(1, iovecs, uint64(100+i)); err != nil {
			t.Fatal(err)
		}
	}
	var got gathered
	q := &tr.conns[1].queue
	pollUntil(t, tr, &got, func() bool { return !q.empty() && (q.iov > 0 || q.off > 0) })
	if len(got.sent) == len(sends) {
		t.Fatalf("all %d bytes were sent to a peer that reads nothing", len(want))
	}
	release()
	pollUntil(t, tr, &got, func() bool { return len(got.sent) == len(sends) })
	wantSent := []Completion{{1, 100}, {1, 101}, {1, 102}}
	if !equalCompletions(got.sent, wantSent) {
		t.Errorf("sent = %v, want %v", got.sent, wantSent)
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

// TestTransportFramesSplitAcrossReads has the peer write each frame in
// pieces, the next only once the transport holds the previous one as an
// unfinished frame: split inside the size prefix, inside the body, and a
// frame larger than the initial receive buffer, which must grow.
func TestTransportFramesSplitAcrossReads(t *testing.T) {
	large := bytes.Repeat([]byte("0123456789abcdef"), 3*initialReceiveBuffer/16)
	frames := [][]byte{sizedFrame([]byte("first")), sizedFrame([]byte("second, longer")), sizedFrame(large)}
	cuts := [][]int{{2}, {4, 9}, {3, 5000, initialReceiveBuffer + 17}}
	next := make(chan struct{})
	ln := peer(t, "tcp4", func(c net.Conn) {
		for i, f := range frames {
			from := 0
			for _, cut := range append(cuts[i], len(f)) {
				if _, err := c.Write(f[from:cut]); err != nil {
					return
				}
				from = cut
				if _, ok := <-next; !ok {
					return
				}
			}
		}
		io.Copy(io.Discard, c)
	})
	stop := sync.OnceFunc(func() { close(next) })
	t.Cleanup(stop)
	tr := connectedTransport(t, TransportConfig{}, ln)
	c := tr.conns[1]
	var got gathered
	for i, f := range frames {
		for range cuts[i] {
			pollUntil(t, tr, &got, func() bool { return c.frames.partial() })
			if len(got.frames[1]) != i {
				t.Fatalf("with frame %d cut short, %d frames were reported, want %d", i, len(got.frames[1]), i)
			}
			next <- struct{}{}
		}
		pollUntil(t, tr, &got, func() bool { return len(got.frames[1]) == i+1 })
		if !bytes.Equal(got.frames[1][i], f[4:]) {
			t.Errorf("frame %d: got %d bytes, want the %d sent", i, len(got.frames[1][i]), len(f)-4)
		}
		next <- struct{}{}
	}
	stop()
	if len(c.frames.buf) <= initialReceiveBuffer {
		t.Errorf("receive buffer is %d bytes after a %d-byte frame; it should have grown", len(c.frames.buf), len(large))
	}
}

// TestTransportAddressFallback gives a connection two addresses, the first
// refusing: the connect moves on to the second.
func TestTransportAddressFallback(t *testing.T) {
	ln := peer(t, "tcp4", echoFrames)
	tr := newTransport(t, TransportConfig{})
	c := tr.newConn(4, "broker:9092")
	c.addrs = []netip.AddrPort{netip.MustParseAddrPort(closedAddress(t)), netip.MustParseAddrPort(ln.Addr().String())}
	if err := tr.dialNext(c); err != nil {
		t.Fatal(err)
	}
	tr.conns[4] = c
	var got gathered
	pollUntil(t, tr, &got, func() bool { return len(got.connected) > 0 || len(got.disconnected) > 0 })
	if len(got.connected) != 1 || got.connected[0] != 4 {
		t.Errorf("connected = %v, disconnected = %v; want connection 4 up on its second address", got.connected, got.disconnected)
	}
}

func TestTransportConnectRefused(t *testing.T) {
	tr := newTransport(t, TransportConfig{})
	address := closedAddress(t)
	connectTo(t, tr, 3, address)
	var got gathered
	pollUntil(t, tr, &got, func() bool { return got.disconnected[3] != nil })
	err := got.disconnected[3]
	if len(got.connected) != 0 {
		t.Errorf("connected = %v, want none", got.connected)
	}
	if !errors.Is(err, ErrConnectionRefused) || !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("err = %v, want ErrConnectionRefused wrapping ECONNREFUSED", err)
	}
	if msg := fmt.Sprint(err); !strings.Contains(msg, "connection 3") || !strings.Contains(msg, address) {
		t.Errorf("message %q names neither the connection nor its address", msg)
	}
	if tr.Ready(3) {
		t.Error("refused connection is still known to the transport")
	}
}

// TestTransportConnectTimeout connects to a listener whose accept queue is
// full, so the kernel drops the SYN and only the linked timeout ends the
// connect.
func TestTransportConnectTimeout(t *testing.T) {
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

	tr := newTransport(t, TransportConfig{ConnectionSetupTimeout: 100 * time.Millisecond})
	connectTo(t, tr, 9, address)
	var got gathered
	pollUntil(t, tr, &got, func() bool { return got.disconnected[9] != nil || len(got.connected) > 0 })
	if err := got.disconnected[9]; !errors.Is(err, ErrConnectTimeout) {
		t.Errorf("connected = %v, err = %v; want ErrConnectTimeout", got.connected, err)
	}
}

// TestTransportPeerEndings closes the peer's side in several ways, once it
// has read a request; each is reported on that connection only, after the
// frames that arrived before it.
func TestTransportPeerEndings(t *testing.T) {
	for _, tc := range []struct {
		name       string
		send       []byte
		reset      bool
		wantFrames int
		want       error
	}{
		{"close after a frame", sizedFrame([]byte("done")), false, 1, ErrPeerClosed},
		{"close mid-frame", append(sizedFrame([]byte("ok")), sizedFrame([]byte("cut short"))[:7]...), false, 1, ErrPeerClosed},
		{"reset", nil, true, 0, ErrConnectionReset},
		{"frame too large", sizedFrame(make([]byte, 1025)), false, 0, ErrFrameTooLarge},
		{"negative frame size", []byte{0x80, 0, 0, 1}, false, 0, ErrNegativeFrameSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hello := sizedFrame([]byte("hello"))
			bad := peer(t, "tcp4", func(c net.Conn) {
				if _, err := io.ReadFull(c, make([]byte, len(hello))); err != nil {
					return
				}
				c.Write(tc.send)
				if tc.reset {
					c.(*net.TCPConn).SetLinger(0)
				}
			})
			good := peer(t, "tcp4", echoFrames)
			tr := newTransport(t, TransportConfig{MaxFrameBytes: 1024})
			connectTo(t, tr, 1, bad.Addr().String())
			connectTo(t, tr, 2, good.Addr().String())
			if err := tr.Send(1, [][]byte{hello}, 1); err != nil {
				t.Fatal(err)
			}
			var got gathered
			pollUntil(t, tr, &got, func() bool { return got.disconnected[1] != nil })
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
			request := sizedFrame([]byte("still here"))
			if err := tr.Send(2, [][]byte{request}, 1); err != nil {
				t.Fatal(err)
			}
			pollUntil(t, tr, &got, func() bool { return len(got.frames[2]) == 1 })
			if _, gone := got.disconnected[2]; gone || string(got.frames[2][0]) != "still here" {
				t.Errorf("the other connection was disturbed: disconnected %v, frames %q", got.disconnected[2], got.frames[2])
			}
		})
	}
}

func TestTransportHundredConnections(t *testing.T) {
	const n = 100
	ln := peer(t, "tcp4", echoFrames)
	// A small ring: preparing more than it holds submits on the way.
	tr := newTransport(t, TransportConfig{Ring: Options{Entries: 16}})
	for id := range int64(n) {
		connectTo(t, tr, id, ln.Addr().String())
		payload := fmt.Appendf(nil, "request from %d", id)
		if err := tr.Send(id, [][]byte{sizedFrame(payload)}, uint64(id)); err != nil {
			t.Fatal(err)
		}
	}
	var got gathered
	pollUntil(t, tr, &got, func() bool { return len(got.frames) == n })
	for id := range int64(n) {
		want := fmt.Sprintf("request from %d", id)
		if f := got.frames[id]; len(f) != 1 || string(f[0]) != want {
			t.Errorf("connection %d received %q, want [%q]", id, f, want)
		}
	}
	if len(got.connected) != n || len(got.sent) != n || len(got.disconnected) != 0 {
		t.Errorf("connected %d, sent %d, disconnected %v; want %d, %d, none", len(got.connected), len(got.sent), got.disconnected, n, n)
	}
}

// TestTransportIdleReaping blocks in Poll with no timeout: only the idle
// deadline can end the wait, so the test also shows Poll's wait is capped
// by it.
func TestTransportIdleReaping(t *testing.T) {
	ln := peer(t, "tcp4", echoFrames)
	tr := connectedTransport(t, TransportConfig{ConnectionsMaxIdle: 100 * time.Millisecond}, ln)

	stuck := time.AfterFunc(transportDeadline, tr.Wakeup)
	defer stuck.Stop()
	var err error
	for err == nil {
		if perr := tr.Poll(-1); perr != nil {
			t.Fatal(perr)
		}
		for _, d := range tr.Disconnected() {
			err = d.Err
		}
		if !stuck.Stop() {
			t.Fatalf("Poll(-1) did not reap the idle connection within %v", transportDeadline)
		}
		stuck.Reset(transportDeadline)
	}
	if !errors.Is(err, ErrIdle) {
		t.Errorf("err = %v, want ErrIdle", err)
	}
	if err := tr.Send(1, nil, 0); !errors.Is(err, ErrUnknownConnection) {
		t.Errorf("Send on the reaped connection: err = %v, want ErrUnknownConnection", err)
	}
}

// TestTransportWakeup wakes, from other goroutines, a Poll that waits with
// no timeout, several times over: each Wakeup ends one wait.
func TestTransportWakeup(t *testing.T) {
	tr := newTransport(t, TransportConfig{})
	for i := range 3 {
		returned := make(chan error)
		go func() { returned <- tr.Poll(-1) }()
		go tr.Wakeup()
		select {
		case err := <-returned:
			if err != nil {
				t.Fatalf("Poll %d: %v", i, err)
			}
		case <-time.After(transportDeadline):
			tr.Wakeup()
			t.Fatalf("Poll %d did not return within %v of a Wakeup", i, transportDeadline)
		}
	}
}

// TestTransportCloseConnectionInFlight closes a connection with a receive
// and a short writev in flight and connects again at once under the same
// id: the new connection works, the old one is not reported, and Close
// leaves as many descriptors and io_uring mappings as before.
func TestTransportCloseConnectionInFlight(t *testing.T) {
	start := make(chan struct{})
	silent := peer(t, "tcp4", func(c net.Conn) {
		<-start
		io.Copy(io.Discard, c)
	})
	release := sync.OnceFunc(func() { close(start) })
	t.Cleanup(release)
	good := peer(t, "tcp4", echoFrames)
	fdsBefore, mapsBefore := openFiles(t)

	tr, err := NewTransport(TransportConfig{SendBufferBytes: 4096})
	if errors.Is(err, ErrNotSupported) {
		newTransport(t, TransportConfig{}) // skips, or fails in CI
	}
	if err != nil {
		t.Fatal(err)
	}
	connectTo(t, tr, 1, silent.Addr().String())
	big := make([]byte, 4<<20)
	if err := tr.Send(1, [][]byte{big}, 1); err != nil {
		t.Fatal(err)
	}
	var got gathered
	c := tr.conns[1]
	pollUntil(t, tr, &got, func() bool { return len(got.connected) == 1 && c.writing && c.receiving })
	tr.CloseConnection(1)
	connectTo(t, tr, 1, good.Addr().String())
	request := sizedFrame([]byte("again"))
	if err := tr.Send(1, [][]byte{request}, 2); err != nil {
		t.Fatal(err)
	}
	pollUntil(t, tr, &got, func() bool { return len(got.frames[1]) == 1 })
	if string(got.frames[1][0]) != "again" || len(got.disconnected) != 0 {
		t.Errorf("frames %q, disconnected %v; want [again] and none", got.frames[1], got.disconnected)
	}
	for _, s := range got.sent {
		if s.Token == 1 {
			t.Errorf("the closed connection's send was reported: %v", got.sent)
		}
	}
	pollUntil(t, tr, &got, func() bool { return c.inflight == 0 })
	if err := tr.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := tr.Close(); !errors.Is(err, ErrClosed) {
		t.Errorf("second Close = %v, want ErrClosed", err)
	}
	if err := tr.Poll(0); !errors.Is(err, ErrClosed) {
		t.Errorf("Poll after Close = %v, want ErrClosed", err)
	}
	tr.Wakeup()
	// The peers close their ends once they see ours closed.
	release()
	for deadline := time.Now().Add(transportDeadline); ; {
		fds, maps := openFiles(t)
		if fds == fdsBefore && maps == mapsBefore {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d descriptors and %d io_uring mappings after Close, %d and %d before", fds, maps, fdsBefore, mapsBefore)
		}
		runtime.Gosched()
	}
}

// TestTransportSteadyStateAllocatesNothing: a warm round trip (send, poll,
// receive) allocates nothing.
func TestTransportSteadyStateAllocatesNothing(t *testing.T) {
	ln := peer(t, "tcp4", echoFrames)
	tr := connectedTransport(t, TransportConfig{}, ln)
	request := sizedFrame([]byte("steady"))
	iovecs := [][]byte{request[:4], request[4:]}
	roundTrip := func() {
		if err := tr.Send(1, iovecs, 1); err != nil {
			t.Fatal(err)
		}
		frames := 0
		for deadline := time.Now().Add(transportDeadline); frames == 0; {
			if time.Now().After(deadline) {
				t.Fatal("no answer within the deadline")
			}
			if err := tr.Poll(time.Second); err != nil {
				t.Fatal(err)
			}
			frames += len(tr.Received())
		}
	}
	for range 10 {
		roundTrip()
	}
	if allocs := testing.AllocsPerRun(100, roundTrip); allocs != 0 {
		t.Errorf("a round trip allocates %v times, want 0", allocs)
	}
}
