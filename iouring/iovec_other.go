//go:build !linux

package iouring

// Iovec has the shape of Linux's struct iovec, so code using it builds on
// any system.
type Iovec struct {
	Base *byte
	Len  uint64
}

// SetLen sets the length of the memory at Base.
func (iov *Iovec) SetLen(n int) { iov.Len = uint64(n) }
