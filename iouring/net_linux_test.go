package iouring

import (
	"bytes"
	"crypto/rand"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// listen starts a loopback listener whose accepted connections serve is
// given; the listener is closed and serve awaited at the end of the test.
func listen(t testing.TB, address string, serve func(net.Conn)) netip.AddrPort {
	t.Helper()
	ln, err := net.Listen("tcp", address)
	if err != nil {
		t.Fatalf("listen on %s: %v", address, err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				serve(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return ln.Addr().(*net.TCPAddr).AddrPort()
}

// tcpSocket returns a non-blocking TCP socket for addr, closed at the end
// of the test.
func tcpSocket(t testing.TB, addr netip.AddrPort) int {
	t.Helper()
	family := unix.AF_INET
	if addr.Addr().Is6() {
		family = unix.AF_INET6
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	return fd
}

// connect connects fd to addr through the ring.
func connect(t testing.TB, r *Ring, fd int, addr netip.AddrPort) int32 {
	t.Helper()
	if err := r.PrepareConnect(int32(fd), addr, 1); err != nil {
		t.Fatalf("PrepareConnect: %v", err)
	}
	return collect(t, r, 1)[0].res
}

// writeAll writes iovecs to fd through the ring, resubmitting the rest
// after each short write, and returns how many writevs it took.
func writeAll(t *testing.T, r *Ring, fd int, iovecs []Iovec) int {
	t.Helper()
	rounds := 0
	for len(iovecs) > 0 {
		if err := r.PrepareWritev(int32(fd), iovecs, 2); err != nil {
			t.Fatalf("PrepareWritev: %v", err)
		}
		res := collect(t, r, 1)[0].res
		if res <= 0 {
			t.Fatalf("writev completed with %d after %d writevs", res, rounds)
		}
		iovecs = Advance(iovecs, int(res))
		rounds++
	}
	return rounds
}

// TestEchoOverLoopback connects, writes and receives through the ring,
// against a Go echo server, over IPv4 and IPv6.
func TestEchoOverLoopback(t *testing.T) {
	for _, address := range []string{"127.0.0.1:0", "[::1]:0"} {
		t.Run(address, func(t *testing.T) {
			if ln, err := net.Listen("tcp", address); err != nil {
				t.Skipf("no loopback for %s here: %v", address, err)
			} else {
				ln.Close()
			}
			r := newRing(t, Options{Entries: 8})
			addr := listen(t, address, func(c net.Conn) { io.Copy(c, c) })
			fd := tcpSocket(t, addr)
			if res := connect(t, r, fd, addr); res != 0 {
				t.Fatalf("connect completed with %d", res)
			}
			parts := [][]byte{[]byte("hello, "), []byte("io_uring "), []byte("echo")}
			want := bytes.Join(parts, nil)
			iovecs := make([]Iovec, len(parts))
			for i, p := range parts {
				iovecs[i] = iovecOf(p)
			}
			writeAll(t, r, fd, iovecs)
			got := make([]byte, 0, len(want))
			buf := make([]byte, 64)
			for len(got) < len(want) {
				if err := r.PrepareRecv(int32(fd), buf, 3); err != nil {
					t.Fatalf("PrepareRecv: %v", err)
				}
				res := collect(t, r, 1)[0].res
				if res <= 0 {
					t.Fatalf("recv completed with %d after %q", res, got)
				}
				got = append(got, buf[:res]...)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("echoed %q, want %q", got, want)
			}
		})
	}
}

// TestConnectRefused connects to a port nobody listens on.
func TestConnectRefused(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	addr := ln.Addr().(*net.TCPAddr).AddrPort()
	ln.Close()
	if res := connect(t, r, tcpSocket(t, addr), addr); res != -int32(unix.ECONNREFUSED) {
		t.Fatalf("connect to a closed port completed with %d, want -ECONNREFUSED", res)
	}
}

// TestPartialWritevResumed writes far more than a small send buffer holds
// to a peer that reads in small pieces: writevs come back short, and
// resubmitting the rest delivers every byte in order.
func TestPartialWritevResumed(t *testing.T) {
	const iovecCount, iovecSize = 4, 256 << 10
	r := newRing(t, Options{Entries: 4})
	received := make(chan []byte, 1)
	addr := listen(t, "127.0.0.1:0", func(c net.Conn) {
		var got bytes.Buffer
		buf := make([]byte, 512)
		for got.Len() < iovecCount*iovecSize {
			n, err := c.Read(buf)
			got.Write(buf[:n])
			if err != nil {
				break
			}
		}
		received <- got.Bytes()
	})
	fd := tcpSocket(t, addr)
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, 4096); err != nil {
		t.Fatalf("SO_SNDBUF: %v", err)
	}
	if res := connect(t, r, fd, addr); res != 0 {
		t.Fatalf("connect completed with %d", res)
	}
	want := make([]byte, iovecCount*iovecSize)
	rand.Read(want)
	iovecs := make([]Iovec, iovecCount)
	for i := range iovecs {
		iovecs[i] = iovecOf(want[i*iovecSize : (i+1)*iovecSize])
	}
	rounds := writeAll(t, r, fd, iovecs)
	if rounds < 2 {
		t.Fatalf("%d bytes went in one writev; the test needs short writes", len(want))
	}
	if got := <-received; !bytes.Equal(got, want) {
		t.Fatalf("peer received %d bytes differing from the %d written", len(got), len(want))
	}
	t.Logf("%d bytes in %d writevs", len(want), rounds)
}
