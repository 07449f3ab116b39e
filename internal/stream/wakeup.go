//go:build linux

package stream

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Wakeup is an eventfd that ends a transport's wait for events: writing to
// it from any goroutine makes it readable, which epoll reports or which
// completes a read posted on an io_uring.
type Wakeup struct {
	// mu keeps the descriptor open while a signal writes to it; Close
	// takes it exclusively.
	mu sync.RWMutex
	fd int
	// pending is set from the first signal until the Poll that sees the
	// event has consumed it, so a burst of signals costs one write.
	pending atomic.Bool
}

// NewWakeup opens the eventfd, non-blocking unless blocking is set: io_uring
// waits for a blocking descriptor to turn readable, while on a non-blocking
// one it would complete the read at once with EAGAIN.
func NewWakeup(blocking bool) (*Wakeup, error) {
	flags := unix.EFD_CLOEXEC
	if !blocking {
		flags |= unix.EFD_NONBLOCK
	}
	fd, err := unix.Eventfd(0, flags)
	if err != nil {
		return nil, err
	}
	return &Wakeup{fd: fd}, nil
}

// FD is the eventfd, for the transport's goroutine to wait on; -1 once
// closed.
func (w *Wakeup) FD() int { return w.fd }

// Signal makes the current or next Poll return. Safe from any goroutine,
// and a no-op after Close.
func (w *Wakeup) Signal() {
	if w.pending.Load() {
		return
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.fd < 0 || w.pending.Swap(true) {
		return
	}
	var one [8]byte
	binary.NativeEndian.PutUint64(one[:], 1)
	// The counter cannot overflow with at most one unread increment, so
	// the write neither blocks nor fails on an open eventfd.
	_, _ = unix.Write(w.fd, one[:])
}

// Drain reads the event off a non-blocking eventfd, then clears pending as
// Drained does.
func (w *Wakeup) Drain() {
	var count [8]byte
	_, _ = unix.Read(w.fd, count[:])
	w.Drained()
}

// Drained runs once the event has been read (by Drain, or by a read posted
// on a ring). Clearing pending after the read, not before, means a signal
// racing with it either finds pending still set (and this Poll is
// returning anyway) or writes a fresh event for the next one.
func (w *Wakeup) Drained() { w.pending.Store(false) }

// Pending reports whether a signal waits to be consumed.
func (w *Wakeup) Pending() bool { return w.pending.Load() }

// Close closes the eventfd; later signals do nothing.
func (w *Wakeup) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := unix.Close(w.fd)
	w.fd = -1
	return err
}
