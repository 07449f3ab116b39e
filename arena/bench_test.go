//go:build linux

package arena

import (
	"runtime"
	"sync"
	"testing"
	"time"
)

// allocFreePair makes one benchmark candidate: a function that takes a
// batch-sized buffer, touches it and gives it back, reporting success. All
// candidates do that same work, so their figures compare.
type allocFreePair struct {
	name string
	make func(tb testing.TB) func() bool
}

var allocFreePairs = []allocFreePair{
	{"arena", arenaTryAlloc(DefaultSlotSize)},
	{"arena-blocking", func(tb testing.TB) func() bool {
		a := newTestArena(tb, DefaultSize/DefaultSlotSize, DefaultSlotSize)
		ctx := tb.Context()
		return func() bool {
			s, err := a.Alloc(ctx, DefaultSlotSize, time.Second)
			if err != nil {
				return false
			}
			a.Bytes(s)[0] = 1
			return a.Free(s) == nil
		}
	}},
	{"arena-run4", arenaTryAlloc(4 * DefaultSlotSize)},
	// A 1 KiB piece: the slot becomes a slab and, its only piece back,
	// returns to the bitmap, every time (the costliest path of pieces).
	{"arena-piece", func(tb testing.TB) func() bool {
		a := newTestArenaWith(tb, DefaultSize/DefaultSlotSize, DefaultSlotSize, Options{MinPiece: 1 << 10})
		return func() bool {
			s, err := a.TryAlloc(1 << 10)
			if err != nil {
				return false
			}
			a.Bytes(s)[0] = 1
			return a.Free(s) == nil
		}
	}},
	{"mutex-freelist", func(tb testing.TB) func() bool {
		l := newMutexFreeList(DefaultSize/DefaultSlotSize, DefaultSlotSize)
		return func() bool {
			slot, ok := l.alloc()
			if !ok {
				return false
			}
			l.bytes(slot)[0] = 1
			l.release(slot)
			return true
		}
	}},
	{"sync.Pool", func(testing.TB) func() bool {
		pool := sync.Pool{New: func() any {
			b := make([]byte, DefaultSlotSize)
			return &b
		}}
		return func() bool {
			b := pool.Get().(*[]byte)
			(*b)[0] = 1
			pool.Put(b)
			return true
		}
	}},
}

// arenaTryAlloc makes a candidate that takes n bytes from a default-sized
// arena with TryAlloc.
func arenaTryAlloc(n int) func(testing.TB) func() bool {
	return func(tb testing.TB) func() bool {
		a := newTestArena(tb, DefaultSize/DefaultSlotSize, DefaultSlotSize)
		return func() bool {
			s, err := a.TryAlloc(n)
			if err != nil {
				return false
			}
			a.Bytes(s)[0] = 1
			return a.Free(s) == nil
		}
	}
}

func BenchmarkAllocFree(b *testing.B) {
	for _, c := range allocFreePairs {
		b.Run(c.name, func(b *testing.B) {
			pair := c.make(b)
			b.ReportAllocs()
			for b.Loop() {
				if !pair() {
					b.Fatal("alloc+free failed")
				}
			}
		})
	}
}

func BenchmarkAllocFreeParallel(b *testing.B) {
	for _, c := range allocFreePairs {
		b.Run(c.name, func(b *testing.B) {
			pair := c.make(b)
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if !pair() {
						b.Error("alloc+free failed")
						return
					}
				}
			})
		})
	}
}

// mutexFreeList is the baseline the lock-free bitmap must beat: the same
// slots of Go memory, their indices on a stack behind a mutex.
type mutexFreeList struct {
	mu       sync.Mutex
	free     []int
	memory   []byte
	slotSize int
}

func newMutexFreeList(slots, slotSize int) *mutexFreeList {
	l := &mutexFreeList{memory: make([]byte, slots*slotSize), slotSize: slotSize}
	for i := slots - 1; i >= 0; i-- {
		l.free = append(l.free, i)
	}
	return l
}

func (l *mutexFreeList) alloc() (int, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.free) == 0 {
		return 0, false
	}
	slot := l.free[len(l.free)-1]
	l.free = l.free[:len(l.free)-1]
	return slot, true
}

func (l *mutexFreeList) release(slot int) {
	l.mu.Lock()
	l.free = append(l.free, slot)
	l.mu.Unlock()
}

func (l *mutexFreeList) bytes(slot int) []byte {
	return l.memory[slot*l.slotSize : (slot+1)*l.slotSize]
}

// BenchmarkHandOff measures one blocked Alloc served by a Free: the caller
// queues and parks, the freeing goroutine hands it the slot and wakes it.
// Every op waits exactly once.
func BenchmarkHandOff(b *testing.B) {
	a := newTestArena(b, 1, DefaultSlotSize)
	held, err := a.TryAlloc(1)
	if err != nil {
		b.Fatal(err)
	}
	got := make(chan Span)
	b.ReportAllocs()
	b.ResetTimer()
	go func() {
		for range b.N {
			s, err := a.Alloc(b.Context(), 1, time.Minute)
			if err != nil {
				b.Error(err)
			}
			got <- s
		}
	}()
	for range b.N {
		for a.Waiters() == 0 {
			runtime.Gosched()
		}
		if err := a.Free(held); err != nil {
			b.Fatal(err)
		}
		held = <-got
	}
	b.StopTimer()
	if err := a.Free(held); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(a.Stats().BlockedTime.Nanoseconds())/float64(b.N), "blocked-ns/op")
}
