package iouring

import (
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestCancel cancels a receive that no data will ever complete, by user
// data and by a linked timeout.
func TestCancel(t *testing.T) {
	const recvData, cancelData = 1, 2
	for _, tc := range []struct {
		name    string
		prepare func(r *Ring) error // after the receive is submitted
		linked  bool                // prepare runs before the receive is submitted
		want    map[uint64]int32
	}{
		{
			name:    "async cancel",
			prepare: func(r *Ring) error { return r.PrepareCancel(recvData, cancelData) },
			want:    map[uint64]int32{recvData: -int32(unix.ECANCELED), cancelData: 0},
		},
		{
			name:    "linked timeout",
			prepare: func(r *Ring) error { return r.PrepareLinkTimeout(time.Millisecond, cancelData) },
			linked:  true,
			want:    map[uint64]int32{recvData: -int32(unix.ECANCELED), cancelData: -int32(unix.ETIME)},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRing(t, Options{Entries: 4})
			fd, _ := socketpair(t)
			buf := make([]byte, 16)
			if err := r.PrepareRecv(int32(fd), buf, recvData); err != nil {
				t.Fatalf("PrepareRecv: %v", err)
			}
			if !tc.linked {
				if _, err := r.Submit(); err != nil {
					t.Fatalf("Submit: %v", err)
				}
			}
			if err := tc.prepare(r); err != nil {
				t.Fatalf("prepare: %v", err)
			}
			got := map[uint64]int32{}
			for _, c := range collect(t, r, len(tc.want)) {
				got[c.userData] = c.res
			}
			for ud, want := range tc.want {
				if res, ok := got[ud]; !ok || res != want {
					t.Errorf("operation %d completed with %d (reaped: %t), want %d", ud, res, ok, want)
				}
			}
		})
	}
}

// TestCancelUnknown cancels user data no operation carries.
func TestCancelUnknown(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	if err := r.PrepareCancel(42, 1); err != nil {
		t.Fatalf("PrepareCancel: %v", err)
	}
	if got := collect(t, r, 1); got[0].res != -int32(unix.ENOENT) {
		t.Fatalf("cancel of nothing completed with %d, want -ENOENT", got[0].res)
	}
}

// TestCloseCancelsPending closes a ring with a receive pending: once Close
// returns, the receive no longer takes data, and its buffer is untouched.
func TestCloseCancelsPending(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	fd, peer := socketpair(t)
	buf := make([]byte, 16)
	if err := r.PrepareRecv(int32(fd), buf, 1); err != nil {
		t.Fatalf("PrepareRecv: %v", err)
	}
	if _, err := r.Submit(); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	if err := r.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := unix.Write(peer, []byte("after close")); err != nil {
		t.Fatalf("write: %v", err)
	}
	pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
	if n, err := unix.Poll(pfd, 10_000); n != 1 || err != nil {
		t.Fatalf("poll = %d, %v: the data never became readable; the cancelled receive took it", n, err)
	}
	got := make([]byte, 32)
	n, err := unix.Read(fd, got)
	if err != nil || string(got[:n]) != "after close" {
		t.Fatalf("read = %q, %v; want %q", got[:n], err, "after close")
	}
	if string(buf) != string(make([]byte, 16)) {
		t.Fatalf("the receive buffer was written after Close: %q", buf)
	}
}

// TestTimeout checks a timeout operation and a bounded wait.
func TestTimeout(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	t.Run("timeout operation", func(t *testing.T) {
		if err := r.PrepareTimeout(time.Millisecond, 7); err != nil {
			t.Fatalf("PrepareTimeout: %v", err)
		}
		got := collect(t, r, 1)
		if got[0].userData != 7 || got[0].res != -int32(unix.ETIME) {
			t.Fatalf("completion %+v, want user data 7 with -ETIME", got[0])
		}
	})
	t.Run("timeout operation ends a longer wait", func(t *testing.T) {
		fd, _ := socketpair(t)
		buf := make([]byte, 8)
		if err := r.PrepareRecv(int32(fd), buf, 8); err != nil {
			t.Fatalf("PrepareRecv: %v", err)
		}
		if err := r.PrepareTimeout(time.Millisecond, 9); err != nil {
			t.Fatalf("PrepareTimeout: %v", err)
		}
		returned := make(chan error, 1)
		go func() {
			_, err := r.SubmitAndWait(2)
			returned <- err
		}()
		select {
		case err := <-returned:
			if err != nil {
				t.Fatalf("SubmitAndWait: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("SubmitAndWait(2) still waits 10s after its timeout operation was due")
		}
		var got []completion
		r.Completions(func(userData uint64, res int32, flags uint32) { got = append(got, completion{userData, res, flags}) })
		if len(got) != 1 || got[0].userData != 9 || got[0].res != -int32(unix.ETIME) {
			t.Fatalf("completions %+v, want only the timeout's -ETIME", got)
		}
		if err := r.PrepareCancel(8, 10); err != nil {
			t.Fatalf("PrepareCancel: %v", err)
		}
		if got := collect(t, r, 2); len(got) != 2 {
			t.Fatalf("completions %+v, want the receive's and its cancellation's", got)
		}
	})
	t.Run("wait with nothing in flight", func(t *testing.T) {
		n, err := r.SubmitAndWaitTimeout(1, time.Millisecond)
		if n != 0 || err != nil {
			t.Fatalf("SubmitAndWaitTimeout = %d, %v; want 0, nil", n, err)
		}
		if reaped, err := r.Completions(func(uint64, int32, uint32) {}); reaped != 0 || err != nil {
			t.Fatalf("Completions = %d, %v; want none", reaped, err)
		}
	})
}
