//go:build ignore

// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/* Probes of one process's send path: syscall latency and bytes by syscall,
 * the time of TCP sends, per TCP connection the smoothed RTT, send-queue
 * depth and retransmits, and each writev's entry and return times (for
 * joining with the producer's batch stamps). Filtered in the kernel to the thread group
 * target_tgid, so other processes cost one comparison per event. The kernel
 * probes are raw tracepoints: they need neither tracefs nor kprobes, and
 * exist on kernels built without either. The batch probe is a uprobe on a
 * perfproducer producer's probe point. */
#include "kernel_types.h"
#include "helpers.h"

/* Log2 histogram buckets: bucket i counts values v with 2^i <= v < 2^(i+1)
 * (bucket 0 also counts 0); the last bucket counts everything above. Must
 * match NumBuckets in Go. */
#define NUM_BUCKETS 40
/* Stats slots: slot 0 is TCP sends, slots 1.. are the syscalls user space
 * maps in syscall_slots. Must match tcpSendSlot and hold tracedSyscalls in Go. */
#define NUM_SLOTS 16
#define TCP_SEND_SLOT 0
#define IPPROTO_TCP 6
#define MAX_SYSCALL_NR 1024

const volatile __u32 target_tgid = 0;
/* When set, TCP probes count only sockets whose remote port is in ports. */
const volatile __u8 filter_ports = 0;
/* The stats slot of writev, whose calls are also logged to writevs; 0 logs
 * none. */
const volatile __u32 writev_slot = 0;
/* Writevs not logged because writevs was full. */
__u64 writevs_lost = 0;

struct call_stats {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 max_ns;
	__u64 bytes;
	__u64 latency_hist[NUM_BUCKETS];
	__u64 bytes_hist[NUM_BUCKETS];
};

struct conn_key {
	__u16 local_port;
	__u16 remote_port;
};

struct conn_stats {
	__u64 sends;
	__u64 send_ns;
	__u64 send_max_ns;
	__u64 send_bytes;
	__u64 retransmits;
	__u32 srtt_us;
	__u32 send_queue;
	__u32 max_send_queue;
	__u32 pad;
};

/* One writev of the traced process, as logged to writevs: iov0 is the
 * address its first iovec starts at, which names what it began writing. */
struct writev_event {
	__u64 enter_ns;
	__u64 exit_ns;
	__s64 ret;
	__u64 iov0;
	__u32 tid;
	__s32 fd;
};

struct inflight_syscall {
	__u64 start_ns;
	__u64 iov0;
	__u32 slot;
	__s32 fd;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, NUM_SLOTS);
	__type(key, __u32);
	__type(value, struct call_stats);
} stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_SYSCALL_NR);
	__type(key, __u32);
	__type(value, __u32);
} syscall_slots SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u16);
	__type(value, __u8);
} ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct conn_key);
	__type(value, struct conn_stats);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, __u32);
	__type(value, struct inflight_syscall);
} inflight_syscalls SEC(".maps");

/* A producer's BatchStamps (core.BatchStamps in Go, 64-bit layout) from
 * its Partition field on: the topic string before it is not read. Must
 * match the offsets bpf's tests check. */
struct batch_stamps {
	__s32 partition;
	__s32 records;
	__s32 bytes;
	__u32 pad0;
	__u64 request;
	__s32 request_bytes;
	__u32 pad1;
	__s64 appended;
	__s64 sealed;
	__s64 written;
	__s64 response_read;
	__s64 callbacks_done;
};

/* Offset of partition in core.BatchStamps: after the topic's string header. */
#define BATCH_STAMPS_OFFSET 16

/* The stamps of the traced producer's batches, from the batch_stamped
 * uprobe. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20);
} stamps SEC(".maps");

/* Stamps not logged because stamps was full. */
__u64 stamps_lost = 0;

/* Every writev of the traced process, for user space to place in time:
 * 4 MiB holds over 80,000 calls between reads. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
} writevs SEC(".maps");

static __always_inline __u32 log2_bucket(__u64 v)
{
	__u32 r = 0;
	if (v >> 32) { v >>= 32; r += 32; }
	if (v >> 16) { v >>= 16; r += 16; }
	if (v >> 8) { v >>= 8; r += 8; }
	if (v >> 4) { v >>= 4; r += 4; }
	if (v >> 2) { v >>= 2; r += 2; }
	if (v >> 1) { r += 1; }
	return r < NUM_BUCKETS ? r : NUM_BUCKETS - 1;
}

/* record adds one call to a per-CPU slot: no atomics are needed, user space
 * sums the CPUs. */
