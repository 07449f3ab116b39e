// Package bpf holds the eBPF probes that measure the kernel side of one
// process's send path, whatever Kafka client it runs: the count, latency and
// bytes of its send, receive, poll and futex syscalls; the time of its TCP
// sends; and per TCP connection the smoothed RTT, the send-queue depth and
// retransmits.
//
// Attach loads the probes for one process; Tracer.Snapshot reads what they
// counted. The probes also log each writev's entry and return times, which
// Tracer.Stages joins with the batch stamps a producer hands out
// (BatchStamps, the same clock) into the per-stage breakdown of batches'
// lives: append → seal → writev entered → writev returned → response read →
// callbacks done. A producer in this process hands its stamps over itself
// (core.Producer.TraceBatches); one in another process, through a uprobe on
// its batch probe point (Options.BatchStamps). Report carries the tables
// and the stages, with a JSON encoding. The C sources sit beside their generated Go (bpf2go, committed;
// scripts/generate rebuilds them) and read kernel structures through CO-RE,
// so one object runs on any kernel with BTF. The kernel probes are raw
// tracepoints only (raw_syscalls, sock_send_length, tcp_retransmit_skb):
// they need no tracefs and no kprobes, but sock_send_length needs Linux 6.3.
// The batch probe is a uprobe, which needs a kernel built with uprobes. Loading needs
// BTF and the privileges to load tracing programs (root, or CAP_BPF with
// CAP_PERFMON); where the kernel or the build lacks
// them, Attach returns an error that matches ErrNotSupported, and where
// privileges are missing one that matches ErrPermission.
//
// Processes are named by their thread group id as the kernel's initial PID
// namespace sees it, the pid that ps shows on the host.
//
// This package imports no other package of the project.
package bpf
