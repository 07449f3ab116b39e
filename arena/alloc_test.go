//go:build linux

package arena

import (
	"context"
	"errors"
	"testing"
	"time"
)

// newFullArena returns a test arena with every slot allocated, one by one,
// lowest first: span i holds slot i.
func newFullArena(t testing.TB, slots, slotSize int) (*Arena, []Span) {
	t.Helper()
	a := newTestArena(t, slots, slotSize)
	spans := make([]Span, slots)
	for i := range spans {
		s, err := a.TryAlloc(1)
		if err != nil {
			t.Fatalf("filling slot %d: %v", i, err)
		}
		if s.Slot() != i {
			t.Fatalf("fill took slot %d for the %dth span", s.Slot(), i)
		}
		spans[i] = s
	}
	return a, spans
}

// allocResult is what a background Alloc returned.
type allocResult struct {
	who  int
	span Span
	err  error
}

// startWaiter runs Alloc(n) in the background and returns once the arena
// counts it among its waiters, so waiters started in turn queue in turn.
func startWaiter(t *testing.T, ctx context.Context, a *Arena, who, n int, results chan<- allocResult) {
	t.Helper()
	before := a.Stats().Waiters
	go func() {
		s, err := a.Alloc(ctx, n, time.Minute)
		results <- allocResult{who, s, err}
	}()
	waitUntil(t, "the waiter is queued", func() bool { return a.Waiters() == before+1 })
}

// receive returns the next result, failing the test after ten seconds.
func receive(t *testing.T, results <-chan allocResult) allocResult {
	t.Helper()
	select {
	case r := <-results:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("no waiter finished")
		return allocResult{}
	}
}

// assertStillWaiting checks that n callers wait and none has returned.
func assertStillWaiting(t *testing.T, a *Arena, n int, results <-chan allocResult) {
	t.Helper()
	if got, st := a.Waiters(), a.Stats(); got != n || st.Waiters != n {
		t.Fatalf("Waiters() = %d, Stats().Waiters = %d; want %d", got, st.Waiters, n)
	}
	select {
	case r := <-results:
		t.Fatalf("waiter %d returned early: %v", r.who, r.err)
	default:
	}
}

func TestWaitersAreServedInArrivalOrder(t *testing.T) {
	const slotSize, waiters = 128, 6
	a, held := newFullArena(t, 4, slotSize)
	results := make(chan allocResult, waiters)
	for who := range waiters {
		startWaiter(t, t.Context(), a, who, 1+who%slotSize, results)
	}
	if _, err := a.TryAlloc(1); !errors.Is(err, ErrFull) {
		t.Fatalf("TryAlloc with waiters queued = %v; want ErrFull", err)
	}
	for who := range waiters {
		mustFree(t, a, held[0])
		r := receive(t, results)
		if r.err != nil || r.who != who {
			t.Fatalf("after free %d: waiter %d returned %v; want waiter %d served", who, r.who, r.err, who)
		}
		assertStillWaiting(t, a, waiters-who-1, results)
		held[0] = r.span
	}
	mustFree(t, a, held...)
	if st := a.Stats(); st.Waits != waiters || st.BlockedTime <= 0 {
		t.Fatalf("stats after waits: %+v", st)
	}
}

func TestSmallWaiterDoesNotOvertakeRunWaiter(t *testing.T) {
	const slotSize = 128
	a, held := newFullArena(t, 4, slotSize)
	results := make(chan allocResult, 2)
	startWaiter(t, t.Context(), a, 0, 2*slotSize, results)
	startWaiter(t, t.Context(), a, 1, 1, results)

	mustFree(t, a, held[3])
	assertStillWaiting(t, a, 2, results)
	mustFree(t, a, held[2])
	run := receive(t, results)
	if run.who != 0 || run.err != nil || run.span.Slot() != 2 || run.span.Slots() != 2 {
		t.Fatalf("after slots 2 and 3 freed: %+v; want waiter 0 with slots 2-3", run)
	}
	assertStillWaiting(t, a, 1, results)
	mustFree(t, a, held[0])
	single := receive(t, results)
	if single.who != 1 || single.err != nil {
		t.Fatalf("after slot 0 freed: %+v; want waiter 1 served", single)
	}
	mustFree(t, a, run.span, single.span, held[1])
}

func TestRunWaiterGetsItsRunDespiteFragmentation(t *testing.T) {
	const slotSize = 64
	a, held := newFullArena(t, 8, slotSize)
	results := make(chan allocResult, 1)
	startWaiter(t, t.Context(), a, 0, 4*slotSize, results)

	// Half the arena free, but no four slots in a row: the run waits, and
	// nobody else may take the free slots meanwhile.
	for _, slot := range []int{0, 2, 4, 6, 7} {
		mustFree(t, a, held[slot])
		assertStillWaiting(t, a, 1, results)
	}
	if _, err := a.TryAlloc(1); !errors.Is(err, ErrFull) {
		t.Fatalf("TryAlloc past a waiting run = %v; want ErrFull", err)
	}
	mustFree(t, a, held[5])
	r := receive(t, results)
	if r.err != nil || r.span.Slot() != 4 || r.span.Slots() != 4 {
		t.Fatalf("after slots 4-7 freed: %+v; want slots 4-7", r)
	}
	mustFree(t, a, r.span, held[1], held[3])
}

