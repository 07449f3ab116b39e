package arena

// Options tunes how the arena's memory is obtained and who hears of callers
// waiting for it. The zero value maps lazily with base pages and no lock,
// like any Go allocation, and tells nobody of waits.
type Options struct {
	// Populate faults every page in at New (MAP_POPULATE), so the first batch
	// written to a slot takes no page fault on the Send path.
	Populate bool

	// HugePages aligns the region to 2 MiB and asks for transparent huge pages
	// (MADV_HUGEPAGE): fewer TLB misses when batches spread over the arena.
	// New fails with ErrHugePages if the kernel refuses the advice.
	HugePages bool

	// Lock pins the region in RAM (mlock) so it is never swapped out. It needs
	// CAP_IPC_LOCK or a RLIMIT_MEMLOCK of at least the arena size; without
	// them New fails with ErrLock (also wrapping unix.EPERM or unix.ENOMEM),
	// and the caller may retry without Lock.
	Lock bool

	// MinPiece, when positive, lets requests of at most half a slot share
	// slots: each gets a piece, the smallest k-th of a slot (k at most 32,
	// rounded down to a multiple of 64 bytes, or for a MinPiece under 64 of
	// the largest power of two not above it) no smaller than MinPiece that
	// holds it, so buffer.memory bounds bytes rather than allocations. Zero
	// gives every request whole slots.
	MinPiece int

	// CountInGoHeap makes the Go runtime count the region as heap: New
	// also allocates as many bytes of pointer-free Go memory, which nothing
	// reads or writes, and keeps them until Close. The region is outside
	// the Go heap, so without them the collector paces itself by a heap
	// that leaves the buffer out (its goal is twice the live heap): a
	// program that allocates what it sends (each record's value, say)
	// collects many times as often as it would with the buffer on its
	// heap, as with a client that buffers the records themselves (Java's
	// buffer pool is on the JVM's heap, and a Go client that keeps
	// references to records keeps them on the Go heap). A memory limit
	// (GOMEMLIMIT) then counts the buffer too. The bytes are reserved, not
	// used: pages the runtime gets fresh from the kernel and never touches
	// take no RAM.
	CountInGoHeap bool

	// OnWait, when set, runs each time an Alloc caller starts to wait for
	// memory: after it has joined the queue (Waiters already counts it),
	// outside the arena's lock, on that caller's goroutine, before its wait
	// begins. It tells whoever frees memory that someone waits: a producer
	// wakes its sender, which sends every batch at once while Waiters is
	// above zero (Kafka's "memory exhausted" readiness). Run any earlier, the
	// hook could let the sender look, count no waiter and sleep. It must not
	// block; it may call any method of the arena.
	OnWait func()
}
