package core

// batchProbe is a USDT-style probe point for tracers outside the process:
// a uprobe on batchStamped, whose first argument (RAX on amd64, X0 on
// arm64, Go's register ABI) points to a batch's BatchStamps once its
// callbacks have run. batchProbe[0] is the probe's semaphore: a tracer
// attaches with it as the uprobe's reference counter (the kernel's
// ref_ctr_offset), so the kernel raises it while a tracer is attached and
// the producer stamps batches only then. The initialized second element
// puts the array in the executable's data section, which a file offset can
// name, rather than in bss.
var batchProbe = [2]uint16{0, 1}

// batchProbeArmed reports whether a tracer is attached to batchStamped. It
// is a plain load of memory only the kernel writes.
func batchProbeArmed() bool { return batchProbe[0] != 0 }

// batchStamped is the probe point: it does nothing; a uprobe on it reads
// st.
//
//go:noinline
func batchStamped(st *BatchStamps) {}
