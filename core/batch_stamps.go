package core

import "unsafe"

// BatchStamps is one acknowledged batch's life, stamped by the producer
// from the clock reads its sender makes anyway: each stamp is the sender's
// latest reading at or after the event, or at or before it where noted, so
// tracing adds no clock read. Times are nanoseconds of the runtime's
// monotonic clock, which on Linux is CLOCK_MONOTONIC (read from the CPU's
// time-stamp counter where the kernel does so too, within nanoseconds of
// it): they compare directly with kernel timestamps (bpf_ktime_get_ns), so
// a tracer can place the kernel's writev of the batch's request between
// Sealed and Written.
type BatchStamps struct {
	Topic     string
	Partition int32
	Records   int32
	Bytes     int32
	// Request is the address in memory of the first byte of the request
	// that carried the batch, the iov_base of the first iovec of the writev
	// that begins writing it; RequestBytes is the request's size. Together
	// they let a tracer pick that request's writevs out of the process's.
	Request      uint64
	RequestBytes int32
	// Appended: the first record was appended (the batch opened).
	Appended int64
	// Sealed: the sender's loop that sealed the batch and staged its
	// request began (at or before both), or, for a batch opened and filled
	// while that loop ran, Appended.
	Sealed int64
	// Written: the sender saw the request fully handed to the kernel; every
	// writev that carried it returned at or before. Zero when it did not
	// see that before the response (then ResponseRead bounds the writes).
	Written int64
	// ResponseRead: the response was read from the socket.
	ResponseRead int64
	// CallbacksDone: every record's callback had run.
	CallbacksDone int64
}

// TraceBatches makes the producer hand every batch it completes
// successfully to fn, from the sender goroutine, once the batch's callbacks
// have run: fn must return quickly and must not call the producer. Batches
// acknowledged while fn is set are each handed over once, so their number
// is what Stats().BatchesSent counts meanwhile, less any that idempotence
// proved written after their answer was lost (no answer, nothing to
// stamp). A nil fn stops it.
// Tracing off costs one atomic load and one plain load (batchProbe's
// semaphore) per response; on, a few stores per batch and fn.
func (p *Producer) TraceBatches(fn func(BatchStamps)) {
	if fn == nil {
		p.batchTrace.Store(nil)
		return
	}
	p.batchTrace.Store(&fn)
}

// batchTracing is the sender's part of TraceBatches: the batches completed
// since its last clock read, whose callbacks are done by its next one.
type batchTracing struct {
	// answering is the request whose answer the sender is acting on, and
	// answeredNanos when it read that answer; on says batches are stamped
	// for it (TraceBatches is set, or a tracer armed batchProbe).
	answering     *request
	answeredNanos int64
	on            bool
	// requestAddr and requestBytes are answering's Request and
	// RequestBytes, found once per request.
	requestAddr  uint64
	requestBytes int32
	// done are stamped batches waiting for CallbacksDone; the slice is
	// kept, so steady tracing allocates nothing.
	done []BatchStamps
}

// answer starts acting on r's answer (a response, or the end of its write
// for acks=0), read at now.
func (s *sender) answer(r *request, now int64) {
	t := &s.tracing
	if t.on = s.p.batchTrace.Load() != nil || batchProbeArmed(); !t.on {
		return
	}
	t.answering, t.answeredNanos = r, now
	t.requestAddr, t.requestBytes = 0, 0
	for _, seg := range r.segments {
		if t.requestAddr == 0 && len(seg) > 0 {
			t.requestAddr = uint64(uintptr(unsafe.Pointer(unsafe.SliceData(seg))))
		}
		t.requestBytes += int32(len(seg))
	}
}

// answered ends what answer began.
func (s *sender) answered() {
	s.tracing.answering, s.tracing.on = nil, false
}

// stamp records b, just completed successfully, when tracing is on.
func (s *sender) stamp(b *batch) {
	t := &s.tracing
	if !t.on { // answer set answering with it
		return
	}
	r, c := t.answering, s.clock
	st := BatchStamps{
		Topic: b.part.topic.name, Partition: b.part.index, Records: b.recordCount, Bytes: int32(len(b.wireBytes)),
		Request: t.requestAddr, RequestBytes: t.requestBytes,
		Appended:     c.monotonic(b.createdNanos),
		Sealed:       c.monotonic(max(r.sentNanos, b.createdNanos)),
		ResponseRead: c.monotonic(t.answeredNanos),
	}
	if r.writtenNanos != 0 {
		st.Written = c.monotonic(r.writtenNanos)
	}
	t.done = append(t.done, st)
}

// publishStamps hands the batches stamped before the clock read now to
// their tracer, with now as CallbacksDone.
func (s *sender) publishStamps(now int64) {
	t := &s.tracing
	if len(t.done) == 0 {
		return
	}
	fn, probe, done := s.p.batchTrace.Load(), batchProbeArmed(), s.clock.monotonic(now)
	for i := range t.done {
		t.done[i].CallbacksDone = done
		if fn != nil {
			(*fn)(t.done[i])
		}
		if probe {
			batchStamped(&t.done[i])
		}
	}
	clear(t.done)
	t.done = t.done[:0]
}
