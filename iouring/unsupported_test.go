//go:build !linux

package iouring

import (
	"errors"
	"testing"
)

func TestNewIsNotSupported(t *testing.T) {
	r, err := New(Options{})
	if !errors.Is(err, ErrNotSupported) || r != nil {
		t.Fatalf("New = %v, %v; want nil and an error matching ErrNotSupported", r, err)
	}
}
