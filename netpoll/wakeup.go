//go:build linux

package netpoll

import (
	"encoding/binary"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// wakeup is an eventfd in the selector's epoll set: writing to it from any
// goroutine ends a Poll that waits for events.
type wakeup struct {
	// mu keeps the descriptor open while a signal writes to it; close
	// takes it exclusively.
	mu sync.RWMutex
	fd int
	// pending is set from the first signal until the Poll that sees the
	// event has drained it, so a burst of signals costs one write.
	pending atomic.Bool
}

func newWakeup() (*wakeup, error) {
	fd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		return nil, err
	}
	return &wakeup{fd: fd}, nil
}

// signal makes the current or next Poll return. Safe from any goroutine, and
// a no-op after close.
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
	// the write cannot fail on an open eventfd.
	_, _ = unix.Write(w.fd, one[:])
}

// drain consumes the event. Clearing pending after the read, not before,
// means a signal racing with drain either finds pending still set (and this
// Poll is returning anyway) or writes a fresh event for the next one.
func (w *wakeup) drain() {
	var count [8]byte
	_, _ = unix.Read(w.fd, count[:])
	w.pending.Store(false)
}

func (w *wakeup) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	err := unix.Close(w.fd)
	w.fd = -1
	return err
}