static __always_inline void record(__u32 slot, __u64 ns, __s64 ret)
{
	struct call_stats *s = bpf_map_lookup_elem(&stats, &slot);
	if (!s)
		return;
	s->count++;
	s->total_ns += ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	s->latency_hist[log2_bucket(ns)]++;
	if (ret < 0) {
		s->errors++;
		return;
	}
	s->bytes += ret;
	s->bytes_hist[log2_bucket(ret)]++;
}

static __always_inline int traced(__u64 pid_tgid)
{
	return (__u32)(pid_tgid >> 32) == target_tgid;
}

/* read_writev_args reads writev(fd, iov, iovcnt)'s fd and the base of
 * iov[0] from the syscall's registers: di and si on x86-64, x0 and x1 on
 * arm64. On another architecture both stay 0 and -1. */
static __always_inline void read_writev_args(void *regs, struct inflight_syscall *in)
{
	unsigned long fd = -1, iov = 0;
	if (FIELD_EXISTS(((struct pt_regs___x86 *)0)->di)) {
		struct pt_regs___x86 *r = regs;
		READ(fd, r->di);
		READ(iov, r->si);
	} else if (FIELD_EXISTS(((struct pt_regs___arm64 *)0)->regs)) {
		struct pt_regs___arm64 *r = regs;
		READ(fd, r->regs[0]);
		READ(iov, r->regs[1]);
	}
	in->fd = fd;
	if (iov)
		bpf_probe_read_user(&in->iov0, sizeof(in->iov0), (void *)iov);
}

/* raw_syscalls: args are (struct pt_regs *regs, long id) at entry and
 * (struct pt_regs *regs, long ret) at exit. Raw tracepoints need no tracefs. */
SEC("raw_tracepoint/sys_enter")
int sys_enter(__u64 *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!traced(pid_tgid))
		return 0;
	__s64 nr = ctx[1];
	if (nr < 0 || nr >= MAX_SYSCALL_NR)
		return 0;
	__u32 key = nr;
	__u32 *slot = bpf_map_lookup_elem(&syscall_slots, &key);
	if (!slot || *slot == 0)
		return 0;
	__u32 tid = pid_tgid;
	struct inflight_syscall in = { .slot = *slot };
	if (writev_slot != 0 && in.slot == writev_slot)
		read_writev_args((void *)ctx[0], &in);
	in.start_ns = bpf_ktime_get_ns();
	bpf_map_update_elem(&inflight_syscalls, &tid, &in, BPF_ANY);
	return 0;
}

SEC("raw_tracepoint/sys_exit")
int sys_exit(__u64 *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!traced(pid_tgid))
		return 0;
	__u32 tid = pid_tgid;
	struct inflight_syscall *in = bpf_map_lookup_elem(&inflight_syscalls, &tid);
	if (!in)
		return 0;
	__u64 now = bpf_ktime_get_ns();
	__u64 start = in->start_ns;
	__u32 slot = in->slot;
	__u64 iov0 = in->iov0;
	__s32 fd = in->fd;
	bpf_map_delete_elem(&inflight_syscalls, &tid);
	record(slot, now - start, (__s64)ctx[1]);
	if (writev_slot != 0 && slot == writev_slot) {
		struct writev_event ev = { .enter_ns = start, .exit_ns = now, .ret = (__s64)ctx[1],
					   .iov0 = iov0, .tid = tid, .fd = fd };
		/* No wakeup per call: the reader polls, so a writev costs no
		 * wakeup of another thread. */
		if (bpf_ringbuf_output(&writevs, &ev, sizeof(ev), BPF_RB_NO_WAKEUP))
			__sync_fetch_and_add(&writevs_lost, 1);
	}
	return 0;
}

static __always_inline int read_conn(struct sock *sk, struct conn_key *key)
{
	__be16 dport = 0;
	READ(key->local_port, sk->__sk_common.skc_num);
	READ(dport, sk->__sk_common.skc_dport);
	key->remote_port = __builtin_bswap16(dport);
	if (filter_ports && !bpf_map_lookup_elem(&ports, &key->remote_port))
		return 0;
	return 1;
}

