//go:build linux

package arena

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// newTestArena returns an arena of slots slots of slotSize bytes whose
// Close, at the end of the test, must succeed: every test frees what it took.
func newTestArena(t testing.TB, slots, slotSize int) *Arena {
	t.Helper()
	return newTestArenaWith(t, slots, slotSize, Options{})
}

// newTestArenaWith is newTestArena with options.
func newTestArenaWith(t testing.TB, slots, slotSize int, opts Options) *Arena {
	t.Helper()
	a, err := New(slots*slotSize, slotSize, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := a.Close(); err != nil {
			t.Errorf("Close at end of test: %v", err)
		}
	})
	return a
}

// waitUntil polls cond until it holds, failing the test after ten seconds.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		runtime.Gosched()
	}
}

// mustFree frees the spans, failing the test on error.
func mustFree(t testing.TB, a *Arena, spans ...Span) {
	t.Helper()
	for _, s := range spans {
		if err := a.Free(s); err != nil {
			t.Fatalf("Free(%+v): %v", s, err)
		}
	}
}

func TestNewRejectsBadSizes(t *testing.T) {
	for _, tc := range []struct {
		name           string
		size, slotSize int
	}{
		{"not a multiple", 1000, 300},
		{"negative size", -4096, 1024},
		{"negative slot", 4096, -1024},
		{"slot bigger than arena", 1024, 4096},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := New(tc.size, tc.slotSize, Options{})
			if !errors.Is(err, ErrInvalidSize) {
				t.Fatalf("New(%d, %d) = %v, %v; want ErrInvalidSize", tc.size, tc.slotSize, a, err)
			}
		})
	}
}

func TestNewDefaultsToKafkaSizes(t *testing.T) {
	a, err := New(0, 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	st := a.Stats()
	if st.Total != 32<<20 || st.SlotSize != 16<<10 || st.Slots != 2048 || st.FreeSlots != 2048 {
		t.Fatalf("default arena stats %+v; want 32 MiB of 2048 free 16 KiB slots", st)
	}
	if len(a.Region()) != 32<<20 || a.Size() != 32<<20 || a.SlotSize() != 16<<10 {
		t.Fatalf("region %d bytes, Size %d, SlotSize %d", len(a.Region()), a.Size(), a.SlotSize())
	}
}

func TestNewOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"populate", Options{Populate: true}},
		{"huge pages", Options{HugePages: true}},
		{"huge pages populated", Options{HugePages: true, Populate: true}},
		{"lock", Options{Lock: true}},
		{"everything", Options{Populate: true, HugePages: true, Lock: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const size = 4 << 20
			a, err := New(size, 16<<10, tc.opts)
			switch {
			case tc.opts.Lock && errors.Is(err, ErrLock):
				if !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.ENOMEM) {
					t.Fatalf("ErrLock without EPERM or ENOMEM: %v", err)
				}
				t.Skipf("mlock not permitted here: %v", err)
			case tc.opts.HugePages && errors.Is(err, ErrHugePages):
				t.Skipf("kernel without transparent huge pages: %v", err)
			case err != nil:
				t.Fatalf("New: %v", err)
			}
			defer a.Close()
			region := a.Region()
			if tc.opts.HugePages && uintptr(unsafe.Pointer(&region[0]))%hugePageSize != 0 {
				t.Errorf("region at %p is not 2 MiB aligned", &region[0])
			}
			mapping := smapsOf(t, region)
			if tc.opts.Populate && mapping["Rss"] < size {
				t.Errorf("populated region has %d bytes resident; want at least %d", mapping["Rss"], size)
			}
			if tc.opts.Lock && mapping["Locked"] < size {
				t.Errorf("locked region has %d bytes locked; want at least %d", mapping["Locked"], size)
			}
			if tc.opts.HugePages && tc.opts.Populate {
				t.Logf("%d bytes in transparent huge pages", mapping["AnonHugePages"])
			}
			region[0], region[size-1] = 1, 2
			if region[0] != 1 || region[size-1] != 2 {
				t.Error("region does not keep what was written")
			}
		})
	}
}

