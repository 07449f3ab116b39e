package iouring

import (
	"fmt"
	"net/netip"
	"sync/atomic"
	"time"
	"unsafe"
)

// Preparing an operation fills the next submission queue entry; Submit
// hands it to the kernel. Each operation carries userData, which its
// completion reports. Memory an operation names (iovecs and the bytes they
// point to, receive buffers) is the caller's: it must stay alive and
// unchanged until the operation's completion has been reaped, or until
// Close returns. The ring copies nothing and allocates nothing per
// operation. Timeouts and connect addresses are kept by the ring itself.
//
// A Prepare method fails with ErrSubmissionQueueFull when SQEntries
// operations wait to be submitted, and with ErrClosed after Close.

// SQEFlags are IOSQE_* flags that change how the kernel runs an entry.
type SQEFlags uint8

// The entry flags a caller may set with SetFlags.
const (
	// FlagFixedFile: the entry's fd is an index into the files registered
	// with RegisterFiles.
	FlagFixedFile SQEFlags = 1 << 0
	// FlagDrain: start the entry only once every earlier one has completed.
	FlagDrain SQEFlags = 1 << 1
	// FlagLink: start the next entry only once this one has succeeded.
	FlagLink SQEFlags = 1 << 2
	// FlagAsync: run the entry in the kernel's worker threads at once.
	FlagAsync SQEFlags = 1 << 4
)

// slot is the memory the ring lends to one submission entry: what the
// kernel reads while it takes the entry (SUBMIT_STABLE), so it is free
// again once the kernel's submission head has passed the entry.
type slot struct {
	ts   timespec
	addr [sockaddrSpace]byte
}

// next claims the next submission entry, zeroed, and its index.
func (r *Ring) next() (*sqe, uint32, error) {
	if r.closed {
		return nil, 0, ErrClosed
	}
	if r.sqeTail-atomic.LoadUint32(r.sqHead) >= r.sqEntries {
		return nil, 0, ErrSubmissionQueueFull
	}
	i := r.sqeTail & r.sqMask
	s := &r.sqes[i]
	*s = sqe{}
	r.sqeTail++
	return s, i, nil
}

// PrepareNop prepares an operation that does nothing and completes with 0.
func (r *Ring) PrepareNop(userData uint64) error {
	s, _, err := r.next()
	if err != nil {
		return err
	}
	s.opcode = uint8(OpNop)
	s.fd = -1
	s.userData = userData
	return nil
}

// PrepareWritev prepares a writev of iovecs to fd, a socket or pipe. Its
// completion's res is the number of bytes written, which on a socket may
// be fewer than asked (resume with Advance), or a negated errno.
func (r *Ring) PrepareWritev(fd int32, iovecs []Iovec, userData uint64) error {
	if len(iovecs) == 0 || len(iovecs) > iovMax {
		return fmt.Errorf("%w: writev takes 1 to %d iovecs, not %d", ErrInvalidArgument, iovMax, len(iovecs))
	}
	s, _, err := r.next()
	if err != nil {
		return err
	}
	escape(unsafe.Pointer(&iovecs[0]))
	s.opcode = uint8(OpWritev)
	s.fd = fd
	s.addr = uint64(uintptr(unsafe.Pointer(&iovecs[0])))
	s.len = uint32(len(iovecs))
	s.userData = userData
	return nil
}

// PrepareWriteFixed prepares a write of buf to fd, a socket or pipe, where
// buf lies within the buffer registered at index bufIndex (RegisterBuffers):
// the kernel uses the pages it pinned then, instead of pinning them again.
func (r *Ring) PrepareWriteFixed(fd int32, buf []byte, bufIndex uint16, userData uint64) error {
	if len(buf) == 0 {
		return fmt.Errorf("%w: a fixed write needs at least one byte", ErrInvalidArgument)
	}
	s, _, err := r.next()
	if err != nil {
		return err
	}
	escape(unsafe.Pointer(&buf[0]))
	s.opcode = uint8(OpWriteFixed)
	s.fd = fd
	s.addr = uint64(uintptr(unsafe.Pointer(&buf[0])))
	s.len = uint32(len(buf))
	s.bufIndex = bufIndex
	s.userData = userData
	return nil
}

