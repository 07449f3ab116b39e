package bpf

// Options say what Attach traces.
type Options struct {
	// PID is the thread group id of the process to trace; every thread of
	// it is traced. Required.
	PID int
	// Ports, when not empty, limits the TCP tables to connections whose
	// remote port is one of these (a broker's listener, e.g. 9092). The
	// syscall table is not filtered by port.
	Ports []uint16
	// LogWritevs keeps every writev's times, descriptor and first iovec for
	// Tracer.Writevs and Tracer.Stages, 40 bytes a call for as long as the
	// tracer is attached. Without it those return ErrNoWritevLog.
	LogWritevs bool
	// BatchStamps, for a process built with this module's core package
	// (and its symbols), attaches to the producer's batch probe point,
	// which then stamps every batch it completes for Tracer.Batches, as
	// core.Producer.TraceBatches would in-process. It costs the traced
	// process a uprobe (a trap into the kernel) per batch. The probe point
	// is found by the executable's symbol table, which go build keeps and
	// go run, go test and -ldflags=-s strip. A process without it (or
	// whose executable cannot be read) is traced all the same; Batches then
	// returns ErrNoBatchProbe. A process with it has its writevs logged
	// too, as with LogWritevs.
	BatchStamps bool
}
