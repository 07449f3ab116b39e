package arena

import "time"

// Stats is a snapshot of the arena's accounting. Free and InUse come from
// one count of free slots, so Free + InUse == Total in every snapshot; a
// slot cut into pieces is in use while any of its pieces is. After
// Close every slot counts as in use: none can be allocated.
type Stats struct {
	Total int64 // bytes mapped (buffer.memory)
	Free  int64 // bytes in free slots
	InUse int64 // bytes in allocated spans

	SlotSize  int // bytes per slot (batch.size)
	Slots     int // slots in the arena
	FreeSlots int // slots free

	Waiters     int           // Alloc calls waiting now
	Waits       uint64        // Alloc calls that had to wait, ever
	Timeouts    uint64        // Alloc calls that ran out of max.block.ms
	BlockedTime time.Duration // total time Alloc calls spent waiting
}

// Stats reads the accounting; it takes no lock.
func (a *Arena) Stats() Stats {
	free := a.bitmap.free()
	return Stats{
		Total:       int64(a.slots) * int64(a.slotSize),
		Free:        int64(free) * int64(a.slotSize),
		InUse:       int64(a.slots-free) * int64(a.slotSize),
		SlotSize:    a.slotSize,
		Slots:       a.slots,
		FreeSlots:   free,
		Waiters:     a.Waiters(),
		Waits:       a.waits.Load(),
		Timeouts:    a.timeouts.Load(),
		BlockedTime: time.Duration(a.blocked.Load()),
	}
}

// Waiters returns how many Alloc calls wait for memory now: one atomic load,
// for a sender loop that treats a waiting caller as a reason to send
// (Kafka's "memory exhausted" readiness).
func (a *Arena) Waiters() int { return int(a.waiting.Load()) }
