package iouring

import (
	"fmt"
	"unsafe"
)

// RegisterBuffers registers regions with the kernel (IORING_REGISTER_BUFFERS)
// as buffers 0, 1, ... for PrepareWriteFixed: the kernel pins their pages
// once instead of on every write. A region is typically the producer's whole
// arena, given as one buffer. Regions must be memory the Go heap does not
// manage (mmap'd) and stay mapped until UnregisterBuffers or Close; the
// kernel caps each at 1 GiB and charges them to RLIMIT_MEMLOCK or the
// memory cgroup.
func (r *Ring) RegisterBuffers(regions ...[]byte) error {
	if r.closed {
		return ErrClosed
	}
	if len(regions) == 0 {
		return fmt.Errorf("%w: no buffer to register", ErrInvalidArgument)
	}
	iovecs := make([]Iovec, len(regions))
	for i, region := range regions {
		if len(region) == 0 {
			return fmt.Errorf("%w: buffer %d to register is empty", ErrInvalidArgument, i)
		}
		iovecs[i].Base = &region[0]
		iovecs[i].SetLen(len(region))
	}
	if err := sysRegister(r.fd, registerBuffers, unsafe.Pointer(&iovecs[0]), uint32(len(iovecs))); err != nil {
		return fmt.Errorf("iouring: registering %d buffers failed: %w", len(regions), err)
	}
	return nil
}

// UnregisterBuffers drops the buffers RegisterBuffers registered.
func (r *Ring) UnregisterBuffers() error {
	return r.unregister(unregisterBuffers, "buffers")
}

// RegisterFiles registers descriptors with the kernel (IORING_REGISTER_FILES)
// as files 0, 1, ...: an entry flagged FlagFixedFile names one by its index
// and saves the kernel a descriptor lookup per operation. -1 leaves a slot
// empty. The ring holds its own reference, so closing a registered
// descriptor does not end its use here until UnregisterFiles or Close.
func (r *Ring) RegisterFiles(fds []int32) error {
	if r.closed {
		return ErrClosed
	}
	if len(fds) == 0 {
		return fmt.Errorf("%w: no file to register", ErrInvalidArgument)
	}
	if err := sysRegister(r.fd, registerFiles, unsafe.Pointer(&fds[0]), uint32(len(fds))); err != nil {
		return fmt.Errorf("iouring: registering %d files failed: %w", len(fds), err)
	}
	return nil
}

// UnregisterFiles drops the files RegisterFiles registered.
func (r *Ring) UnregisterFiles() error {
	return r.unregister(unregisterFiles, "files")
}

func (r *Ring) unregister(opcode uint32, what string) error {
	if r.closed {
		return ErrClosed
	}
	if err := sysRegister(r.fd, opcode, nil, 0); err != nil {
		return fmt.Errorf("iouring: unregistering %s failed: %w", what, err)
	}
	return nil
}

// Probe asks the kernel which opcodes it supports (IORING_REGISTER_PROBE,
// Linux 5.6).
func (r *Ring) Probe() (*Probe, error) {
	if r.closed {
		return nil, ErrClosed
	}
	var raw probe
	if err := sysRegister(r.fd, registerProbe, unsafe.Pointer(&raw), probeOps); err != nil {
		return nil, fmt.Errorf("iouring: probing the kernel's opcodes failed: %w", err)
	}
	p := &Probe{last: Op(raw.lastOp)}
	for _, o := range raw.ops[:raw.opsLen] {
		p.supported[o.op] = o.flags&probeOpSupported != 0
	}
	return p, nil
}
