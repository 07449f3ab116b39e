//go:build !linux

package main

import (
	"os"
	"testing"
)

// openPty skips the test: the tool runs on Linux only.
func openPty(t *testing.T) (control, terminal *os.File) {
	t.Skip("pseudo-terminals are opened on Linux only")
	return nil, nil
}
