/* The few kernel types the probes read, declared with only the fields they
 * use. preserve_access_index makes every access a CO-RE relocation, resolved
 * against the running kernel's BTF at load time, so field offsets here are
 * never relied on and one object file runs on many kernels. */
#ifndef PERFPRODUCER_KERNEL_TYPES_H
#define PERFPRODUCER_KERNEL_TYPES_H

typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;
typedef signed int __s32;
typedef signed long long __s64;
typedef __u16 __be16;

struct sock_common {
	__be16 skc_dport;
	__u16 skc_num;
} __attribute__((preserve_access_index));

/* sk_protocol is a plain field from Linux 5.6 (a bitfield before); its only
 * reader, the sock_send_length probe, needs 6.3 anyway. */
struct sock {
	struct sock_common __sk_common;
	__u16 sk_protocol;
} __attribute__((preserve_access_index));

/* A syscall's registers as raw_syscalls/sys_enter passes them. The flavors
 * (the "___" suffix names the same kernel type) are x86-64's and arm64's
 * layouts; CO-RE keeps the accesses of the one the running kernel has and
 * the program checks which it is. */
struct pt_regs___x86 {
	unsigned long ax;
	unsigned long di;
	unsigned long si;
} __attribute__((preserve_access_index));

struct pt_regs___arm64 {
	unsigned long regs[31];
} __attribute__((preserve_access_index));

struct tcp_sock {
	__u32 srtt_us;
	__u32 write_seq;
	__u32 snd_una;
} __attribute__((preserve_access_index));

#endif
