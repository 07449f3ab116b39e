//go:build linux

package netpoll

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// maxEvents bounds the events one epoll_wait returns; more wait for the
// next Poll, which epoll's level-triggered mode guarantees to report.
const maxEvents = 256

// epoll is the selector's epoll instance. Its own descriptor is registered
// in Go's runtime poller (an epoll descriptor turns readable when it has
// events), so epoll_wait is only ever called with a zero timeout: a Poll
// that finds nothing ready parks its goroutine until the runtime sees the
// descriptor ready or the deadline pass, rather than holding a thread in a
// blocking system call. That keeps a round trip as cheap as with the net
// package, and the deadline is exact to the nanosecond.
type epoll struct {
	fd   int
	file *os.File
	raw  syscall.RawConn

	events []unix.EpollEvent
	// ready and err are what the last collect found; collect is made
	// once, so a wait allocates nothing.
	ready   int
	err     error
	collect func(uintptr) bool
	// deadline is the read deadline set on file; zero for none.
	deadline time.Time
}

func newEpoll() (*epoll, error) {
	fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("netpoll: epoll_create1: %w", err)
	}
	// A non-blocking descriptor is what os.NewFile hands to the runtime
	// poller; the flag does not change epoll_wait.
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netpoll: set epoll descriptor non-blocking: %w", err)
	}
	e := &epoll{fd: fd, file: os.NewFile(uintptr(fd), "epoll"), events: make([]unix.EpollEvent, maxEvents)}
	if e.raw, err = e.file.SyscallConn(); err != nil {
		e.file.Close()
		return nil, fmt.Errorf("netpoll: epoll descriptor: %w", err)
	}
	e.collect = e.collectReady
	return e, nil
}

// collectReady runs a non-blocking epoll_wait and says whether it is done
// (events or an error) or should park until the descriptor is readable.
func (e *epoll) collectReady(uintptr) bool {
	for {
		e.ready, e.err = unix.EpollWait(e.fd, e.events, 0)
		if e.err != unix.EINTR {
			return e.ready > 0 || e.err != nil
		}
	}
}

// wait returns the events ready now or, when block is set and there are
// none, the first ones before deadline (zero: no deadline).
func (e *epoll) wait(block bool, deadline time.Time) ([]unix.EpollEvent, error) {
	if !block {
		e.collectReady(0)
		return e.result()
	}
	if !deadline.Equal(e.deadline) {
		if err := e.file.SetReadDeadline(deadline); err != nil {
			return nil, fmt.Errorf("netpoll: set epoll deadline: %w", err)
		}
		e.deadline = deadline
	}
	err := e.raw.Read(e.collect)
	if errors.Is(err, os.ErrDeadlineExceeded) {
		// Look once more at the deadline: one already past fails
		// before looking at all.
		e.collectReady(0)
	} else if err != nil {
		return nil, fmt.Errorf("netpoll: wait for epoll: %w", err)
	}
	return e.result()
}

func (e *epoll) result() ([]unix.EpollEvent, error) {
	if e.err != nil {
		return nil, fmt.Errorf("netpoll: epoll_wait: %w", e.err)
	}
	return e.events[:e.ready], nil
}

func (e *epoll) add(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return unix.EpollCtl(e.fd, unix.EPOLL_CTL_ADD, fd, &ev)
}

func (e *epoll) modify(fd int, events uint32) error {
	ev := unix.EpollEvent{Events: events, Fd: int32(fd)}
	return unix.EpollCtl(e.fd, unix.EPOLL_CTL_MOD, fd, &ev)
}

func (e *epoll) close() error { return e.file.Close() }

func (e *epoll) remove(fd int) error {
	return unix.EpollCtl(e.fd, unix.EPOLL_CTL_DEL, fd, nil)
}
