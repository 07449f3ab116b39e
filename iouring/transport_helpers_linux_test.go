package iouring

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"testing"
	"time"
)

// Helpers for the transport's tests on real loopback sockets: a plain Go
// listener as the peer, and polling until a condition holds.

// transportDeadline bounds every wait on a condition; tests never sleep.
const transportDeadline = 20 * time.Second

// newTransport returns a transport closed at the end of the test, or skips
// the test where io_uring cannot be used (CI fails instead).
func newTransport(t testing.TB, cfg TransportConfig) *Transport {
	t.Helper()
	tr, err := NewTransport(cfg)
	if errors.Is(err, ErrNotSupported) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the io_uring tests: %v", err)
		}
		t.Skipf("io_uring is unavailable here: %v", err)
	}
	if err != nil {
		t.Fatalf("NewTransport: %v", err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// sizedFrame returns payload with its int32 size prefix.
func sizedFrame(payload []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	return append(out, payload...)
}

// peer opens a loopback listener for network ("tcp4" or "tcp6") and runs
// serve on each accepted connection; the cleanup closes them and waits for
// them to end.
func peer(t testing.TB, network string, serve func(net.Conn)) net.Listener {
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

// echoFrames answers every frame with the same frame.
func echoFrames(c net.Conn) {
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

// gathered is what successive Polls reported; frames are copied.
type gathered struct {
	connected    []int64
	sent         []Completion
	frames       map[int64][][]byte
	disconnected map[int64]error
}

// pollUntil polls tr until done holds for what was gathered, failing the
// test at the deadline.
func pollUntil(t testing.TB, tr *Transport, got *gathered, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(transportDeadline)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v; gathered %+v", transportDeadline, *got)
		}
		if err := tr.Poll(50 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		got.gather(tr)
	}
}

// gather adds what the last Poll of tr reported.
func (got *gathered) gather(tr *Transport) {
	if got.frames == nil {
		got.frames = map[int64][][]byte{}
		got.disconnected = map[int64]error{}
	}
	got.connected = append(got.connected, tr.Connected()...)
	got.sent = append(got.sent, tr.Sent()...)
	for _, f := range tr.Received() {
		got.frames[f.ID] = append(got.frames[f.ID], bytes.Clone(f.Bytes))
	}
	for _, d := range tr.Disconnected() {
		got.disconnected[d.ID] = d.Err
	}
}

func connectTo(t testing.TB, tr *Transport, id int64, address string) {
	t.Helper()
	if err := tr.Connect(context.Background(), id, address); err != nil {
		t.Fatal(err)
	}
}

// connectedTransport returns a transport with cfg whose connection 1 to ln
// is up.
func connectedTransport(t testing.TB, cfg TransportConfig, ln net.Listener) *Transport {
	t.Helper()
	tr := newTransport(t, cfg)
	connectTo(t, tr, 1, ln.Addr().String())
	var got gathered
	pollUntil(t, tr, &got, func() bool { return len(got.connected) == 1 })
	return tr
}

// closedAddress returns a loopback address nothing listens on.
func closedAddress(t *testing.T) string {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}
