package bpf_test

import (
	"context"
	"errors"
	"os"
	"runtime"
	"testing"

	"github.com/perfproducer/perfproducer/bpf"
)

// attach attaches to pid with ports, or skips the test where tracing cannot
// run: not Linux, not root, or a kernel without what the probes need. On CI
// (CI=true), which is root on a kernel with BTF, those fail the test instead.
func attach(t *testing.T, pid int, ports ...uint16) *bpf.Tracer {
	t.Helper()
	return attachWith(t, bpf.Options{PID: pid, Ports: ports})
}

// attachWith is attach with every option.
func attachWith(t *testing.T, o bpf.Options) *bpf.Tracer {
	t.Helper()
	unavailable := func(reason string) {
		t.Helper()
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must run the eBPF tests: %s", reason)
		}
		t.Skip(reason)
	}
	if runtime.GOOS != "linux" {
		unavailable("eBPF tracing needs Linux")
	}
	if os.Geteuid() != 0 {
		unavailable("loading eBPF probes needs root")
	}
	tr, err := bpf.Attach(context.Background(), o)
	if errors.Is(err, bpf.ErrNotSupported) || errors.Is(err, bpf.ErrPermission) {
		unavailable(err.Error())
	}
	if err != nil {
		t.Fatalf("Attach: %v", err)
	}
	t.Cleanup(func() {
		if err := tr.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return tr
}

// snapshot reads tr, failing the test on error, and checks what holds of
// every snapshot: each histogram counts each call once.
func snapshot(t *testing.T, tr *bpf.Tracer) bpf.Snapshot {
	t.Helper()
	s, err := tr.Snapshot()
	if err != nil {
		t.Fatalf("Snapshot: %v", err)
	}
	check := func(name string, c bpf.Calls) {
		if got := c.Latency.Count(); got != c.Count {
			t.Errorf("%s: latency histogram counts %d calls, the counter %d", name, got, c.Count)
		}
		if got := c.BytesHist.Count(); got != c.Count-c.Errors {
			t.Errorf("%s: bytes histogram counts %d calls, want %d (%d calls, %d errors)", name, got, c.Count-c.Errors, c.Count, c.Errors)
		}
		if c.Count > 0 && c.Max > c.Total {
			t.Errorf("%s: max %v is more than total %v", name, c.Max, c.Total)
		}
	}
	for _, sc := range s.Syscalls {
		check(sc.Name, sc.Calls)
	}
	check("tcp send", s.TCPSend)
	return s
}

func syscallRow(t *testing.T, s bpf.Snapshot, name string) bpf.Syscall {
	t.Helper()
	sc, ok := s.Syscall(name)
	if !ok {
		t.Fatalf("no %s row in the syscall table", name)
	}
	return sc
}

func TestAttachRejectsBadOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts bpf.Options
	}{
		{"no pid", bpf.Options{}},
		{"negative pid", bpf.Options{PID: -1}},
		{"too many ports", bpf.Options{PID: os.Getpid(), Ports: make([]uint16, 65)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr, err := bpf.Attach(context.Background(), tc.opts)
			if err == nil {
				tr.Close()
				t.Fatal("Attach succeeded")
			}
			if runtime.GOOS == "linux" && (errors.Is(err, bpf.ErrNotSupported) || errors.Is(err, bpf.ErrPermission)) {
				t.Errorf("Attach(%+v) = %v, want an error about the options", tc.opts, err)
			}
		})
	}
}

func TestAttachNotSupported(t *testing.T) {
	if runtime.GOOS == "linux" {
		t.Skip("Linux has eBPF")
	}
	_, err := bpf.Attach(context.Background(), bpf.Options{PID: 1})
	if !errors.Is(err, bpf.ErrNotSupported) {
		t.Fatalf("Attach = %v, want ErrNotSupported", err)
	}
}

func TestSnapshotAfterClose(t *testing.T) {
	tr := attach(t, os.Getpid())
	if err := tr.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if _, err := tr.Snapshot(); !errors.Is(err, bpf.ErrClosed) {
		t.Fatalf("Snapshot after Close = %v, want ErrClosed", err)
	}
}

func TestWritevsNeedTheLog(t *testing.T) {
	tr := attach(t, os.Getpid())
	if _, err := tr.Writevs(); !errors.Is(err, bpf.ErrNoWritevLog) {
		t.Fatalf("Writevs without Options.LogWritevs = %v, want ErrNoWritevLog", err)
	}
	if _, err := tr.Stages(nil); !errors.Is(err, bpf.ErrNoWritevLog) {
		t.Fatalf("Stages without Options.LogWritevs = %v, want ErrNoWritevLog", err)
	}
}
