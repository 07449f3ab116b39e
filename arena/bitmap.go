package arena

import (
	"math/bits"
	"sync/atomic"
)

// slotBitmap records which slots are free, one bit per slot (set = free), in
// words changed only by atomic operations. Single slots are taken lowest
// first and runs highest first, so runs find room at the top while single
// slots pack at the bottom.
type slotBitmap struct {
	words []atomic.Uint64
	slots int
}

// newSlotBitmap returns a bitmap of slots slots, all free.
func newSlotBitmap(slots int) slotBitmap {
	m := slotBitmap{words: make([]atomic.Uint64, (slots+63)/64), slots: slots}
	m.release(0, slots)
	return m
}

// claimOne takes the lowest free slot. It is lock-free and allocates nothing.
func (m *slotBitmap) claimOne() (int, bool) {
	for i := range m.words {
		w := &m.words[i]
		for old := w.Load(); old != 0; old = w.Load() {
			lowest := old & -old
			if w.CompareAndSwap(old, old&^lowest) {
				return i*64 + bits.TrailingZeros64(lowest), true
			}
		}
	}
	return 0, false
}

// claimRun takes the highest run of count contiguous free slots. It is safe
// beside claimOne and release; callers of claimRun serialize among
// themselves, because two runs claiming across each other can each make the
// other retry.
func (m *slotBitmap) claimRun(count int) (int, bool) {
	for {
		first, ok := m.findRun(count)
		if !ok {
			return 0, false
		}
		if m.claimRange(first, count) {
			return first, true
		}
	}
}

// findRun returns the first slot of the highest run of count slots that were
// free when it looked.
func (m *slotBitmap) findRun(count int) (int, bool) {
	run := 0
	for i := len(m.words) - 1; i >= 0; i-- {
		w := m.words[i].Load()
		if w == 0 {
			run = 0
			continue
		}
		for b := min(m.slots-i*64, 64) - 1; b >= 0; b-- {
			if w&(1<<b) == 0 {
				run = 0
				continue
			}
			if run++; run == count {
				return i*64 + b, true
			}
		}
	}
	return 0, false
}

// claimRange takes slots [first, first+count) if every one is free, else
// none of them.
func (m *slotBitmap) claimRange(first, count int) bool {
	end := first + count
	for i := first / 64; i*64 < end; i++ {
		if !m.clearAll(i, runMask(i, first, end)) {
			if taken := i*64 - first; taken > 0 {
				m.release(first, taken)
			}
			return false
		}
	}
	return true
}

// clearAll clears the mask's bits of word i if all of them are set.
func (m *slotBitmap) clearAll(i int, mask uint64) bool {
	w := &m.words[i]
	for {
		old := w.Load()
		if old&mask != mask {
			return false
		}
		if w.CompareAndSwap(old, old&^mask) {
			return true
		}
	}
}

// release marks slots [first, first+count) free.
func (m *slotBitmap) release(first, count int) {
	end := first + count
	for i := first / 64; i*64 < end; i++ {
		m.words[i].Or(runMask(i, first, end))
	}
}

// free counts the free slots. Under concurrent change it is a count each
// word of which was true at some moment.
func (m *slotBitmap) free() int {
	n := 0
	for i := range m.words {
		n += bits.OnesCount64(m.words[i].Load())
	}
	return n
}

// runMask returns the bits of word i that stand for slots in [first, end);
// the range must overlap the word.
func runMask(i, first, end int) uint64 {
	lo := max(first-i*64, 0)
	hi := min(end-i*64, 64)
	return ^uint64(0) >> (64 - (hi - lo)) << lo
}
