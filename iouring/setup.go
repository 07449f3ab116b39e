package iouring

import (
	"errors"
	"fmt"
	"sync/atomic"
	"unsafe"
)

// New sets up a ring: io_uring_setup, then the mappings of the submission
// ring, the completion ring (one mapping for both where the kernel offers
// IORING_FEAT_SINGLE_MMAP) and the submission entries. It fails with an
// error matching ErrNotSupported where io_uring cannot be used, or lacks a
// feature or opcode this package relies on.
func New(opts Options) (*Ring, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	var p params
	if opts.CQEntries != 0 {
		p.flags |= setupCQSize
		p.cqEntries = opts.CQEntries
	}
	fd, err := sysSetup(opts.Entries, &p)
	if err != nil {
		return nil, err
	}
	r := &Ring{fd: fd, features: Features(p.features)}
	if err := r.mapRings(&p); err != nil {
		return nil, errors.Join(err, r.release())
	}
	if err := r.checkKernel(); err != nil {
		return nil, errors.Join(err, r.release())
	}
	return r, nil
}

// mapRings maps the rings io_uring_setup described in p and finds the
// shared words in them.
func (r *Ring) mapRings(p *params) error {
	sqSize := int(p.sqOff.array) + int(p.sqEntries)*int(unsafe.Sizeof(uint32(0)))
	cqSize := int(p.cqOff.cqes) + int(p.cqEntries)*int(unsafe.Sizeof(cqe{}))
	if r.features.Has(FeatSingleMmap) {
		sqSize = max(sqSize, cqSize)
	}
	var err error
	if r.sqRing, err = sysMmap(r.fd, offSQRing, sqSize); err != nil {
		return fmt.Errorf("iouring: mapping the submission ring failed: %w", err)
	}
	r.cqRing = r.sqRing
	if !r.features.Has(FeatSingleMmap) {
		if r.cqRing, err = sysMmap(r.fd, offCQRing, cqSize); err != nil {
			r.cqRing = nil
			return fmt.Errorf("iouring: mapping the completion ring failed: %w", err)
		}
	}
	if r.sqeMem, err = sysMmap(r.fd, offSQEs, int(p.sqEntries)*int(unsafe.Sizeof(sqe{}))); err != nil {
		return fmt.Errorf("iouring: mapping the submission entries failed: %w", err)
	}

	r.sqHead = word(r.sqRing, p.sqOff.head)
	r.sqTail = word(r.sqRing, p.sqOff.tail)
	r.sqFlags = word(r.sqRing, p.sqOff.flags)
	r.sqMask = *word(r.sqRing, p.sqOff.ringMask)
	r.sqEntries = *word(r.sqRing, p.sqOff.ringEntries)
	r.sqes = unsafe.Slice((*sqe)(unsafe.Pointer(&r.sqeMem[0])), r.sqEntries)
	// The index array is left as the identity: entry i of the ring is
	// always SQE i, so submitting needs only the tail.
	array := unsafe.Slice(word(r.sqRing, p.sqOff.array), r.sqEntries)
	for i := range array {
		array[i] = uint32(i)
	}
	r.sqeTail = atomic.LoadUint32(r.sqTail)
	r.published = r.sqeTail
	r.slots = make([]slot, r.sqEntries)

	r.cqHead = word(r.cqRing, p.cqOff.head)
	r.cqTail = word(r.cqRing, p.cqOff.tail)
	r.cqMask = *word(r.cqRing, p.cqOff.ringMask)
	r.cqEntries = *word(r.cqRing, p.cqOff.ringEntries)
	r.cqes = unsafe.Slice((*cqe)(unsafe.Pointer(&r.cqRing[p.cqOff.cqes])), r.cqEntries)
	r.cqHeadLocal = atomic.LoadUint32(r.cqHead)
	return nil
}

// word returns the shared ring word at off in a mapping.
func word(mem []byte, off uint32) *uint32 { return (*uint32)(unsafe.Pointer(&mem[off])) }

// checkKernel refuses a kernel without the features and opcodes this
// package relies on.
func (r *Ring) checkKernel() error {
	if missing := requiredFeatures &^ r.features; missing != 0 {
		return fmt.Errorf("%w: the kernel lacks io_uring features %v (Linux 5.5 has them)", ErrNotSupported, missing)
	}
	p, err := r.Probe()
	if isInvalid(err) {
		return fmt.Errorf("%w: the kernel cannot list its io_uring opcodes (Linux 5.6 can): %w", ErrNotSupported, err)
	}
	if err != nil {
		return err
	}
	for _, op := range requiredOps {
		if !p.Supports(op) {
			return fmt.Errorf("%w: the kernel lacks io_uring opcode %v", ErrNotSupported, op)
		}
	}
	return nil
}

// release unmaps what mapRings mapped and closes the ring's descriptor.
func (r *Ring) release() error {
	var errs []error
	if r.cqRing != nil && unsafe.SliceData(r.cqRing) != unsafe.SliceData(r.sqRing) {
		errs = append(errs, sysMunmap(r.cqRing))
	}
	for _, m := range [][]byte{r.sqeMem, r.sqRing} {
		if m != nil {
			errs = append(errs, sysMunmap(m))
		}
	}
	errs = append(errs, sysClose(r.fd))
	r.sqRing, r.cqRing, r.sqeMem, r.sqes, r.cqes = nil, nil, nil, nil, nil
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("iouring: releasing the ring failed: %w", err)
	}
	return nil
}
