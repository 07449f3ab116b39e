//go:build linux && !(386 || amd64 || arm || mips64le || mipsle || ppc64le)

package bpf

// legacySyscalls is empty: this architecture has only epoll_pwait.
var legacySyscalls []tracedSyscall
