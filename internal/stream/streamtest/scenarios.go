//go:build linux

package streamtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream"
	"golang.org/x/sys/unix"
)

// Scenarios both transports must pass on loopback, each taking the
// transport under test through open. A transport's own test calls them
// and adds what only it can check.

// RoundTrip connects over IPv4, IPv6 and a host name, with a request staged
// while connecting: it goes out once connected, and its response comes
// back. ready checks the connection's state afterwards beyond Ready.
func RoundTrip(t *testing.T, open Open, ready func(t *testing.T, tr Transport, id int64)) {
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
			ln := Listen(t, tc.network, Echo)
			port := ln.Addr().(*net.TCPAddr).Port
			tr := open(t, stream.Settings{})
			Connect(t, tr, 7, net.JoinHostPort(tc.host, fmt.Sprint(port)))
			request := Frame([]byte("metadata please"))
			if err := tr.Send(7, [][]byte{request[:4], request[4:9], nil, request[9:]}, 42); err != nil {
				t.Fatal(err)
			}
			var got Outcomes
			PollUntil(t, tr, &got, func() bool { return len(got.Frames[7]) == 1 })
			if len(got.Connected) != 1 || got.Connected[0] != 7 {
				t.Errorf("connected = %v, want [7]", got.Connected)
			}
			if want := []stream.Completion{{ID: 7, Token: 42}}; !slices.Equal(got.Sent, want) {
				t.Errorf("sent = %v, want %v", got.Sent, want)
			}
			if string(got.Frames[7][0]) != "metadata please" {
				t.Errorf("frame = %q, want %q", got.Frames[7][0], "metadata please")
			}
			if !tr.Ready(7) {
				t.Error("connection 7 is not ready after a round trip")
			}
			ready(t, tr, 7)
		})
	}
}

// ConnectRefused connects to a closed port: the connection is reported
// refused (or Connect fails at once) with ECONNREFUSED, and forgotten.
func ConnectRefused(t *testing.T, open Open) {
	tr := open(t, stream.Settings{})
	address := ClosedAddress(t)
	err := tr.Connect(context.Background(), 3, address)
	if err == nil {
		var got Outcomes
		PollUntil(t, tr, &got, func() bool { return got.Disconnected[3] != nil })
		err = got.Disconnected[3]
		if len(got.Connected) != 0 {
			t.Errorf("connected = %v, want none", got.Connected)
		}
	}
	if !errors.Is(err, stream.ErrConnectionRefused) || !errors.Is(err, unix.ECONNREFUSED) {
		t.Errorf("err = %v, want ErrConnectionRefused wrapping ECONNREFUSED", err)
	}
	if msg := fmt.Sprint(err); !strings.Contains(msg, "connection 3") || !strings.Contains(msg, address) {
		t.Errorf("message %q names neither the connection nor its address", msg)
	}
	if tr.Ready(3) {
		t.Error("refused connection is still known to the transport")
	}
}

// ConnectTimeout connects to a listener whose accept queue is full, so the
// kernel drops the SYN and only the setup timeout ends the connect.
func ConnectTimeout(t *testing.T, open Open) {
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

	tr := open(t, stream.Settings{ConnectionSetupTimeout: 100 * time.Millisecond})
	Connect(t, tr, 9, address)
	var got Outcomes
	PollUntil(t, tr, &got, func() bool { return got.Disconnected[9] != nil || len(got.Connected) > 0 })
	if err := got.Disconnected[9]; !errors.Is(err, stream.ErrConnectTimeout) {
		t.Errorf("connected = %v, err = %v; want ErrConnectTimeout", got.Connected, err)
	}
}

