package iouring

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream"
	"github.com/perfproducer/perfproducer/internal/stream/streamtest"
)

func TestTransportRoundTrip(t *testing.T) {
	streamtest.RoundTrip(t, openTransport, func(*testing.T, streamtest.Transport, int64) {})
}

// TestTransportPartialSendsResumed waits, while the peer reads nothing,
// until a writev has come back short mid-send.
func TestTransportPartialSendsResumed(t *testing.T) {
	streamtest.PartialWrites(t, openTransport, func(t *testing.T, tr streamtest.Transport, got *streamtest.Outcomes) {
		streamtest.PollUntil(t, tr, got, tr.(*Transport).conns[1].queue.Partial)
		if len(got.Sent) == 3 {
			t.Fatal("every send completed to a peer that reads nothing")
		}
	}, func(*testing.T, streamtest.Transport) {})
}

// TestTransportFramesSplitAcrossReads has the peer write each frame in
// pieces, the next only once the transport holds the previous one as an
// unfinished frame: split inside the size prefix, inside the body, and a
// frame larger than the initial receive buffer, which must grow.
func TestTransportFramesSplitAcrossReads(t *testing.T) {
	large := bytes.Repeat([]byte("0123456789abcdef"), 3*stream.InitialReceiveBuffer/16)
	frames := [][]byte{streamtest.Frame([]byte("first")), streamtest.Frame([]byte("second, longer")), streamtest.Frame(large)}
	cuts := [][]int{{2}, {4, 9}, {3, 5000, stream.InitialReceiveBuffer + 17}}
	next := make(chan struct{})
	ln := streamtest.Listen(t, "tcp4", func(c net.Conn) {
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
	var got streamtest.Outcomes
	for i, f := range frames {
		for range cuts[i] {
			streamtest.PollUntil(t, tr, &got, func() bool { return c.frames.Partial() })
			if len(got.Frames[1]) != i {
				t.Fatalf("with frame %d cut short, %d frames were reported, want %d", i, len(got.Frames[1]), i)
			}
			next <- struct{}{}
		}
		streamtest.PollUntil(t, tr, &got, func() bool { return len(got.Frames[1]) == i+1 })
		if !bytes.Equal(got.Frames[1][i], f[4:]) {
			t.Errorf("frame %d: got %d bytes, want the %d sent", i, len(got.Frames[1][i]), len(f)-4)
		}
		next <- struct{}{}
	}
	stop()
	if c.frames.BufferSize() <= stream.InitialReceiveBuffer {
		t.Errorf("receive buffer is %d bytes after a %d-byte frame; it should have grown", c.frames.BufferSize(), len(large))
	}
}

func TestTransportAddressFallback(t *testing.T) {
	streamtest.AddressFallback(t, openTransport, func(tr streamtest.Transport, id int64, address string, addrs []netip.AddrPort) error {
		transport := tr.(*Transport)
		c := transport.newConn(id, address)
		c.addrs = addrs
		if err := transport.dialNext(c); err != nil {
			return err
		}
		transport.conns[id] = c
		return nil
	})
}

func TestTransportConnectRefused(t *testing.T) { streamtest.ConnectRefused(t, openTransport) }

// TestTransportConnectTimeout: only the linked timeout ends the connect.
func TestTransportConnectTimeout(t *testing.T) { streamtest.ConnectTimeout(t, openTransport) }

func TestTransportPeerEndings(t *testing.T) { streamtest.PeerEndings(t, openTransport) }

// TestTransportHundredConnections uses a small ring: preparing more than it
// holds submits on the way.
func TestTransportHundredConnections(t *testing.T) {
	streamtest.HundredConnections(t, func(t testing.TB, _ stream.Settings) streamtest.Transport {
		return newTransport(t, TransportConfig{Ring: Options{Entries: 16}})
	})
}

func TestTransportIdleReaping(t *testing.T) { streamtest.IdleReaping(t, openTransport) }

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
		case <-time.After(streamtest.Deadline):
			tr.Wakeup()
			t.Fatalf("Poll %d did not return within %v of a Wakeup", i, streamtest.Deadline)
		}
	}
}

// TestTransportCloseConnectionInFlight closes a connection with a receive
// and a short writev in flight and connects again at once under the same
// id: the new connection works, the old one is not reported, and Close
// leaves as many descriptors and io_uring mappings as before.
func TestTransportCloseConnectionInFlight(t *testing.T) {
	start := make(chan struct{})
	silent := streamtest.Listen(t, "tcp4", func(c net.Conn) {
		<-start
		io.Copy(io.Discard, c)
	})
	release := sync.OnceFunc(func() { close(start) })
	t.Cleanup(release)
	good := streamtest.Listen(t, "tcp4", streamtest.Echo)
	fdsBefore, mapsBefore := openFiles(t)

	tr, err := NewTransport(TransportConfig{SendBufferBytes: 4096})
	if errors.Is(err, ErrNotSupported) {
		newTransport(t, TransportConfig{}) // skips, or fails in CI
	}
	if err != nil {
		t.Fatal(err)
	}
	streamtest.Connect(t, tr, 1, silent.Addr().String())
	big := make([]byte, 4<<20)
	if err := tr.Send(1, [][]byte{big}, 1); err != nil {
		t.Fatal(err)
	}
	var got streamtest.Outcomes
	c := tr.conns[1]
	streamtest.PollUntil(t, tr, &got, func() bool { return len(got.Connected) == 1 && c.writing && c.receiving })
	tr.CloseConnection(1)
	streamtest.Connect(t, tr, 1, good.Addr().String())
	request := streamtest.Frame([]byte("again"))
	if err := tr.Send(1, [][]byte{request}, 2); err != nil {
		t.Fatal(err)
	}
	streamtest.PollUntil(t, tr, &got, func() bool { return len(got.Frames[1]) == 1 })
	if string(got.Frames[1][0]) != "again" || len(got.Disconnected) != 0 {
		t.Errorf("frames %q, disconnected %v; want [again] and none", got.Frames[1], got.Disconnected)
	}
	for _, s := range got.Sent {
		if s.Token == 1 {
			t.Errorf("the closed connection's send was reported: %v", got.Sent)
		}
	}
	streamtest.PollUntil(t, tr, &got, func() bool { return c.inflight == 0 })
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
	for deadline := time.Now().Add(streamtest.Deadline); ; {
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
	ln := streamtest.Listen(t, "tcp4", streamtest.Echo)
	tr := connectedTransport(t, TransportConfig{}, ln)
	request := streamtest.Frame([]byte("steady"))
	iovecs := [][]byte{request[:4], request[4:]}
	roundTrip := func() {
		if err := tr.Send(1, iovecs, 1); err != nil {
			t.Fatal(err)
		}
		frames := 0
		for deadline := time.Now().Add(streamtest.Deadline); frames == 0; {
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
