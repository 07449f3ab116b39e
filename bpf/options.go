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
}
