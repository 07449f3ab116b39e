package stream

import (
	"sync"
	"testing"
)

// TestHandoff puts from several goroutines and takes on one: every value
// comes out exactly once, an empty queue takes nil, and a warm queue whose
// batches are recycled allocates nothing.
func TestHandoff(t *testing.T) {
	var q Handoff[int]
	if got := q.Take(); got != nil {
		t.Fatalf("Take on an empty queue = %v, want nil", got)
	}
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				q.Put(g*100 + i)
			}
		})
	}
	wg.Wait()
	seen := map[int]bool{}
	batch := q.Take()
	for _, v := range batch {
		if seen[v] {
			t.Fatalf("%d taken twice", v)
		}
		seen[v] = true
	}
	if len(seen) != 400 {
		t.Fatalf("took %d values, want 400", len(seen))
	}
	q.Recycle(batch)
	cycle := func() {
		q.Put(7)
		next := q.Take()
		if len(next) != 1 || next[0] != 7 {
			t.Fatalf("Take = %v, want [7]", next)
		}
		q.Recycle(next)
	}
	cycle()
	if allocs := testing.AllocsPerRun(100, cycle); allocs != 0 {
		t.Errorf("a warm put, take and recycle allocates %v times, want 0", allocs)
	}
	if got := q.Take(); got != nil {
		t.Errorf("Take after taking everything = %v, want nil", got)
	}
}
