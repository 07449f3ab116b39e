package iouring

import (
	"errors"
	"testing"
)

// TestNewRejectsInvalidOptions runs on every system: options are checked
// before the kernel is asked.
func TestNewRejectsInvalidOptions(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"too many entries", Options{Entries: maxEntries + 1}},
		{"completion queue smaller than the submission queue", Options{Entries: 64, CQEntries: 32}},
		{"completion queue too large", Options{Entries: 64, CQEntries: maxCQEntries + 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := New(tc.opts)
			if !errors.Is(err, ErrInvalidOptions) || r != nil {
				t.Fatalf("New(%+v) = %v, %v; want nil and an error matching ErrInvalidOptions", tc.opts, r, err)
			}
		})
	}
}
