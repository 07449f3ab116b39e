//go:build !linux

package arena

import (
	"fmt"
	"runtime"
)

// mapRegion refuses: the arena's memory comes from Linux's mmap and madvise.
func mapRegion(int, Options) ([]byte, error) {
	return nil, fmt.Errorf("%w (GOOS=%s)", ErrNotSupported, runtime.GOOS)
}

// unmapRegion fails as mapRegion does: no region is ever mapped here.
func unmapRegion([]byte) error { return ErrNotSupported }
