package iouring

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// TestSetupErrors checks which refusals of io_uring_setup mean that
// io_uring cannot be used here.
func TestSetupErrors(t *testing.T) {
	for _, tc := range []struct {
		errno        unix.Errno
		notSupported bool
	}{
		{unix.ENOSYS, true},
		{unix.EPERM, true},
		{unix.EINVAL, false},
		{unix.ENOMEM, false},
		{unix.EMFILE, false},
	} {
		t.Run(tc.errno.Error(), func(t *testing.T) {
			err := setupError(tc.errno)
			if errors.Is(err, ErrNotSupported) != tc.notSupported {
				t.Errorf("%v: matches ErrNotSupported %t, want %t", err, !tc.notSupported, tc.notSupported)
			}
			if !errors.Is(err, tc.errno) {
				t.Errorf("%v does not wrap %v", err, tc.errno)
			}
		})
	}
}

// TestKernel reports what this kernel's io_uring offers and checks the
// queues New returned.
func TestKernel(t *testing.T) {
	r := newRing(t, Options{Entries: 100})
	if n := r.SQEntries(); n < 100 || n&(n-1) != 0 {
		t.Errorf("SQEntries = %d, want the power of two at or above 100", n)
	}
	if r.CQEntries() != 2*r.SQEntries() {
		t.Errorf("CQEntries = %d, want twice SQEntries (%d)", r.CQEntries(), r.SQEntries())
	}
	p, err := r.Probe()
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	var ops []Op
	for op := range p.LastOp() + 1 {
		if p.Supports(op) {
			ops = append(ops, op)
		}
	}
	t.Logf("features %v", r.Features())
	t.Logf("last opcode %d; supported %v", p.LastOp(), ops)
	for _, op := range []Op{OpSend, OpSendmsg, OpSendZC, OpSendmsgZC} {
		t.Logf("%v supported: %t", op, p.Supports(op))
	}
	t.Logf("kernel.io_uring_disabled = %q", disabledSysctl())
}
