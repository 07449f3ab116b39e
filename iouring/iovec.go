package iouring

import "unsafe"

// Advance drops the first n bytes of iovecs, the part a short writev sent,
// and returns the iovecs still to send: a suffix of iovecs whose first
// entry is moved forward in place. It allocates nothing.
func Advance(iovecs []Iovec, n int) []Iovec {
	for len(iovecs) > 0 {
		l := int(iovecs[0].Len)
		if n < l {
			iovecs[0].Base = (*byte)(unsafe.Add(unsafe.Pointer(iovecs[0].Base), n))
			iovecs[0].SetLen(l - n)
			return iovecs
		}
		n -= l
		iovecs = iovecs[1:]
	}
	return iovecs
}
