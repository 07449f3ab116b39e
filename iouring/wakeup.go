//go:build linux

package iouring

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// wakeup is an eventfd the transport keeps a read posted for on its ring:
// writing to it from any goroutine completes that read, which ends a Poll
// waiting for completions.
//
// The eventfd is blocking on purpose: io_uring waits for a blocking
// descriptor to turn readable, while a non-blocking one would complete the
// read at once with EAGAIN.
type wakeup struct {
	// mu keeps the descriptor open while a signal writes to it; close
	// takes it exclusively.
	mu sync.RWMutex
	fd int
	// pending is set from the first signal until the Poll that reaps the
	// read, so a burst of signals costs one write.
	pending atomic.Bool
	// buf receives the read's counter; the kernel writes it while the
	// read is in flight.
	buf [8]byte
}

func newWakeup() (*wakeup, error) {
	fd, err := unix.Eventfd(0, unix.EFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &wakeup{fd: fd}, nil
}

// signal makes the current or next Poll return. Safe from any goroutine,
// and a no-op after close.
func (w *wakeup) signal() {
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

// drained runs when the posted read has completed, which consumed the
// counter. Clearing pending after the read, not before, means a signal
// racing with it either finds pending still set (and this Poll is
// returning anyway) or writes a fresh event for the next read.
func (w *wakeup) drained() { w.pending.Store(false) }

func (w *wakeup) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := unix.Close(w.fd)
	w.fd = -1
	return err
}
