package iouring

import (
	"bytes"
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestRegisteredBufferAndFile writes from a registered mmap'd region to a
// registered socket, naming both by index, as the transport will write
// from the arena.
func TestRegisteredBufferAndFile(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	region, err := unix.Mmap(-1, 0, 1<<16, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE|unix.MAP_ANONYMOUS)
	if err != nil {
		t.Fatalf("mmap: %v", err)
	}
	t.Cleanup(func() { unix.Munmap(region) })
	for i := range region {
		region[i] = byte(i * 7)
	}
	src, dst := socketpair(t)
	if err := r.RegisterBuffers(region); err != nil {
		t.Fatalf("RegisterBuffers: %v", err)
	}
	if err := r.RegisterFiles([]int32{-1, int32(src)}); err != nil {
		t.Fatalf("RegisterFiles: %v", err)
	}

	want := region[1000:5000]
	if err := r.PrepareWriteFixed(1, want, 0, 1); err != nil {
		t.Fatalf("PrepareWriteFixed: %v", err)
	}
	if err := r.SetFlags(FlagFixedFile); err != nil {
		t.Fatalf("SetFlags: %v", err)
	}
	if res := collect(t, r, 1)[0].res; res != int32(len(want)) {
		t.Fatalf("fixed write completed with %d, want %d", res, len(want))
	}
	got := make([]byte, len(want))
	readFull(t, dst, got)
	if !bytes.Equal(got, want) {
		t.Fatal("the peer read other bytes than the registered buffer held")
	}

	if err := r.PrepareWriteFixed(1, make([]byte, 8), 0, 2); err != nil {
		t.Fatalf("PrepareWriteFixed: %v", err)
	}
	if res := collect(t, r, 1)[0].res; res != -int32(unix.EFAULT) {
		t.Fatalf("fixed write from outside the registered buffer completed with %d, want -EFAULT", res)
	}

	if err := r.UnregisterBuffers(); err != nil {
		t.Fatalf("UnregisterBuffers: %v", err)
	}
	if err := r.UnregisterFiles(); err != nil {
		t.Fatalf("UnregisterFiles: %v", err)
	}
	if err := r.UnregisterFiles(); !errors.Is(err, unix.ENXIO) {
		t.Fatalf("UnregisterFiles with none registered = %v, want ENXIO", err)
	}
}

// TestInvalidCalls checks the calls that need an operation prepared
// since the last Submit, and arguments refused before the kernel sees them.
func TestInvalidCalls(t *testing.T) {
	r := newRing(t, Options{Entries: 4})
	for _, tc := range []struct {
		name string
		call func() error
		want error
	}{
		{"SetFlags with nothing prepared", func() error { return r.SetFlags(FlagLink) }, ErrNothingPrepared},
		{"PrepareLinkTimeout with nothing prepared", func() error { return r.PrepareLinkTimeout(1, 1) }, ErrNothingPrepared},
		{"writev of no iovecs", func() error { return r.PrepareWritev(0, nil, 1) }, ErrInvalidArgument},
		{"writev of too many iovecs", func() error { return r.PrepareWritev(0, make([]Iovec, iovMax+1), 1) }, ErrInvalidArgument},
		{"recv into nothing", func() error { return r.PrepareRecv(0, nil, 1) }, ErrInvalidArgument},
		{"waiting for more than the completion queue holds", func() error { _, err := r.SubmitAndWait(r.CQEntries() + 1); return err }, ErrInvalidArgument},
		{"registering no buffer", func() error { return r.RegisterBuffers() }, ErrInvalidArgument},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.call(); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want an error matching %v", err, tc.want)
			}
		})
	}
}
