package bpf

import "errors"

var (
	// ErrNotSupported is returned by Attach where the probes cannot run:
	// a build for a system other than Linux, a kernel without BTF, or one
	// that lacks the program types the probes use. The error wraps the cause.
	ErrNotSupported = errors.New("bpf: eBPF tracing is not supported here")
	// ErrPermission is returned by Attach when the kernel refuses to load or
	// attach the probes for lack of privilege: run as root, or grant
	// CAP_BPF and CAP_PERFMON. The error wraps the cause.
	ErrPermission = errors.New("bpf: not permitted to load eBPF probes; run as root or with CAP_BPF and CAP_PERFMON")
	// ErrClosed is returned by Snapshot after Close.
	ErrClosed = errors.New("bpf: tracer is closed")
	// ErrNoBatchProbe is returned by Tracer.Batches of a tracer attached
	// without Options.BatchStamps, or to a process without the producer's
	// probe point (not a perfproducer producer, or stripped of symbols).
	ErrNoBatchProbe = errors.New("bpf: no batch probe: attach to a perfproducer producer with Options.BatchStamps")
	// ErrNoWritevLog is returned by Tracer.Writevs and Tracer.Stages of a
	// tracer attached without Options.LogWritevs.
	ErrNoWritevLog = errors.New("bpf: writevs are not logged; attach with Options.LogWritevs")
)
