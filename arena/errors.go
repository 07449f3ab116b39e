package arena

import (
	"errors"
	"fmt"
	"time"
)

var (
	// ErrInvalidSize reports a size New or an allocation cannot accept: not
	// positive, or an arena size that is not a whole number of slots.
	ErrInvalidSize = errors.New("arena: invalid size")

	// ErrTooLarge reports a request bigger than the whole arena; waiting could
	// never satisfy it, so it fails at once (Kafka: buffer.memory too small).
	ErrTooLarge = errors.New("arena: request is larger than the whole arena")

	// ErrFull reports that TryAlloc found no memory it may take now: the arena
	// is full, no run of the size asked is free, or others are already
	// waiting and come first.
	ErrFull = errors.New("arena: no free memory without waiting")

	// ErrTimeout reports that a blocking allocation waited max.block.ms without
	// getting memory. The error returned is a *TimeoutError wrapping it.
	ErrTimeout = errors.New("arena: timed out waiting for memory")

	// ErrClosed reports use of an arena after Close.
	ErrClosed = errors.New("arena: closed")

	// ErrInUse reports that Close was refused because spans are still out
	// or callers still wait for them.
	ErrInUse = errors.New("arena: memory is still in use")

	// ErrDoubleFree reports a Free of a span already freed, even if its slots
	// were handed out again since.
	ErrDoubleFree = errors.New("arena: span freed twice")

	// ErrForeignSpan reports a Free of a span this arena did not hand out:
	// the zero Span, or one from another arena.
	ErrForeignSpan = errors.New("arena: span was not allocated by this arena")

	// ErrHugePages reports that the kernel refused MADV_HUGEPAGE.
	ErrHugePages = errors.New("arena: transparent huge pages not available")

	// ErrPopulate reports that the kernel could not fault the region in.
	ErrPopulate = errors.New("arena: cannot populate memory")

	// ErrLock reports that mlock failed: RLIMIT_MEMLOCK too low (ENOMEM) or no
	// CAP_IPC_LOCK (EPERM). The errno is wrapped too.
	ErrLock = errors.New("arena: cannot lock memory")

	// ErrNotSupported reports that New was called on a system other than
	// Linux, where the arena cannot map its memory.
	ErrNotSupported = errors.New("arena: not supported on this system; the arena needs Linux")
)

// TimeoutError is the error of an allocation that waited max.block.ms in
// vain. errors.Is(err, ErrTimeout) holds for it.
type TimeoutError struct {
	Size   int           // bytes requested
	Waited time.Duration // how long the caller was blocked
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("arena: timed out after %v waiting for %d bytes", e.Waited, e.Size)
}

// Unwrap returns ErrTimeout.
func (e *TimeoutError) Unwrap() error { return ErrTimeout }
