//go:build linux

package arena

import (
	"runtime"
	"testing"
)

// heapAlloc is the Go heap's live bytes after a collection.
func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// TestCountInGoHeap: with CountInGoHeap the Go heap grows by the arena's
// size while the arena is open, and shrinks back at Close; without it the
// region stays out of the heap.
func TestCountInGoHeap(t *testing.T) {
	const size = 32 << 20
	for _, count := range []bool{false, true} {
		before := heapAlloc()
		a, err := New(size, DefaultSlotSize, Options{CountInGoHeap: count})
		if err != nil {
			t.Fatal(err)
		}
		open := heapAlloc()
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
		after := heapAlloc()
		grew := int64(open) - int64(before)
		switch {
		case count && grew < size:
			t.Errorf("CountInGoHeap: the heap grew %d bytes with the arena open, want at least %d", grew, size)
		case !count && grew >= size/2:
			t.Errorf("without CountInGoHeap the heap grew %d bytes with the arena open", grew)
		case int64(after) > int64(before)+size/2:
			t.Errorf("CountInGoHeap=%v: the heap is %d bytes after Close, %d before", count, after, before)
		}
	}
}
