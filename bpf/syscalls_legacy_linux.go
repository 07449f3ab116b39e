//go:build linux && (386 || amd64 || arm || mips64le || mipsle || ppc64le)

package bpf

import "golang.org/x/sys/unix"

// legacySyscalls are traced syscalls that only older architectures have;
// arm64, riscv64 and loong64 have only epoll_pwait.
var legacySyscalls = []tracedSyscall{{"epoll_wait", unix.SYS_EPOLL_WAIT}}