// PrepareSend prepares a send of buf on the socket fd (IORING_OP_SEND).
// Its completion's res is the number of bytes sent, which may be fewer
// than asked, or a negated errno.
func (r *Ring) PrepareSend(fd int32, buf []byte, userData uint64) error {
	return r.prepareSend(OpSend, fd, buf, userData)
}

// PrepareSendZC prepares a zero-copy send of buf on the socket fd
// (IORING_OP_SEND_ZC, Linux 6.0): the kernel hands buf's pages to the
// network stack instead of copying them. It completes twice: first with
// the bytes sent (or a negated errno), flagged CompletionMore when a
// second follows; then, flagged CompletionNotification, once the kernel no
// longer reads buf, which must stay unchanged until then.
func (r *Ring) PrepareSendZC(fd int32, buf []byte, userData uint64) error {
	return r.prepareSend(OpSendZC, fd, buf, userData)
}

func (r *Ring) prepareSend(op Op, fd int32, buf []byte, userData uint64) error {
	if len(buf) == 0 {
		return fmt.Errorf("%w: a send needs at least one byte", ErrInvalidArgument)
	}
	s, _, err := r.next()
	if err != nil {
		return err
	}
	escape(unsafe.Pointer(&buf[0]))
	s.opcode = uint8(op)
	s.fd = fd
	s.addr = uint64(uintptr(unsafe.Pointer(&buf[0])))
	s.len = uint32(len(buf))
	s.userData = userData
	return nil
}

// PrepareRecv prepares a receive into buf from the socket fd. Its
// completion's res is the number of bytes received, 0 when the peer has
// closed, or a negated errno.
func (r *Ring) PrepareRecv(fd int32, buf []byte, userData uint64) error {
	if len(buf) == 0 {
		return fmt.Errorf("%w: a receive needs a buffer of at least one byte", ErrInvalidArgument)
	}
	s, _, err := r.next()
	if err != nil {
		return err
	}
	escape(unsafe.Pointer(&buf[0]))
	s.opcode = uint8(OpRecv)
	s.fd = fd
	s.addr = uint64(uintptr(unsafe.Pointer(&buf[0])))
	s.len = uint32(len(buf))
	s.userData = userData
	return nil
}

// PrepareRead prepares a read into buf from fd, a descriptor without a
// position such as an eventfd or a pipe. Its completion's res is the
// number of bytes read, or a negated errno.
func (r *Ring) PrepareRead(fd int32, buf []byte, userData uint64) error {
	if len(buf) == 0 {
		return fmt.Errorf("%w: a read needs a buffer of at least one byte", ErrInvalidArgument)
	}
	s, _, err := r.next()
	if err != nil {
		return err
	}
	escape(unsafe.Pointer(&buf[0]))
	s.opcode = uint8(OpRead)
	s.fd = fd
	s.addr = uint64(uintptr(unsafe.Pointer(&buf[0])))
	s.len = uint32(len(buf))
	s.userData = userData
	return nil
}

// PrepareConnect prepares a connect of the socket fd to addr. Its
// completion's res is 0 once connected, or a negated errno such as
// -ECONNREFUSED.
func (r *Ring) PrepareConnect(fd int32, addr netip.AddrPort, userData uint64) error {
	if !addr.IsValid() || addr.Addr().Zone() != "" {
		return fmt.Errorf("%w: cannot connect to %v; give an IPv4 or unzoned IPv6 address and port", ErrInvalidArgument, addr)
	}
	s, i, err := r.next()
	if err != nil {
		return err
	}
	sa := &r.slots[i].addr
	s.opcode = uint8(OpConnect)
	s.fd = fd
	s.addr = uint64(uintptr(unsafe.Pointer(sa)))
	s.off = uint64(encodeSockaddr(sa, addr))
	s.userData = userData
	return nil
}

