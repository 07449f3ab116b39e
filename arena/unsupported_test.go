//go:build !linux

package arena_test

import (
	"errors"
	"testing"

	"github.com/perfproducer/perfproducer/arena"
)

func TestNewIsNotSupported(t *testing.T) {
	for _, tc := range []struct {
		name           string
		size, slotSize int
		want           error
	}{
		{"valid sizes", 0, 0, arena.ErrNotSupported},
		{"invalid sizes are reported first", 3, 2, arena.ErrInvalidSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := arena.New(tc.size, tc.slotSize, arena.Options{})
			if !errors.Is(err, tc.want) || a != nil {
				t.Fatalf("New = %v, %v; want nil and an error matching %v", a, err, tc.want)
			}
		})
	}
}
