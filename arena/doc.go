// Package arena is the producer's buffer pool: one fixed, anonymous mmap of
// buffer.memory bytes cut into batch.size slots.
//
// Slots never move, so a batch is encoded in place and handed to the kernel
// (writev iovecs, or io_uring registered buffers) from where it lies. Memory
// is bounded exactly: however many records flow, the producer never holds more
// than the arena. Free slots sit on a lock-free stack; a caller that finds the
// arena full waits, first come first served, up to a deadline, as Kafka's
// BufferPool does.
//
// Go pointers must never be stored in arena memory: the garbage collector does
// not scan it.
//
// This package imports no other package of the project.
package arena
