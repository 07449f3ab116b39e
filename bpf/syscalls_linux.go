//go:build linux

package bpf

import "golang.org/x/sys/unix"

// tracedSyscall is a syscall the probes time, by this architecture's number.
type tracedSyscall struct {
	name string
	nr   int
}

// tracedSyscalls are the rows of the syscall table, in order: how a producer
// writes (writev, sendmsg, sendto, write), reads (read, recvfrom, recvmsg),
// waits for sockets (the epoll family, io_uring_enter) and for other threads
// (futex). Slot i+1 of the kernel's stats map is row i; slot 0 is
// Snapshot.TCPSend.
var tracedSyscalls = append([]tracedSyscall{
	{"writev", unix.SYS_WRITEV},
	{"sendmsg", unix.SYS_SENDMSG},
	{"sendto", unix.SYS_SENDTO},
	{"write", unix.SYS_WRITE},
	{"read", unix.SYS_READ},
	{"recvfrom", unix.SYS_RECVFROM},
	{"recvmsg", unix.SYS_RECVMSG},
}, append(legacySyscalls,
	tracedSyscall{"epoll_pwait", unix.SYS_EPOLL_PWAIT},
	tracedSyscall{"epoll_pwait2", unix.SYS_EPOLL_PWAIT2},
	tracedSyscall{"io_uring_enter", unix.SYS_IO_URING_ENTER},
	tracedSyscall{"futex", unix.SYS_FUTEX},
)...)

// tcpSendSlot is the slot of Snapshot.TCPSend in the kernel's stats map
// (TCP_SEND_SLOT in tracer.c), whose NUM_SLOTS leaves room for the syscalls.
const tcpSendSlot = 0

// maxPorts is the size of the kernel's port filter (the ports map).
const maxPorts = 64