// encodeSockaddr writes addr as a struct sockaddr_in or sockaddr_in6 and
// returns its length.
func encodeSockaddr(sa *[sockaddrSpace]byte, addr netip.AddrPort) int {
	*sa = [sockaddrSpace]byte{}
	port := addr.Port()
	sa[2], sa[3] = byte(port>>8), byte(port)
	ip := addr.Addr()
	if ip.Is4() {
		*(*uint16)(unsafe.Pointer(&sa[0])) = afInet
		a := ip.As4()
		copy(sa[4:8], a[:])
		return sockaddrIn4
	}
	*(*uint16)(unsafe.Pointer(&sa[0])) = afInet6
	a := ip.As16()
	copy(sa[8:24], a[:])
	return sockaddrIn6
}

// PrepareTimeout prepares a timer that completes with -ETIME after d. It
// counts as a completion, so it bounds a SubmitAndWait.
func (r *Ring) PrepareTimeout(d time.Duration, userData uint64) error {
	s, i, err := r.next()
	if err != nil {
		return err
	}
	r.prepareTimespec(s, i, d)
	s.opcode = uint8(OpTimeout)
	s.userData = userData
	return nil
}

// PrepareLinkTimeout bounds the operation prepared just before it: if that
// one has not completed after d, the kernel cancels it (it completes with
// -ECANCELED, and the timeout with -ETIME); otherwise the timeout completes
// with -ECANCELED. It fails with ErrNothingPrepared when no operation has
// been prepared since the last Submit.
func (r *Ring) PrepareLinkTimeout(d time.Duration, userData uint64) error {
	if err := r.SetFlags(FlagLink); err != nil {
		return err
	}
	s, i, err := r.next()
	if err != nil {
		r.sqes[(r.sqeTail-1)&r.sqMask].flags &^= uint8(FlagLink)
		return err
	}
	r.prepareTimespec(s, i, d)
	s.opcode = uint8(OpLinkTimeout)
	s.userData = userData
	return nil
}

func (r *Ring) prepareTimespec(s *sqe, i uint32, d time.Duration) {
	ts := &r.slots[i].ts
	*ts = timespec{sec: int64(d / time.Second), nsec: int64(d % time.Second)}
	s.fd = -1
	s.addr = uint64(uintptr(unsafe.Pointer(ts)))
	s.len = 1
}

// PrepareCancel prepares the cancellation of the operation submitted with
// user data target. The cancelled operation completes with -ECANCELED; the
// cancellation itself with 0, -ENOENT when no such operation is pending,
// or -EALREADY when it is already running and may still complete.
func (r *Ring) PrepareCancel(target, userData uint64) error {
	s, _, err := r.next()
	if err != nil {
		return err
	}
	s.opcode = uint8(OpAsyncCancel)
	s.fd = -1
	s.addr = target
	s.userData = userData
	return nil
}

// SetFlags adds flags to the operation prepared last. It fails with
// ErrNothingPrepared when no operation has been prepared since the last
// Submit.
func (r *Ring) SetFlags(flags SQEFlags) error {
	if r.closed {
		return ErrClosed
	}
	if r.sqeTail == r.published {
		return ErrNothingPrepared
	}
	r.sqes[(r.sqeTail-1)&r.sqMask].flags |= uint8(flags)
	return nil
}

// escapeSink makes memory an operation names escape to the heap: the
// kernel keeps its address after Prepare returns, so it must not lie on a
// goroutine stack, which moves when it grows. The branch never runs.
var escapeSink struct {
	enabled bool
	p       unsafe.Pointer
}

func escape(p unsafe.Pointer) {
	if escapeSink.enabled {
		escapeSink.p = p
	}
}
