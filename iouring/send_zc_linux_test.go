package iouring

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// requireSendZC skips where the kernel lacks IORING_OP_SEND_ZC (Linux
// before 6.0), except in CI, whose kernel has it.
func requireSendZC(t testing.TB, r *Ring) {
	t.Helper()
	p, err := r.Probe()
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	if !p.Supports(OpSendZC) {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must run the zero-copy send tests: the kernel lacks IORING_OP_SEND_ZC")
		}
		t.Skip("the kernel lacks IORING_OP_SEND_ZC (Linux 6.0)")
	}
}

// blockingTCP connects a blocking TCP socket to addr, closed at the end of
// the test: the ring waits on it instead of failing with EAGAIN.
func blockingTCP(t testing.TB, addr netip.AddrPort) int32 {
	t.Helper()
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socket: %v", err)
	}
	t.Cleanup(func() { unix.Close(fd) })
	if err := unix.Connect(fd, &unix.SockaddrInet4{Port: int(addr.Port()), Addr: addr.Addr().As4()}); err != nil {
		t.Fatalf("connect: %v", err)
	}
	return int32(fd)
}

// TestSendZCCompletesTwice sends a buffer with IORING_OP_SEND_ZC over
// loopback TCP: the first completion reports every byte and says another
// follows, the second is the notification that the buffer is free, and
// the peer reads exactly what was sent.
func TestSendZCCompletesTwice(t *testing.T) {
	r := newRing(t, Options{Entries: 8})
	requireSendZC(t, r)
	payload := make([]byte, 256<<10)
	rand.Read(payload)
	received := make(chan []byte, 1)
	addr := listen(t, "127.0.0.1:0", func(c net.Conn) {
		got := make([]byte, len(payload))
		_, err := io.ReadFull(c, got)
		if err != nil {
			got = nil
		}
		received <- got
	})
	fd := blockingTCP(t, addr)
	if err := r.PrepareSendZC(fd, payload, 7); err != nil {
		t.Fatal(err)
	}
	got := collect(t, r, 2)
	first, notification := got[0], got[1]
	if first.userData != 7 || int(first.res) != len(payload) || first.flags&CompletionMore == 0 {
		t.Fatalf("first completion %+v: want user data 7, %d bytes, CompletionMore", first, len(payload))
	}
	if notification.userData != 7 || notification.flags&CompletionNotification == 0 || notification.flags&CompletionMore != 0 {
		t.Fatalf("second completion %+v: want user data 7 and CompletionNotification alone", notification)
	}
	if b := <-received; !bytes.Equal(b, payload) {
		t.Fatalf("the peer read %d bytes that differ from the %d sent", len(b), len(payload))
	}
}

// BenchmarkSend sends a request of size bytes per op over loopback TCP to
// a peer that drains it: with the send(2) system call; through the ring
// with IORING_OP_SEND; with IORING_OP_WRITE_FIXED from a registered buffer
// on a registered file (the kernel neither pins the pages nor looks the
// descriptor up per op); and with IORING_OP_SEND_ZC (zero copy: the kernel
// pins the buffer's pages and notifies when it is done with them).
func BenchmarkSend(b *testing.B) {
	for _, size := range []int{16 << 10, 256 << 10, 1 << 20} {
		buf := make([]byte, size)
		for _, mode := range []string{"unix.Write", "iouring-send", "iouring-write-fixed", "iouring-send-zc"} {
			b.Run(fmt.Sprintf("size=%d/%s", size, mode), func(b *testing.B) {
				addr := listen(b, "127.0.0.1:0", func(c net.Conn) { _, _ = io.Copy(io.Discard, c) })
				fd := blockingTCP(b, addr)
				var r *Ring
				if mode != "unix.Write" {
					r = newRing(b, Options{Entries: 8})
					switch mode {
					case "iouring-send-zc":
						requireSendZC(b, r)
					case "iouring-write-fixed":
						if err := r.RegisterBuffers(buf); err != nil {
							b.Fatal(err)
						}
						if err := r.RegisterFiles([]int32{fd}); err != nil {
							b.Fatal(err)
						}
					}
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for range b.N {
					switch mode {
					case "unix.Write":
						for rest := buf; len(rest) > 0; {
							n, err := unix.Write(int(fd), rest)
							if err != nil {
								b.Fatal(err)
							}
							rest = rest[n:]
						}
					case "iouring-write-fixed":
						writeFixedThroughRing(b, r, buf)
					default:
						sendThroughRing(b, r, fd, buf, mode == "iouring-send-zc")
					}
				}
			})
		}
	}
}

// sendThroughRing sends all of buf on fd through r, resuming short sends,
// and with zeroCopy waits for each send's notification before returning.
func sendThroughRing(b *testing.B, r *Ring, fd int32, buf []byte, zeroCopy bool) {
	for rest := buf; len(rest) > 0; {
		prepare := r.PrepareSend
		if zeroCopy {
			prepare = r.PrepareSendZC
		}
		if err := prepare(fd, rest, 1); err != nil {
			b.Fatal(err)
		}
		want := 1
		if zeroCopy {
			want = 2
		}
		sent := int32(0)
		for seen := 0; seen < want; {
			if _, err := r.SubmitAndWait(1); err != nil {
				b.Fatal(err)
			}
			n, err := r.Completions(func(_ uint64, res int32, flags uint32) {
				if flags&CompletionNotification == 0 {
					sent = res
					if flags&CompletionMore == 0 {
						want = 1 // a failed zero-copy send: no notification follows
					}
				}
			})
			if err != nil {
				b.Fatal(err)
			}
			seen += n
		}
		if sent <= 0 {
			b.Fatalf("send completed with %d", sent)
		}
		rest = rest[sent:]
	}
}

// writeFixedThroughRing writes all of buf, registered buffer 0, to
// registered file 0 through r, resuming short writes.
func writeFixedThroughRing(b *testing.B, r *Ring, buf []byte) {
	for rest := buf; len(rest) > 0; {
		if err := r.PrepareWriteFixed(0, rest, 0, 1); err != nil {
			b.Fatal(err)
		}
		if err := r.SetFlags(FlagFixedFile); err != nil {
			b.Fatal(err)
		}
		if _, err := r.SubmitAndWait(1); err != nil {
			b.Fatal(err)
		}
		written := int32(0)
		if _, err := r.Completions(func(_ uint64, res int32, _ uint32) { written = res }); err != nil {
			b.Fatal(err)
		}
		if written <= 0 {
			b.Fatalf("write-fixed completed with %d", written)
		}
		rest = rest[written:]
	}
}
