package iouring

import (
	"errors"
	"slices"
	"sync/atomic"
	"testing"
)

// TestWrapAround runs many more operations than the rings have entries, in
// batches of varying size, so both rings' indexes wrap many times at
// different offsets; every operation completes exactly once.
func TestWrapAround(t *testing.T) {
	const ops = 1000
	for _, tc := range []struct {
		name    string
		writes  bool  // writev one byte per operation to a socket pair
		wantRes int32 // of every completion
	}{
		{"nop", false, 0},
		{"writev to a socket pair", true, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRing(t, Options{Entries: 4})
			var src, dst int
			if tc.writes {
				src, dst = socketpair(t)
			}
			bufs := make([][1]byte, r.SQEntries())
			iovecs := make([][1]Iovec, r.SQEntries())
			seen := make([]int, ops)
			for i := 0; i < ops; {
				batch := min(i%r.SQEntries()+1, ops-i)
				for j := range batch {
					var err error
					if tc.writes {
						bufs[j][0] = byte(i + j)
						iovecs[j][0] = iovecOf(bufs[j][:])
						err = r.PrepareWritev(int32(src), iovecs[j][:], uint64(i+j))
					} else {
						err = r.PrepareNop(uint64(i + j))
					}
					if err != nil {
						t.Fatalf("prepare operation %d: %v", i+j, err)
					}
				}
				for _, c := range collect(t, r, batch) {
					if c.res != tc.wantRes {
						t.Fatalf("operation %d completed with %d", c.userData, c.res)
					}
					seen[c.userData]++
				}
				if tc.writes {
					got := make([]byte, batch)
					readFull(t, dst, got)
					want := make([]byte, batch)
					for j := range want {
						want[j] = byte(i + j)
					}
					slices.Sort(got)
					slices.Sort(want)
					if !slices.Equal(got, want) {
						t.Fatalf("batch at %d: read %v, want %v", i, got, want)
					}
				}
				i += batch
			}
			for ud, n := range seen {
				if n != 1 {
					t.Errorf("operation %d completed %d times", ud, n)
				}
			}
			if tail := atomic.LoadUint32(r.cqTail); tail < 2*uint32(r.CQEntries()) {
				t.Errorf("completion tail at %d: the ring of %d did not wrap", tail, r.CQEntries())
			}
		})
	}
}

// TestFullSubmissionQueue fills the submission queue: preparing more fails
// until Submit hands the entries to the kernel.
func TestFullSubmissionQueue(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	for i := range r.SQEntries() {
		if err := r.PrepareNop(uint64(i)); err != nil {
			t.Fatalf("PrepareNop %d: %v", i, err)
		}
	}
	if err := r.PrepareNop(99); !errors.Is(err, ErrSubmissionQueueFull) {
		t.Fatalf("PrepareNop on a full queue = %v, want ErrSubmissionQueueFull", err)
	}
	if err := r.PrepareLinkTimeout(1, 99); !errors.Is(err, ErrSubmissionQueueFull) {
		t.Fatalf("PrepareLinkTimeout on a full queue = %v, want ErrSubmissionQueueFull", err)
	}
	if flags := r.sqes[(r.sqeTail-1)&r.sqMask].flags; flags != 0 {
		t.Fatalf("a failed PrepareLinkTimeout left flags %#x on the entry before it", flags)
	}
	n, err := r.Submit()
	if err != nil || n != r.SQEntries() {
		t.Fatalf("Submit = %d, %v; want %d", n, err, r.SQEntries())
	}
	if err := r.PrepareNop(99); err != nil {
		t.Fatalf("PrepareNop after Submit: %v", err)
	}
	if got := collect(t, r, r.SQEntries()+1); len(got) != r.SQEntries()+1 {
		t.Fatalf("%d completions, want %d", len(got), r.SQEntries()+1)
	}
}

// TestCompletionQueueOverflow submits more operations than the completion
// queue holds without reaping; the kernel keeps the rest and Completions
// reaps every one.
func TestCompletionQueueOverflow(t *testing.T) {
	r := newRing(t, Options{Entries: 4, CQEntries: 8})
	ops := 5 * r.CQEntries() / 2
	for i := 0; i < ops; i += r.SQEntries() {
		for j := range r.SQEntries() {
			if err := r.PrepareNop(uint64(i + j)); err != nil {
				t.Fatalf("PrepareNop %d: %v", i+j, err)
			}
		}
		if _, err := r.Submit(); err != nil {
			t.Fatalf("Submit: %v", err)
		}
	}
	if atomic.LoadUint32(r.sqFlags)&sqCQOverflow == 0 {
		t.Fatalf("%d completions in a queue of %d, yet the kernel reports no overflow", ops, r.CQEntries())
	}
	seen := make([]int, ops)
	n, err := r.Completions(func(userData uint64, res int32, _ uint32) {
		if res != 0 {
			t.Errorf("NOP %d completed with %d", userData, res)
		}
		seen[userData]++
	})
	if err != nil || n != ops {
		t.Fatalf("Completions = %d, %v; want %d", n, err, ops)
	}
	for ud, c := range seen {
		if c != 1 {
			t.Errorf("NOP %d reaped %d times", ud, c)
		}
	}
	if r.inflight != 0 {
		t.Errorf("%d operations still counted in flight", r.inflight)
	}
}

// TestSteadyStateAllocatesNothing prepares, submits and reaps writevs and
// receives with caller-owned memory: no heap allocation per operation.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	src, dst := socketpair(t)
	payload := []byte("steady")
	iovecs := []Iovec{iovecOf(payload)}
	buf := make([]byte, 64)
	var failed int32
	check := func(_ uint64, res int32, _ uint32) {
		if res != int32(len(payload)) {
			failed = res
		}
	}
	allocs := testing.AllocsPerRun(100, func() {
		iovecs[0] = iovecOf(payload)
		if err := r.PrepareWritev(int32(src), iovecs, 1); err != nil {
			t.Fatal(err)
		}
		if err := r.PrepareRecv(int32(dst), buf, 2); err != nil {
			t.Fatal(err)
		}
		if _, err := r.SubmitAndWait(2); err != nil {
			t.Fatal(err)
		}
		if _, err := r.Completions(check); err != nil {
			t.Fatal(err)
		}
	})
	if failed != 0 {
		t.Fatalf("an operation completed with %d, want %d", failed, len(payload))
	}
	if allocs != 0 {
		t.Fatalf("%.1f allocations per writev and recv, want none", allocs)
	}
}
