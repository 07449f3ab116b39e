package iouring

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// openFiles counts this process's descriptors and its io_uring mappings.
func openFiles(t *testing.T) (fds, ringMaps int) {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatalf("listing descriptors: %v", err)
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatalf("reading mappings: %v", err)
	}
	return len(entries), strings.Count(string(maps), "io_uring")
}

// TestCloseReleasesEverything opens and closes rings, one with operations
// in flight and completions unreaped, and finds as many descriptors and no
// more io_uring mappings than before; a closed ring refuses every call.
func TestCloseReleasesEverything(t *testing.T) {
	fd, _ := socketpair(t)
	fdsBefore, mapsBefore := openFiles(t)
	for range 3 {
		r := newRing(t, Options{Entries: 8})
		buf := make([]byte, 8)
		if err := r.PrepareRecv(int32(fd), buf, 1); err != nil {
			t.Fatalf("PrepareRecv: %v", err)
		}
		for i := range 3 {
			if err := r.PrepareNop(uint64(10 + i)); err != nil {
				t.Fatalf("PrepareNop: %v", err)
			}
		}
		if _, err := r.Submit(); err != nil {
			t.Fatalf("Submit: %v", err)
		}
		if err := r.PrepareNop(20); err != nil {
			t.Fatalf("PrepareNop: %v", err)
		}
		if fds, maps := openFiles(t); fds != fdsBefore+1 || maps <= mapsBefore {
			t.Fatalf("with a ring open: %d descriptors and %d io_uring mappings, %d and %d without", fds, maps, fdsBefore, mapsBefore)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("Close: %v", err)
		}
		if err := r.Close(); err != nil {
			t.Fatalf("second Close: %v", err)
		}
	}
	fdsAfter, mapsAfter := openFiles(t)
	if fdsAfter != fdsBefore || mapsAfter != mapsBefore {
		t.Fatalf("%d descriptors and %d io_uring mappings after Close, %d and %d before", fdsAfter, mapsAfter, fdsBefore, mapsBefore)
	}

	r := newRing(t, Options{Entries: 4})
	r.Close()
	for _, tc := range []struct {
		name string
		call func() error
	}{
		{"PrepareNop", func() error { return r.PrepareNop(1) }},
		{"SetFlags", func() error { return r.SetFlags(FlagLink) }},
		{"Submit", func() error { _, err := r.Submit(); return err }},
		{"SubmitAndWait", func() error { _, err := r.SubmitAndWait(1); return err }},
		{"Completions", func() error { _, err := r.Completions(func(uint64, int32, uint32) {}); return err }},
		{"RegisterFiles", func() error { return r.RegisterFiles([]int32{0}) }},
		{"Probe", func() error { _, err := r.Probe(); return err }},
	} {
		if err := tc.call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", tc.name, err)
		}
	}
}
