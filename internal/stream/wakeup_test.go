//go:build linux

package stream

import (
	"encoding/binary"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// TestWakeup signals in a burst from several goroutines: the eventfd holds
// one event, Drain consumes it and clears pending, and signals after Close
// do nothing.
func TestWakeup(t *testing.T) {
	w, err := NewWakeup(false)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(w.Signal)
	}
	wg.Wait()
	if !w.Pending() {
		t.Fatal("no signal is pending after a burst of signals")
	}
	var count [8]byte
	if n, err := unix.Read(w.FD(), count[:]); n != 8 || err != nil || binary.NativeEndian.Uint64(count[:]) != 1 {
		t.Fatalf("read %d bytes %v, %v; want one event", n, count, err)
	}
	w.Drain()
	if w.Pending() {
		t.Error("the signal is still pending after Drain")
	}
	if _, err := unix.Read(w.FD(), count[:]); err != unix.EAGAIN {
		t.Errorf("after Drain the eventfd read gives %v, want EAGAIN", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	w.Signal()
	if w.Pending() || w.FD() != -1 {
		t.Errorf("after Close: pending %v, fd %d; want no signal and no descriptor", w.Pending(), w.FD())
	}
}
