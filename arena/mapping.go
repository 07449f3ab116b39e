//go:build linux

package arena

import (
	"errors"
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePageSize is the PMD size on amd64 and arm64 (4 KiB base pages): the
// alignment a transparent huge page needs.
const hugePageSize = 2 << 20

// mapRegion returns size bytes of anonymous, private, zeroed memory set up as
// opts asks. The memory is outside the Go heap; release it with unmapRegion.
func mapRegion(size int, opts Options) ([]byte, error) {
	region, err := mapAnonymous(size, opts)
	if err != nil {
		return nil, err
	}
	if err := prepare(region, opts); err != nil {
		_ = unmapRegion(region)
		return nil, err
	}
	return region, nil
}

// mapAnonymous maps the region, aligned to a huge page when opts asks for
// huge pages: it maps hugePageSize more than needed and unmaps the ends.
func mapAnonymous(size int, opts Options) ([]byte, error) {
	flags := unix.MAP_PRIVATE | unix.MAP_ANONYMOUS
	if opts.Populate && !opts.HugePages {
		flags |= unix.MAP_POPULATE
	}
	length := size
	if opts.HugePages {
		length += hugePageSize
	}
	base, err := unix.MmapPtr(-1, 0, nil, uintptr(length), unix.PROT_READ|unix.PROT_WRITE, flags)
	if err != nil {
		return nil, fmt.Errorf("arena: mmap of %d bytes: %w", length, err)
	}
	if !opts.HugePages {
		return unsafe.Slice((*byte)(base), size), nil
	}
	head := int(-uintptr(base) & (hugePageSize - 1))
	aligned := unsafe.Add(base, head)
	tail := length - head - size
	if head > 0 {
		if err := unix.MunmapPtr(base, uintptr(head)); err != nil {
			return nil, fmt.Errorf("arena: trim mapping head: %w", err)
		}
	}
	if tail > 0 {
		if err := unix.MunmapPtr(unsafe.Add(aligned, size), uintptr(tail)); err != nil {
			return nil, fmt.Errorf("arena: trim mapping tail: %w", err)
		}
	}
	return unsafe.Slice((*byte)(aligned), size), nil
}

// prepare applies the advice, population and lock opts asks for, in the order
// that keeps huge pages: advise before the first fault.
func prepare(region []byte, opts Options) error {
	if opts.HugePages {
		if err := unix.Madvise(region, unix.MADV_HUGEPAGE); err != nil {
			return fmt.Errorf("%w: madvise: %w", ErrHugePages, err)
		}
		if opts.Populate {
			if err := populate(region); err != nil {
				return err
			}
		}
	}
	if opts.Lock {
		if err := unix.Mlock(region); err != nil {
			return fmt.Errorf("%w: mlock of %d bytes: %w", ErrLock, len(region), err)
		}
	}
	return nil
}

// populate faults the region in after the huge page advice was given.
// MADV_POPULATE_WRITE needs Linux 5.14; older kernels get one write per page.
func populate(region []byte) error {
	err := unix.Madvise(region, unix.MADV_POPULATE_WRITE)
	if errors.Is(err, unix.EINVAL) {
		for i := 0; i < len(region); i += unix.Getpagesize() {
			region[i] = 0
		}
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: %w", ErrPopulate, err)
	}
	return nil
}

// unmapRegion returns the region to the kernel.
func unmapRegion(region []byte) error {
	if err := unix.MunmapPtr(unsafe.Pointer(unsafe.SliceData(region)), uintptr(len(region))); err != nil {
		return fmt.Errorf("arena: munmap: %w", err)
	}
	return nil
}