// smapsOf returns the byte counts /proc/self/smaps gives for the mapping
// that holds region, keyed by field name ("Rss", "Locked", ...). The kernel
// may have merged the region with a neighbouring mapping, so the counts can
// exceed len(region).
func smapsOf(t *testing.T, region []byte) map[string]int {
	t.Helper()
	smaps, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Skipf("no /proc/self/smaps: %v", err)
	}
	start := uint64(uintptr(unsafe.Pointer(&region[0])))
	end := start + uint64(len(region))
	var fields map[string]int
	inside := false
	for line := range strings.Lines(string(smaps)) {
		var from, to uint64
		if _, err := fmt.Sscanf(line, "%x-%x ", &from, &to); err == nil {
			inside = from <= start && end <= to
			if inside {
				fields = map[string]int{}
			}
			continue
		}
		name, value, _ := strings.Cut(line, ":")
		if kb, ok := strings.CutSuffix(strings.TrimSpace(value), " kB"); inside && ok {
			n, err := strconv.Atoi(kb)
			if err != nil {
				t.Fatalf("smaps line %q: %v", line, err)
			}
			fields[name] = n << 10
		}
	}
	if fields == nil {
		t.Fatalf("no mapping holds %#x-%#x in /proc/self/smaps", start, end)
	}
	return fields
}

func TestSpansAreDisjointAndCoverTheRegion(t *testing.T) {
	const slots, slotSize = 130, 64 // three bitmap words, the last partial
	a := newTestArena(t, slots, slotSize)
	region := a.Region()
	owner := make([]int, len(region))
	var spans []Span
	for i := 0; ; i++ {
		n := 1 + i%(3*slotSize)
		s, err := a.TryAlloc(n)
		if errors.Is(err, ErrFull) && n > slotSize {
			continue // no run that long left; single slots fill the rest
		}
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		spans = append(spans, s)
		b := a.Bytes(s)
		if len(b) != s.Slots()*slotSize || cap(b) != len(b) {
			t.Fatalf("span %+v: len %d cap %d; want both %d", s, len(b), cap(b), s.Slots()*slotSize)
		}
		if &b[0] != &region[a.Offset(s)] || a.Offset(s) != s.Slot()*slotSize {
			t.Fatalf("span %+v: bytes do not start at its offset %d", s, a.Offset(s))
		}
		for j := a.Offset(s); j < a.Offset(s)+len(b); j++ {
			if owner[j] != 0 {
				t.Fatalf("span %d overlaps span %d at byte %d", len(spans), owner[j], j)
			}
			owner[j] = len(spans)
		}
	}
	if st := a.Stats(); st.InUse != st.Total || st.Free != 0 {
		t.Fatalf("after filling: %+v", st)
	}
	mustFree(t, a, spans...)
	if st := a.Stats(); st.FreeSlots != slots || st.InUse != 0 {
		t.Fatalf("after freeing all: %+v", st)
	}
}

func TestCloseRefusesWhileSpansAreOut(t *testing.T) {
	a, err := New(4<<10, 1<<10, Options{})
	if err != nil {
		t.Fatal(err)
	}
	s, err := a.TryAlloc(100)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); !errors.Is(err, ErrInUse) {
		t.Fatalf("Close with a span out = %v; want ErrInUse", err)
	}
	second, err := a.TryAlloc(100)
	if err != nil {
		t.Fatalf("arena unusable after refused Close: %v", err)
	}
	mustFree(t, a, s)
	if err := a.Close(); !errors.Is(err, ErrInUse) {
		t.Fatalf("Close with second span out = %v; want ErrInUse", err)
	}
	mustFree(t, a, second)
	if err := a.Close(); err != nil {
		t.Fatalf("Close with nothing out: %v", err)
	}
	if a.Region() != nil {
		t.Error("Region after Close is not nil")
	}
	for name, call := range map[string]func() error{
		"Close":    a.Close,
		"TryAlloc": func() error { _, err := a.TryAlloc(1); return err },
		"TryAlloc run": func() error {
			_, err := a.TryAlloc(3 << 10)
			return err
		},
		"Alloc": func() error { _, err := a.Alloc(t.Context(), 1, time.Second); return err },
	} {
		if err := call(); !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v; want ErrClosed", name, err)
		}
	}
}

func TestFastPathAllocatesNothing(t *testing.T) {
	a := newTestArena(t, 4, 1<<10)
	if n := testing.AllocsPerRun(100, func() {
		s, err := a.TryAlloc(1 << 10)
		if err != nil {
			t.Fatal(err)
		}
		mustFree(t, a, s)
	}); n != 0 {
		t.Errorf("TryAlloc+Free of one slot: %v allocations; want 0", n)
	}
	held := make([]Span, 4)
	for i := range held {
		held[i], _ = a.TryAlloc(1)
	}
	defer mustFree(t, a, held...)
	if n := testing.AllocsPerRun(100, func() {
		if _, err := a.TryAlloc(1); !errors.Is(err, ErrFull) {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("TryAlloc on a full arena: %v allocations; want 0", n)
	}
}
