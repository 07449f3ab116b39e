package iouring

import (
	"fmt"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// BenchmarkNop measures the ring's own cost: one op is one NOP, prepared,
// submitted and reaped in batches.
func BenchmarkNop(b *testing.B) {
	for _, batch := range []int{1, 32, 256} {
		b.Run(fmt.Sprintf("batch=%d", batch), func(b *testing.B) {
			r := newRing(b, Options{Entries: 256})
			reaped := 0
			reap := func(uint64, int32, uint32) { reaped++ }
			b.ReportAllocs()
			b.ResetTimer()
			for done := 0; done < b.N; {
				k := min(batch, b.N-done)
				for j := range k {
					if err := r.PrepareNop(uint64(j)); err != nil {
						b.Fatal(err)
					}
				}
				if _, err := r.SubmitAndWait(k); err != nil {
					b.Fatal(err)
				}
				if _, err := r.Completions(reap); err != nil {
					b.Fatal(err)
				}
				done += k
			}
			b.StopTimer()
			if reaped != b.N {
				b.Fatalf("reaped %d of %d", reaped, b.N)
			}
		})
	}
}

// drainedSockets returns the writing ends of n socket pairs whose reading
// ends a goroutine each drains, until the end of the benchmark.
func drainedSockets(b *testing.B, n int) []int32 {
	var wg sync.WaitGroup
	fds := make([]int32, n)
	peers := make([]int, n)
	for i := range fds {
		pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			b.Fatalf("socketpair: %v", err)
		}
		fds[i], peers[i] = int32(pair[0]), pair[1]
		buf := make([]byte, 1<<20)
		wg.Go(func() {
			for {
				if n, err := unix.Read(pair[1], buf); n <= 0 || err != nil {
					return
				}
			}
		})
	}
	b.Cleanup(func() {
		for i := range fds {
			unix.Close(int(fds[i]))
		}
		wg.Wait()
		for _, p := range peers {
			unix.Close(p)
		}
	})
	return fds
}

// BenchmarkWritev writes a request (a small header and a batch, two
// iovecs) per op to socket pairs drained by other goroutines: through the
// ring one socket at a time, through the ring to 8 sockets per
// io_uring_enter, and with unix.Writev.
func BenchmarkWritev(b *testing.B) {
	for _, size := range []int{256, 16 << 10} {
		header := make([]byte, 64)
		batch := make([]byte, size-len(header))
		b.Run(fmt.Sprintf("size=%d/unix.Writev", size), func(b *testing.B) {
			fd := drainedSockets(b, 1)[0]
			bufs := [][]byte{header, batch}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if n, err := unix.Writev(int(fd), bufs); n != size || err != nil {
					b.Fatalf("writev = %d, %v", n, err)
				}
			}
		})
		for _, sockets := range []int{1, 8} {
			b.Run(fmt.Sprintf("size=%d/iouring-sockets=%d", size, sockets), func(b *testing.B) {
				r := newRing(b, Options{Entries: 64})
				fds := drainedSockets(b, sockets)
				iovecs := make([][2]Iovec, sockets)
				rest := make([][]Iovec, sockets)
				pending := 0
				var failed int32
				complete := func(userData uint64, res int32, _ uint32) {
					if res < 0 {
						failed = res
						return
					}
					rest[userData] = Advance(rest[userData], int(res))
					if len(rest[userData]) == 0 {
						pending--
						return
					}
					if err := r.PrepareWritev(fds[userData], rest[userData], userData); err != nil {
						failed = -1
					}
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for done := 0; done < b.N; {
					k := min(sockets, b.N-done)
					for i := range k {
						iovecs[i] = [2]Iovec{iovecOf(header), iovecOf(batch)}
						rest[i] = iovecs[i][:]
						if err := r.PrepareWritev(fds[i], rest[i], uint64(i)); err != nil {
							b.Fatal(err)
						}
					}
					for pending = k; pending > 0; {
						if _, err := r.SubmitAndWait(1); err != nil {
							b.Fatal(err)
						}
						if _, err := r.Completions(complete); err != nil || failed != 0 {
							b.Fatalf("Completions: %v, writev result %d", err, failed)
						}
					}
					done += k
				}
			})
		}
	}
}