/* sock_send_length(struct sock *sk, int ret, int flags) fires as the socket
 * layer's sendmsg returns, on the sending thread: for a TCP socket, right
 * after tcp_sendmsg. The time since the send syscall's entry is the send's
 * time in the kernel up to then; the connection's RTT and send queue are
 * sampled with the bytes just queued. */
SEC("raw_tracepoint/sock_send_length")
int sock_send(__u64 *ctx)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!traced(pid_tgid))
		return 0;
	struct sock *sk = (struct sock *)ctx[0];
	__u16 protocol = 0;
	READ(protocol, sk->sk_protocol);
	if (protocol != IPPROTO_TCP)
		return 0;
	struct conn_key key = {};
	if (!read_conn(sk, &key))
		return 0;
	__s64 ret = (int)ctx[1];
	__u32 tid = pid_tgid;
	__u64 ns = 0;
	struct inflight_syscall *in = bpf_map_lookup_elem(&inflight_syscalls, &tid);
	if (in) {
		ns = bpf_ktime_get_ns() - in->start_ns;
		record(TCP_SEND_SLOT, ns, ret);
	}
	struct tcp_sock *tp = (struct tcp_sock *)sk;
	__u32 srtt = 0, write_seq = 0, snd_una = 0;
	READ(srtt, tp->srtt_us);
	READ(write_seq, tp->write_seq);
	READ(snd_una, tp->snd_una);
	struct conn_stats *c = bpf_map_lookup_elem(&conns, &key);
	if (!c) {
		struct conn_stats zero = {};
		bpf_map_update_elem(&conns, &key, &zero, BPF_NOEXIST);
		c = bpf_map_lookup_elem(&conns, &key);
		if (!c)
			return 0;
	}
	/* srtt_us holds eight times the smoothed RTT (RFC 6298's SRTT << 3). */
	c->srtt_us = srtt >> 3;
	c->send_queue = write_seq - snd_una;
	if (c->send_queue > c->max_send_queue)
		c->max_send_queue = c->send_queue;
	__sync_fetch_and_add(&c->sends, 1);
	__sync_fetch_and_add(&c->send_ns, ns);
	if (ns > c->send_max_ns)
		c->send_max_ns = ns;
	if (ret > 0)
		__sync_fetch_and_add(&c->send_bytes, ret);
	return 0;
}

/* tcp_retransmit_skb(const struct sock *sk, const struct sk_buff *skb, ...)
 * fires from timers and softirqs, in no process's context: the connection
 * table, filled only from the traced process, is the filter. */
SEC("raw_tracepoint/tcp_retransmit_skb")
int tcp_retransmit(__u64 *ctx)
{
	struct conn_key key = {};
	struct sock *sk = (struct sock *)ctx[0];
	READ(key.local_port, sk->__sk_common.skc_num);
	__be16 dport = 0;
	READ(dport, sk->__sk_common.skc_dport);
	key.remote_port = __builtin_bswap16(dport);
	struct conn_stats *c = bpf_map_lookup_elem(&conns, &key);
	if (c)
		__sync_fetch_and_add(&c->retransmits, 1);
	return 0;
}

/* batch_stamped is a uprobe on core.batchStamped(st *BatchStamps), which a
 * perfproducer producer calls for each batch while a tracer is attached
 * (the uprobe's reference counter arms it). Go's register ABI passes st in
 * RAX on x86-64, X0 on arm64. */
SEC("uprobe")
int batch_stamped(void *ctx)
{
	unsigned long st = 0;
	if (FIELD_EXISTS(((struct pt_regs___x86 *)0)->ax)) {
		struct pt_regs___x86 *r = ctx;
		READ(st, r->ax);
	} else if (FIELD_EXISTS(((struct pt_regs___arm64 *)0)->regs)) {
		struct pt_regs___arm64 *r = ctx;
		READ(st, r->regs[0]);
	}
	if (!st)
		return 0;
	struct batch_stamps ev = {};
	if (bpf_probe_read_user(&ev, sizeof(ev), (void *)(st + BATCH_STAMPS_OFFSET)))
		return 0;
	if (bpf_ringbuf_output(&stamps, &ev, sizeof(ev), BPF_RB_NO_WAKEUP))
		__sync_fetch_and_add(&stamps_lost, 1);
	return 0;
}

/* The kernel lets only GPL-compatible programs call bpf_probe_read_kernel. */
char LICENSE[] SEC("license") = "GPL";