func TestWaiterLeavingTheHeadUnblocksTheNext(t *testing.T) {
	const slotSize = 64
	a, held := newFullArena(t, 4, slotSize)
	results := make(chan allocResult, 2)
	ctx, cancel := context.WithCancel(t.Context())
	startWaiter(t, ctx, a, 0, 4*slotSize, results)
	startWaiter(t, t.Context(), a, 1, slotSize, results)
	mustFree(t, a, held[0])
	assertStillWaiting(t, a, 2, results)

	cancel()
	first, second := receive(t, results), receive(t, results)
	if first.who == 1 {
		first, second = second, first
	}
	if first.who != 0 || !errors.Is(first.err, context.Canceled) {
		t.Fatalf("cancelled waiter: %+v; want context.Canceled", first)
	}
	if second.who != 1 || second.err != nil || second.span.Slot() != 0 {
		t.Fatalf("waiter behind it: %+v; want slot 0", second)
	}
	mustFree(t, a, second.span, held[1], held[2], held[3])
}

func TestAllocGivesUp(t *testing.T) {
	const maxBlock = 20 * time.Millisecond
	expired, cancel := context.WithCancel(t.Context())
	cancel()
	past, cancelPast := context.WithDeadline(t.Context(), time.Now().Add(-time.Second))
	defer cancelPast()
	for _, tc := range []struct {
		name     string
		ctx      context.Context
		n        int
		maxBlock time.Duration
		want     error
	}{
		{"max.block.ms passes", t.Context(), 1, maxBlock, ErrTimeout},
		{"no waiting allowed", t.Context(), 1, 0, ErrTimeout},
		{"run times out", t.Context(), 2 * 64, maxBlock, ErrTimeout},
		{"context cancelled", expired, 1, time.Minute, context.Canceled},
		{"context deadline", past, 1, time.Minute, context.DeadlineExceeded},
		{"larger than the arena", t.Context(), 4*64 + 1, time.Minute, ErrTooLarge},
		{"zero bytes", t.Context(), 0, time.Minute, ErrInvalidSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, held := newFullArena(t, 4, 64)
			defer mustFree(t, a, held...)
			_, err := a.Alloc(tc.ctx, tc.n, tc.maxBlock)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Alloc = %v; want %v", err, tc.want)
			}
			st := a.Stats()
			if st.Waiters != 0 {
				t.Fatalf("%d waiters left queued", st.Waiters)
			}
			if tc.want != ErrTimeout {
				return
			}
			var timeout *TimeoutError
			if !errors.As(err, &timeout) || timeout.Waited < tc.maxBlock || timeout.Size != tc.n {
				t.Fatalf("timeout error %#v; want size %d, waited at least %v", err, tc.n, tc.maxBlock)
			}
			if st.Timeouts != 1 || st.BlockedTime < tc.maxBlock {
				t.Fatalf("stats after timeout: %+v", st)
			}
		})
	}
}

func TestTooLargeFailsAtOnceEvenWhenFree(t *testing.T) {
	a := newTestArena(t, 4, 64)
	if _, err := a.TryAlloc(4*64 + 1); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("TryAlloc = %v; want ErrTooLarge", err)
	}
	s, err := a.Alloc(t.Context(), 4*64, time.Minute)
	if err != nil || s.Slots() != 4 {
		t.Fatalf("Alloc of the whole arena = %+v, %v", s, err)
	}
	mustFree(t, a, s)
}

func TestCloseRefusesWhileCallersWait(t *testing.T) {
	a, held := newFullArena(t, 2, 64)
	results := make(chan allocResult, 1)
	ctx, cancel := context.WithCancel(t.Context())
	startWaiter(t, ctx, a, 0, 1, results)
	if err := a.Close(); !errors.Is(err, ErrInUse) {
		t.Fatalf("Close with a caller waiting = %v; want ErrInUse", err)
	}
	cancel()
	if r := receive(t, results); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("waiter after refused Close: %+v; want context.Canceled", r)
	}
	mustFree(t, a, held...)
}

// TestOnWaitRunsOnceTheCallerIsQueued checks Options.OnWait's contract: it
// runs only for a caller that really waits, once Waiters counts that caller,
// and outside the arena's lock: here it frees the slot the caller waits for,
// which takes that lock to serve the queue.
func TestOnWaitRunsOnceTheCallerIsQueued(t *testing.T) {
	const slots, slotSize = 2, 64
	var (
		a         *Arena
		held      []Span
		runs      int
		seen      int
		freeError error
	)
	a, err := New(slots*slotSize, slotSize, Options{OnWait: func() {
		runs++
		seen = a.Waiters()
		freeError = a.Free(held[0])
	}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close at end of test: %v", err)
		}
	})
	for range slots {
		s, err := a.Alloc(t.Context(), 1, time.Minute)
		if err != nil {
			t.Fatalf("Alloc with memory free: %v", err)
		}
		held = append(held, s)
	}
	if runs != 0 {
		t.Fatalf("OnWait ran %d times for callers that did not wait", runs)
	}

	results := make(chan allocResult, 1)
	go func() {
		s, err := a.Alloc(t.Context(), 1, time.Minute)
		results <- allocResult{span: s, err: err}
	}()
	r := receive(t, results)
	if runs != 1 || seen != 1 || freeError != nil {
		t.Fatalf("OnWait ran %d times, saw %d waiters, freed with %v; want once, 1, nil", runs, seen, freeError)
	}
	if r.err != nil || r.span.Slot() != held[0].Slot() {
		t.Fatalf("the waiting Alloc returned %+v; want the slot OnWait freed (%d)", r, held[0].Slot())
	}
	mustFree(t, a, r.span, held[1])
}
