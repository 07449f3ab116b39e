package iouring

// The kernel's io_uring ABI, from include/uapi/linux/io_uring.h. Layouts are
// the same on every Linux architecture; TestABILayout checks the sizes.

// params is struct io_uring_params, filled in by io_uring_setup.
type params struct {
	sqEntries uint32
	cqEntries uint32
	flags     uint32
	_         uint32 // sq_thread_cpu
	_         uint32 // sq_thread_idle
	features  uint32
	_         uint32 // wq_fd
	_         [3]uint32
	sqOff     sqRingOffsets
	cqOff     cqRingOffsets
}

// sqRingOffsets is struct io_sqring_offsets: where each submission ring
// word lies in the ring's mapping.
type sqRingOffsets struct {
	head        uint32
	tail        uint32
	ringMask    uint32
	ringEntries uint32
	flags       uint32
	_           uint32 // dropped
	array       uint32
	_           uint32
	_           uint64 // user_addr
}

// cqRingOffsets is struct io_cqring_offsets.
type cqRingOffsets struct {
	head        uint32
	tail        uint32
	ringMask    uint32
	ringEntries uint32
	_           uint32 // overflow
	cqes        uint32
	_           uint32 // flags
	_           uint32
	_           uint64 // user_addr
}

// sqe is struct io_uring_sqe (64 bytes; the unions are named after the
// member this package uses).
type sqe struct {
	opcode      uint8
	flags       uint8
	ioprio      uint16
	fd          int32
	off         uint64 // off, addr2
	addr        uint64
	len         uint32
	opFlags     uint32 // rw_flags, msg_flags, timeout_flags, cancel_flags
	userData    uint64
	bufIndex    uint16
	personality uint16
	fileIndex   uint32 // splice_fd_in, file_index, addr_len
	addr3       uint64
	pad2        uint64
}

// cqe is struct io_uring_cqe (16 bytes; rings set up without
// IORING_SETUP_CQE32).
type cqe struct {
	userData uint64
	res      int32
	flags    uint32
}

// timespec is struct __kernel_timespec.
type timespec struct {
	sec  int64
	nsec int64
}

// getEventsArg is struct io_uring_getevents_arg, passed to io_uring_enter
// with IORING_ENTER_EXT_ARG.
type getEventsArg struct {
	sigmask   uint64
	sigmaskSz uint32
	minWait   uint32
	ts        uint64
}

// probe is struct io_uring_probe with room for every opcode.
type probe struct {
	lastOp uint8
	opsLen uint8
	resv   uint16
	resv2  [3]uint32
	ops    [probeOps]probeOp
}

// probeOp is struct io_uring_probe_op.
type probeOp struct {
	op    uint8
	resv  uint8
	flags uint16
	resv2 uint32
}

const probeOps = 256

// Setup flags (io_uring_params.flags).
const setupCQSize = 1 << 3 // IORING_SETUP_CQSIZE

// Limits io_uring_setup enforces (IORING_MAX_ENTRIES, IORING_MAX_CQ_ENTRIES).
const (
	maxEntries   = 32768
	maxCQEntries = 2 * maxEntries
)

// Offsets of the three mappings (IORING_OFF_*).
const (
	offSQRing = 0
	offCQRing = 0x8000000
	offSQEs   = 0x10000000
)

// Submission ring flags (IORING_SQ_*).
const sqCQOverflow = 1 << 1 // IORING_SQ_CQ_OVERFLOW

// io_uring_enter flags (IORING_ENTER_*).
const (
	enterGetEvents = 1 << 0
	enterExtArg    = 1 << 3
)

// Completion flags (IORING_CQE_F_*), as Completions reports them.
const (
	// CompletionMore: another completion of the same operation follows
	// (IORING_CQE_F_MORE), as after the first of a zero-copy send's two.
	CompletionMore = 1 << 1
	// CompletionNotification: a zero-copy send's second completion
	// (IORING_CQE_F_NOTIF): the kernel no longer reads the buffer.
	CompletionNotification = 1 << 3
)

// Operation flags.
const (
	asyncCancelAny   = 1 << 2 // IORING_ASYNC_CANCEL_ANY
	probeOpSupported = 1 << 0 // IO_URING_OP_SUPPORTED
)

// io_uring_register opcodes (IORING_REGISTER_*).
const (
	registerBuffers   = 0
	unregisterBuffers = 1
	registerFiles     = 2
	unregisterFiles   = 3
	registerProbe     = 8
)

// errnoENOENT is Linux's ENOENT, as completions report it (negated).
const errnoENOENT = 2

// iovMax is UIO_MAXIOV, the most iovecs one writev takes.
const iovMax = 1024

// Socket address families and sizes (struct sockaddr_in, sockaddr_in6).
const (
	afInet        = 2
	afInet6       = 10
	sockaddrIn4   = 16
	sockaddrIn6   = 28
	sockaddrSpace = sockaddrIn6
)
