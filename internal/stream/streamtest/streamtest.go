// Package streamtest holds what the tests of both transports (netpoll,
// iouring) share: a plain Go listener on loopback as the peer, frames as a
// broker sends them, and polling a transport until a condition holds. Only
// tests import it.
package streamtest

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream"
)

// Deadline bounds every wait on a condition; tests never sleep.
const Deadline = 20 * time.Second

// Transport is what the helpers drive: netpoll's Selector or iouring's
// Transport.
type Transport interface {
	Connect(ctx context.Context, id int64, address string) error
	Send(id int64, iovecs [][]byte, token uint64) error
	Poll(timeout time.Duration) error
	Connected() []int64
	Sent() []stream.Completion
	Received() []stream.Frame
	Disconnected() []stream.Disconnect
	Wakeup()
	Ready(id int64) bool
}

// Open opens the transport under test with settings' fields (zero ones
// take the defaults), closed at the end of the test.
type Open func(t testing.TB, settings stream.Settings) Transport

// ResolverFunc is a stream.Resolver made of a function.
type ResolverFunc func(ctx context.Context, host string) ([]netip.Addr, error)

// LookupNetIP calls f with ctx and host.
func (f ResolverFunc) LookupNetIP(ctx context.Context, _, host string) ([]netip.Addr, error) {
	return f(ctx, host)
}

// Frame returns payload with its int32 size prefix.
func Frame(payload []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	return append(out, payload...)
}

// Listen opens a loopback listener for network ("tcp4" or "tcp6") and runs
// serve on each accepted connection; the cleanup closes them and waits for
// them to end. A host without IPv6 loopback skips the test for "tcp6".
func Listen(t testing.TB, network string, serve func(net.Conn)) net.Listener {
	t.Helper()
	host := "127.0.0.1"
	if network == "tcp6" {
		host = "[::1]"
	}
	ln, err := net.Listen(network, host+":0")
	if err != nil {
		if network == "tcp6" {
			t.Skipf("this host has no IPv6 loopback (::1): %v", err)
		}
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Go(func() {
				defer c.Close()
				serve(c)
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return ln
}

// Echo answers every frame with the same frame, reusing one buffer.
func Echo(c net.Conn) {
	buf := make([]byte, 4, 1024)
	for {
		if _, err := io.ReadFull(c, buf[:4]); err != nil {
			return
		}
		size := 4 + int(binary.BigEndian.Uint32(buf))
		if size > cap(buf) {
			buf = append(buf[:4], make([]byte, size-4)...)
		}
		if _, err := io.ReadFull(c, buf[4:size]); err != nil {
			return
		}
		if _, err := c.Write(buf[:size]); err != nil {
			return
		}
	}
}

// ClosedAddress returns a loopback address nothing listens on.
func ClosedAddress(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// FirstDifference is the index of the first byte where a and b differ, or
// the length of the shorter.
func FirstDifference(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// Outcomes gathers what successive Polls report; frames are copied.
type Outcomes struct {
	Connected    []int64
	Sent         []stream.Completion
	Frames       map[int64][][]byte
	Disconnected map[int64]error
}

// Gather adds what the last Poll of tr reported.
func (got *Outcomes) Gather(tr Transport) {
	if got.Frames == nil {
		got.Frames = map[int64][][]byte{}
		got.Disconnected = map[int64]error{}
	}
	got.Connected = append(got.Connected, tr.Connected()...)
	got.Sent = append(got.Sent, tr.Sent()...)
	for _, f := range tr.Received() {
		got.Frames[f.ID] = append(got.Frames[f.ID], bytes.Clone(f.Bytes))
	}
	for _, d := range tr.Disconnected() {
		got.Disconnected[d.ID] = d.Err
	}
}

// PollUntil polls tr until done holds for what was gathered, failing the
// test at the deadline.
func PollUntil(t testing.TB, tr Transport, got *Outcomes, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(Deadline)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v; gathered %+v", Deadline, *got)
		}
		if err := tr.Poll(50 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		got.Gather(tr)
	}
}

// Connect starts connection id of tr to address, failing the test when
// Connect fails.
func Connect(t testing.TB, tr Transport, id int64, address string) {
	t.Helper()
	if err := tr.Connect(context.Background(), id, address); err != nil {
		t.Fatal(err)
	}
}

// ConnectOne connects tr's connection 1 to ln and polls until it is up.
func ConnectOne(t testing.TB, tr Transport, ln net.Listener) {
	t.Helper()
	Connect(t, tr, 1, ln.Addr().String())
	var got Outcomes
	PollUntil(t, tr, &got, func() bool { return len(got.Connected) == 1 })
}