// PeerEndings closes the peer's side in several ways, once it has read a
// request (so the connection is up); each is reported on that connection
// only, after the frames that arrived before it.
func PeerEndings(t *testing.T, open Open) {
	for _, tc := range []struct {
		name       string
		send       []byte
		reset      bool
		wantFrames int
		want       error
	}{
		{"close after a frame", Frame([]byte("done")), false, 1, stream.ErrPeerClosed},
		{"close mid-frame", append(Frame([]byte("ok")), Frame([]byte("cut short"))[:7]...), false, 1, stream.ErrPeerClosed},
		{"reset", nil, true, 0, stream.ErrConnectionReset},
		{"frame too large", Frame(make([]byte, 1025)), false, 0, stream.ErrFrameTooLarge},
		{"negative frame size", []byte{0x80, 0, 0, 1}, false, 0, stream.ErrNegativeFrameSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hello := Frame([]byte("hello"))
			bad := Listen(t, "tcp4", func(c net.Conn) {
				if _, err := io.ReadFull(c, make([]byte, len(hello))); err != nil {
					return
				}
				c.Write(tc.send)
				if tc.reset {
					c.(*net.TCPConn).SetLinger(0)
				}
			})
			good := Listen(t, "tcp4", Echo)
			tr := open(t, stream.Settings{MaxFrameBytes: 1024})
			Connect(t, tr, 1, bad.Addr().String())
			Connect(t, tr, 2, good.Addr().String())
			if err := tr.Send(1, [][]byte{hello}, 1); err != nil {
				t.Fatal(err)
			}
			var got Outcomes
			PollUntil(t, tr, &got, func() bool { return got.Disconnected[1] != nil })
			if err := got.Disconnected[1]; !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
			var ce *stream.ConnError
			if !errors.As(got.Disconnected[1], &ce) || ce.ID != 1 {
				t.Errorf("err = %#v, want a *ConnError for connection 1", got.Disconnected[1])
			}
			if len(got.Frames[1]) != tc.wantFrames {
				t.Errorf("received %d frames before the end, want %d", len(got.Frames[1]), tc.wantFrames)
			}
			request := Frame([]byte("still here"))
			if err := tr.Send(2, [][]byte{request}, 1); err != nil {
				t.Fatal(err)
			}
			PollUntil(t, tr, &got, func() bool { return len(got.Frames[2]) == 1 })
			if _, gone := got.Disconnected[2]; gone || string(got.Frames[2][0]) != "still here" {
				t.Errorf("the other connection was disturbed: disconnected %v, frames %q", got.Disconnected[2], got.Frames[2])
			}
		})
	}
}

// HundredConnections runs a hundred connections to one peer at once, each
// with its own request and response.
func HundredConnections(t *testing.T, open Open) {
	const n = 100
	ln := Listen(t, "tcp4", Echo)
	tr := open(t, stream.Settings{})
	for id := range int64(n) {
		Connect(t, tr, id, ln.Addr().String())
		payload := fmt.Appendf(nil, "request from %d", id)
		if err := tr.Send(id, [][]byte{Frame(payload)}, uint64(id)); err != nil {
			t.Fatal(err)
		}
	}
	var got Outcomes
	PollUntil(t, tr, &got, func() bool { return len(got.Frames) == n })
	for id := range int64(n) {
		want := fmt.Sprintf("request from %d", id)
		if f := got.Frames[id]; len(f) != 1 || string(f[0]) != want {
			t.Errorf("connection %d received %q, want [%q]", id, f, want)
		}
	}
	if len(got.Connected) != n || len(got.Sent) != n || len(got.Disconnected) != 0 {
		t.Errorf("connected %d, sent %d, disconnected %v; want %d, %d, none", len(got.Connected), len(got.Sent), got.Disconnected, n, n)
	}
}

