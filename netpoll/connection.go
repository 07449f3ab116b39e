//go:build linux

package netpoll

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
	// stateConnecting: a non-blocking connect is under way; the socket
	// waits for writability, which is how the kernel reports completion.
	stateConnecting
	// stateHandshaking: connected, the TLS handshake under way in a
	// goroutine of its own on a duplicate of the socket; the socket is out
	// of the epoll set until it ends.
	stateHandshaking
	// stateReady: connected (and the TLS handshake done); read interest
	// always, write interest while staged bytes wait.
	stateReady
)

// conn is one connection: its socket, the sends staged on it and the frames
// being assembled from it. Only the selector's goroutine touches it.
type conn struct {
	id    ID
	fd    int
	state connState
	stage stage

	// address is what the caller asked for; addrs what it resolved to,
	// tried in turn until one connects.
	address string
	addrs   []netip.AddrPort
	next    int

	// cancelLookup ends the look-up of address; set only while resolving.
	cancelLookup context.CancelFunc
	// cancelHandshake ends the TLS handshake; set only while handshaking.
	cancelHandshake context.CancelFunc

	// interest is the event mask registered with epoll.
	interest uint32

	// deadline is when the connection is closed unless something
	// happens first: the setup timeout while connecting, the idle
	// limit once ready. Zero means never.
	deadline time.Duration

	queue  stream.SendQueue
	frames stream.FrameReader

	// releasedAt is the poll at which frames.release last ran.
	releasedAt uint64
}

// setInterest registers events with epoll when they differ from those held.
func (c *conn) setInterest(poller *epoll, events uint32) error {
	if events == c.interest {
		return nil
	}
	if err := poller.modify(c.fd, events); err != nil {
		return err
	}
	c.interest = events
	return nil
}
