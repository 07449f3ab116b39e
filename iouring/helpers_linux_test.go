package iouring

import (
	"errors"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// newRing returns a ring closed at the end of the test, or skips the test
// where io_uring cannot be used. CI, root on a kernel with io_uring, fails
// instead.
func newRing(t testing.TB, opts Options) *Ring {
	t.Helper()
	r, err := New(opts)
	if errors.Is(err, ErrNotSupported) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the io_uring tests: %v", err)
		}
		t.Skipf("io_uring is unavailable here: %v", err)
	}
	if err != nil {
		t.Fatalf("New(%+v): %v", opts, err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return r
}

type completion struct {
	userData uint64
	res      int32
	flags    uint32
}

// collect submits what is prepared and reaps until n completions have
// arrived, failing the test if they take longer than ten seconds.
func collect(t testing.TB, r *Ring, n int) []completion {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got []completion
	for len(got) < n {
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d completions arrived within 10s: %+v", len(got), n, got)
		}
		if _, err := r.SubmitAndWaitTimeout(min(n-len(got), r.CQEntries()), time.Second); err != nil {
			t.Fatalf("SubmitAndWaitTimeout: %v", err)
		}
		if _, err := r.Completions(func(userData uint64, res int32, flags uint32) {
			got = append(got, completion{userData, res, flags})
		}); err != nil {
			t.Fatalf("Completions: %v", err)
		}
	}
	return got
}

// socketpair returns a connected pair of Unix stream sockets, closed at the
// end of the test.
func socketpair(t testing.TB) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatalf("socketpair: %v", err)
	}
	t.Cleanup(func() {
		unix.Close(fds[0])
		unix.Close(fds[1])
	})
	return fds[0], fds[1]
}

// readFull reads exactly len(buf) bytes from the blocking descriptor fd.
func readFull(t testing.TB, fd int, buf []byte) {
	t.Helper()
	for off := 0; off < len(buf); {
		n, err := unix.Read(fd, buf[off:])
		if err != nil || n == 0 {
			t.Fatalf("read after %d of %d bytes: %d, %v", off, len(buf), n, err)
		}
		off += n
	}
}

func iovecOf(b []byte) Iovec {
	v := Iovec{Base: &b[0]}
	v.SetLen(len(b))
	return v
}
