// Package arena is the producer's buffer pool: one fixed, anonymous mmap of
// buffer.memory bytes (default 32 MiB) cut into batch.size slots (default
// 16 KiB).
//
// Slots never move, so a batch is encoded in place and handed to the kernel
// (writev iovecs, or io_uring registered buffers: see Region and Offset) from
// where it lies. Memory is bounded exactly: however many records flow, the
// producer never holds more than the arena.
//
// An allocation is a Span: one slot, or for a record bigger than batch.size a
// run of contiguous slots, or (with Options.MinPiece) a piece of a slot for
// a request of at most half of one, so that many small batches share
// memory sized for full ones. Free slots are bits in an atomic bitmap;
// taking or returning one slot, or a piece, is a compare-and-swap, with no
// lock and no heap allocation (TryAlloc). Runs are rare and take a mutex.
// Each slot keeps a generation in Go memory (with pieces, one for each
// piece it can be cut into) that a span carries and Free advances, so
// freeing a span twice, or one the arena did not issue, is an error, never
// corruption.
//
// A caller that finds the arena full waits in Alloc, first come first
// served, up to max.block.ms, as Kafka's BufferPool does: freed memory goes
// to the oldest waiter, and nobody allocates past a waiter. Options.OnWait
// tells the one who frees memory (the producer's sender) that a caller has
// started to wait.
//
// Go pointers must never be stored in arena memory: the garbage collector does
// not scan it. The region is unmapped by Close, which refuses while spans are
// out. Being outside the Go heap, the region is also outside what the
// collector paces itself by; Options.CountInGoHeap reserves as much Go heap,
// untouched, so that it counts.
//
// The arena is Linux-only (mmap and madvise flags); on other systems New
// returns an error matching ErrNotSupported.
//
// This package imports no other package of the project.
package arena
