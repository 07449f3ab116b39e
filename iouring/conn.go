//go:build linux

package iouring

import (
	"context"
	"net/netip"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream"
)

// connState is where a connection is in its life.
type connState uint8

const (
	// stateResolving: the host name is being looked up in a goroutine of
	// its own; there is no socket yet.
	stateResolving connState = iota
	// stateConnecting: a connect is in flight on the ring.
	stateConnecting
	// stateReady: connected; a receive is in flight (or waits for the
	// next Poll to free buffer space), and a writev while sends wait.
	stateReady
	// stateClosed: closed by the caller or by a failure; the connection
	// lingers only until the kernel has completed its operations, whose
	// memory it owns.
	stateClosed
)

// conn is one connection: its socket, the sends staged on it, the frames
// being assembled from it and the operations it has in flight. Only the
// transport's goroutine touches it.
type conn struct {
	id    int64
	fd    int
	state connState
	// slot is the connection's index in Transport.slots, which the user
	// data of its operations carries.
	slot uint32
	// inflight counts the connection's operations prepared and not yet
	// reaped; its slot is reused only once it is zero.
	inflight int
	// connecting, receiving and writing say which operation is in flight.
	connecting, receiving, writing bool

	// address is what the caller asked for; addrs what it resolved to,
	// tried in turn until one connects.
	address string
	addrs   []netip.AddrPort
	next    int

	// cancelLookup ends the look-up of address; set only while resolving.
	cancelLookup context.CancelFunc

	// deadline is when a ready connection is closed as idle unless it
	// reads or writes first. Zero means never.
	deadline time.Duration

	queue stream.SendQueue
	// iov holds the iovecs of the writev in flight; the kernel reads them
	// until it completes.
	iov []Iovec

	frames stream.FrameReader
	// releasedAt is the poll at which frames.release last ran.
	releasedAt uint64
}

// op is what an operation does for its connection, in the low byte of its
// user data; the slot is in the bits above.
type op uint8

const (
	opConnect op = iota
	opConnectTimeout
	opRecv
	opWritev
	opCancel
	opWake
)

func userData(c *conn, o op) uint64 { return uint64(c.slot)<<8 | uint64(o) }

func splitUserData(u uint64) (slot uint32, o op) { return uint32(u >> 8), op(u) }
