//go:build linux

package netpoll

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// Helpers for tests on real loopback sockets: a plain Go listener as the
// peer, and polling until a condition holds.

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testDeadline bounds every wait on a condition; tests never sleep.
const testDeadline = 20 * time.Second

func newSelector(t testing.TB, cfg Config) *Selector {
	t.Helper()
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// frame returns payload with its int32 size prefix.
func frame(payload []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	return append(out, payload...)
}

// listen opens a loopback listener for network ("tcp4" or "tcp6") and runs
// serve on each accepted connection; the cleanup waits for them to end.
func listen(t testing.TB, network string, serve func(net.Conn)) net.Listener {
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

// echo answers every frame with the same frame, reusing one buffer.
func echo(c net.Conn) {
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

// outcomes gathers what successive Polls report; frames are copied.
type outcomes struct {
	connected    []ID
	sent         []Completion
	frames       map[ID][][]byte
	disconnected map[ID]error
}

// pollUntil polls s until done holds for what was gathered, failing the
// test at the deadline.
func pollUntil(t testing.TB, s *Selector, got *outcomes, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(testDeadline)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %v; gathered %+v", testDeadline, *got)
		}
		if err := s.Poll(50 * time.Millisecond); err != nil {
			t.Fatal(err)
		}
		got.gather(s)
	}
}

// gather adds what the last Poll of s reported.
func (got *outcomes) gather(s *Selector) {
	if got.frames == nil {
		got.frames = map[ID][][]byte{}
		got.disconnected = map[ID]error{}
	}
	got.connected = append(got.connected, s.Connected()...)
	got.sent = append(got.sent, s.Sent()...)
	for _, f := range s.Received() {
		got.frames[f.ID] = append(got.frames[f.ID], bytes.Clone(f.Bytes))
	}
	for _, d := range s.Disconnected() {
		got.disconnected[d.ID] = d.Err
	}
}

func connect(t testing.TB, s *Selector, id ID, address string) {
	t.Helper()
	if err := s.Connect(context.Background(), id, address); err != nil {
		t.Fatal(err)
	}
}

// connectedSelector returns a selector with cfg whose connection 1 to ln is
// up.
func connectedSelector(t testing.TB, cfg Config, ln net.Listener) *Selector {
	t.Helper()
	s := newSelector(t, cfg)
	connect(t, s, 1, ln.Addr().String())
	var got outcomes
	pollUntil(t, s, &got, func() bool { return len(got.connected) == 1 })
	return s
}

// dial opens a net.Conn to ln, closed at the end of the test.
func dial(t testing.TB, ln net.Listener) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}