// IdleReaping blocks in Poll with no timeout: only the idle deadline can
// end the wait, so it also shows Poll's wait is capped by it.
func IdleReaping(t *testing.T, open Open) {
	ln := Listen(t, "tcp4", Echo)
	tr := open(t, stream.Settings{ConnectionsMaxIdle: 100 * time.Millisecond})
	ConnectOne(t, tr, ln)

	stuck := time.AfterFunc(Deadline, tr.Wakeup)
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
			t.Fatalf("Poll(-1) did not reap the idle connection within %v", Deadline)
		}
		stuck.Reset(Deadline)
	}
	if !errors.Is(err, stream.ErrIdle) {
		t.Errorf("err = %v, want ErrIdle", err)
	}
	if err := tr.Send(1, nil, 0); !errors.Is(err, stream.ErrUnknownConnection) {
		t.Errorf("Send on the reaped connection: err = %v, want ErrUnknownConnection", err)
	}
}

// PartialWrites stages more than the socket buffers hold, across more
// than IOV_MAX iovecs of odd sizes, on connection 1 to a peer that reads
// nothing until held has returned and then reads in small chunks: the
// kernel takes the bytes in many short writes, each resumed mid-iovec.
// Every byte must arrive in order and every send complete once, in order.
// held checks the transport while the peer reads nothing, done once all is
// sent.
func PartialWrites(t *testing.T, open Open, held func(t *testing.T, tr Transport, got *Outcomes), done func(t *testing.T, tr Transport)) {
	var sends [][][]byte
	var want []byte
	for i, count := range []int{3, 3000, 40} {
		var iovecs [][]byte
		for j := range count {
			iov := bytes.Repeat([]byte{byte(i*7 + j)}, (j*37+i)%997)
			iovecs = append(iovecs, iov)
			want = append(want, iov...)
		}
		sends = append(sends, iovecs)
	}
	if len(sends[1]) <= stream.IovMax {
		t.Fatalf("the second send has %d iovecs, want more than IOV_MAX (%d)", len(sends[1]), stream.IovMax)
	}
	start := make(chan struct{})
	received := make(chan []byte, 1)
	ln := Listen(t, "tcp4", func(c net.Conn) {
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
	tr := open(t, stream.Settings{SendBufferBytes: 4096})
	ConnectOne(t, tr, ln)

	for i, iovecs := range sends {
		if err := tr.Send(1, iovecs, uint64(100+i)); err != nil {
			t.Fatal(err)
		}
	}
	var got Outcomes
	held(t, tr, &got)
	release()
	PollUntil(t, tr, &got, func() bool { return len(got.Sent) == len(sends) })
	wantSent := []stream.Completion{{ID: 1, Token: 100}, {ID: 1, Token: 101}, {ID: 1, Token: 102}}
	if !slices.Equal(got.Sent, wantSent) {
		t.Errorf("sent = %v, want %v", got.Sent, wantSent)
	}
	done(t, tr)
	all := <-received
	if !bytes.Equal(all, want) {
		t.Errorf("peer received %d bytes that differ from the %d staged (first difference at %d)", len(all), len(want), FirstDifference(all, want))
	}
}

// AddressFallback gives connection 4 two addresses, the first refusing:
// the connect moves on to the second, as Kafka's use_all_dns_ips does.
// dial starts connection id to address over addrs, as a look-up's answer
// would.
func AddressFallback(t *testing.T, open Open, dial func(tr Transport, id int64, address string, addrs []netip.AddrPort) error) {
	ln := Listen(t, "tcp4", Echo)
	tr := open(t, stream.Settings{})
	addrs := []netip.AddrPort{netip.MustParseAddrPort(ClosedAddress(t)), netip.MustParseAddrPort(ln.Addr().String())}
	if err := dial(tr, 4, "broker:9092", addrs); err != nil {
		t.Fatal(err)
	}
	var got Outcomes
	PollUntil(t, tr, &got, func() bool { return len(got.Connected) > 0 || len(got.Disconnected) > 0 })
	if len(got.Connected) != 1 || got.Connected[0] != 4 {
		t.Errorf("connected = %v, disconnected = %v; want connection 4 up on its second address", got.Connected, got.Disconnected)
	}
}
