// Package bpf holds the eBPF probes that measure the kernel side of the
// producer's send path: syscall latency of writev and epoll_wait, and how long
// bytes wait in socket queues.
//
// C sources sit beside their generated Go (bpf2go, committed). Loading needs
// BTF and the privileges to attach tracepoints and kprobes; where either is
// missing, the loader returns an error that matches ErrNotSupported.
//
// Status: not built yet.
//
// This package imports no other package of the project.
package bpf
