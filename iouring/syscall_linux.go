package iouring

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sysSetup calls io_uring_setup and explains a refusal: ENOSYS and EPERM
// mean io_uring cannot be used here and match ErrNotSupported.
func sysSetup(entries uint32, p *params) (int, error) {
	fd, _, errno := unix.Syscall6(unix.SYS_IO_URING_SETUP, uintptr(entries), uintptr(unsafe.Pointer(p)), 0, 0, 0, 0)
	if errno != 0 {
		return -1, setupError(errno)
	}
	return int(fd), nil
}

func setupError(errno unix.Errno) error {
	switch errno {
	case unix.ENOSYS:
		return fmt.Errorf("%w: the kernel has no io_uring (io_uring_setup: %w)", ErrNotSupported, errno)
	case unix.EPERM:
		if v := disabledSysctl(); v != "" && v != "0" {
			return fmt.Errorf("%w: the kernel.io_uring_disabled sysctl is %s (io_uring_setup: %w)", ErrNotSupported, v, errno)
		}
		return fmt.Errorf("%w: io_uring_setup is refused, likely by a seccomp or container policy (%w)", ErrNotSupported, errno)
	default:
		return fmt.Errorf("iouring: io_uring_setup failed: %w", errno)
	}
}

// disabledSysctl returns kernel.io_uring_disabled (Linux 6.6 and later), or
// "" where the kernel has no such setting.
func disabledSysctl() string {
	b, err := os.ReadFile("/proc/sys/kernel/io_uring_disabled")
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

// sysEnter calls io_uring_enter once and says what became of the call.
func sysEnter(fd int, toSubmit, minComplete, flags uint32, arg unsafe.Pointer, argSize uintptr) (int, enterOutcome, error) {
	n, _, errno := unix.Syscall6(unix.SYS_IO_URING_ENTER, uintptr(fd), uintptr(toSubmit), uintptr(minComplete), uintptr(flags), uintptr(arg), argSize)
	switch errno {
	case 0:
		return int(n), enterDone, nil
	case unix.EINTR:
		return 0, enterInterrupted, nil
	case unix.ETIME:
		return 0, enterTimedOut, nil
	case unix.EAGAIN, unix.EBUSY:
		return 0, enterBusy, fmt.Errorf("%w (io_uring_enter: %w)", ErrBusy, errno)
	default:
		return 0, enterFailed, fmt.Errorf("iouring: io_uring_enter failed: %w", errno)
	}
}

// sysRegister calls io_uring_register, again when interrupted by a signal.
func sysRegister(fd int, opcode uint32, arg unsafe.Pointer, n uint32) error {
	for {
		_, _, errno := unix.Syscall6(unix.SYS_IO_URING_REGISTER, uintptr(fd), uintptr(opcode), uintptr(arg), uintptr(n), 0, 0)
		if errno != unix.EINTR {
			if errno != 0 {
				return errno
			}
			return nil
		}
	}
}

func isInvalid(err error) bool { return errors.Is(err, unix.EINVAL) }

func sysMmap(fd int, offset int64, size int) ([]byte, error) {
	return unix.Mmap(fd, offset, size, unix.PROT_READ|unix.PROT_WRITE, unix.MAP_SHARED|unix.MAP_POPULATE)
}

func sysMunmap(b []byte) error { return unix.Munmap(b) }

func sysClose(fd int) error { return unix.Close(fd) }
