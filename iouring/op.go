package iouring

import "strconv"

// Op is an io_uring opcode (enum io_uring_op).
type Op uint8

// The opcodes this package prepares, and the sends a transport may weigh
// against them.
const (
	OpNop         Op = 0
	OpWritev      Op = 2
	OpWriteFixed  Op = 5
	OpSendmsg     Op = 9
	OpTimeout     Op = 11
	OpAsyncCancel Op = 14
	OpLinkTimeout Op = 15
	OpConnect     Op = 16
	OpRead        Op = 22
	OpSend        Op = 26
	OpRecv        Op = 27
	OpSendZC      Op = 47
	OpSendmsgZC   Op = 48
)

// requiredOps are the opcodes New insists on, so that every Prepare method
// works on a ring it returns.
var requiredOps = [...]Op{OpNop, OpWritev, OpWriteFixed, OpTimeout, OpAsyncCancel, OpLinkTimeout, OpConnect, OpRead, OpRecv}

var opNames = map[Op]string{
	OpNop:         "NOP",
	OpWritev:      "WRITEV",
	OpWriteFixed:  "WRITE_FIXED",
	OpSendmsg:     "SENDMSG",
	OpTimeout:     "TIMEOUT",
	OpAsyncCancel: "ASYNC_CANCEL",
	OpLinkTimeout: "LINK_TIMEOUT",
	OpConnect:     "CONNECT",
	OpRead:        "READ",
	OpSend:        "SEND",
	OpRecv:        "RECV",
	OpSendZC:      "SEND_ZC",
	OpSendmsgZC:   "SENDMSG_ZC",
}

// String returns the kernel's name without the IORING_OP_ prefix, or the
// number for opcodes this package does not name.
func (op Op) String() string {
	if name, ok := opNames[op]; ok {
		return name
	}
	return "op" + strconv.Itoa(int(op))
}

// Probe is what the kernel reported of its opcodes (IORING_REGISTER_PROBE).
type Probe struct {
	last      Op
	supported [probeOps]bool
}

// Supports reports whether the kernel implements op.
func (p *Probe) Supports(op Op) bool { return p.supported[op] }

// LastOp returns the highest opcode the kernel knows.
func (p *Probe) LastOp() Op { return p.last }
