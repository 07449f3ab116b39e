package bpf

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"golang.org/x/sys/unix"
)

func TestClassify(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cause error
		want  error
	}{
		{"EPERM", fmt.Errorf("load program: %w", unix.EPERM), ErrPermission},
		{"program type missing", fmt.Errorf("detect: %w", ebpf.ErrNotSupported), ErrNotSupported},
		{"no BTF", fmt.Errorf("kernel spec: %w", btf.ErrNotSupported), ErrNotSupported},
		{"tracepoint missing", fmt.Errorf("raw tracepoint: %w", unix.ENOENT), ErrNotSupported},
		{"no vmlinux BTF file", &os.PathError{Op: "open", Path: "/sys/kernel/btf/vmlinux", Err: unix.ENOENT}, ErrNotSupported},
		{"other", unix.EINVAL, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := classify("attaching", tc.cause)
			if !errors.Is(err, tc.cause) {
				t.Errorf("%v does not wrap its cause %v", err, tc.cause)
			}
			for _, sentinel := range []error{ErrPermission, ErrNotSupported} {
				if got := errors.Is(err, sentinel); got != (sentinel == tc.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, sentinel, got)
				}
			}
		})
	}
}
