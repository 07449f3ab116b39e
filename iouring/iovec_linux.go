package iouring

import "golang.org/x/sys/unix"

// Iovec is the kernel's struct iovec, as writev and buffer registration
// take it.
type Iovec = unix.Iovec
