//go:build !linux

package iouring

import (
	"fmt"
	"runtime"
	"unsafe"
)

// sysSetup refuses: io_uring is Linux's.
func sysSetup(uint32, *params) (int, error) {
	return -1, fmt.Errorf("%w (GOOS=%s)", ErrNotSupported, runtime.GOOS)
}

// The rest is never reached, since New fails; it fails as sysSetup does.

func sysEnter(int, uint32, uint32, uint32, unsafe.Pointer, uintptr) (int, enterOutcome, error) {
	return 0, enterFailed, ErrNotSupported
}

func sysRegister(int, uint32, unsafe.Pointer, uint32) error { return ErrNotSupported }

func isInvalid(error) bool { return false }

func sysMmap(int, int64, int) ([]byte, error) { return nil, ErrNotSupported }

func sysMunmap([]byte) error { return ErrNotSupported }

func sysClose(int) error { return ErrNotSupported }
