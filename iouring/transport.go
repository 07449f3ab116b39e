//go:build linux

package iouring

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream"
	"golang.org/x/sys/unix"
)

// Transport drives many TCP connections from one goroutine over one ring,
// with the same contract as netpoll's Selector (Kafka's Selectable):
// Connect, Send and Poll, then Connected, Sent, Received and Disconnected
// say what the Poll brought. Every method but Wakeup belongs to one
// goroutine, the producer's sender.
//
// Operations go to the kernel in batches: Connect and Send prepare them,
// and Poll submits everything prepared and waits for completions in one
// io_uring_enter. Each ready connection keeps one receive in flight, and a
// writev while sends wait; a short writev is resumed where it stopped.
type Transport struct {
	cfg  stream.Settings
	ring *Ring
	wake *stream.Wakeup
	// wakeCount receives the eventfd's counter; the kernel writes it while
	// the wake-up read is in flight.
	wakeCount [8]byte

	conns map[int64]*conn
	// slots holds every connection with operations in flight, closed ones
	// included, by the slot their user data names; free lists the unused
	// slots.
	slots []*conn
	free  []uint32

	// reaped holds completions taken from the ring and not yet handled:
	// handling one may submit, which Completions' callback must not.
	reaped []cqe
	reap   func(userData uint64, res int32, flags uint32)

	// starved lists ready connections whose receive buffer was full of
	// frames handed out in this Poll: their receive is posted at the next.
	starved []*conn

	// lookups runs host-name look-ups and brings them back from their
	// goroutines.
	lookups *stream.Lookups[*conn]

	// epoch is the origin of the transport's monotonic clock; now is the
	// clock's reading for the work under way.
	epoch time.Time
	now   time.Duration
	// nextDeadline is no later than the earliest idle deadline; zero when
	// no connection has one.
	nextDeadline time.Duration

	// polls counts calls to Poll; a connection's frames are released at
	// its first receive of each Poll.
	polls uint64

	connected    stream.Results[int64]
	sent         stream.Results[Completion]
	received     stream.Results[Frame]
	disconnected stream.Results[Disconnect]

	// err is a failure of the ring met outside Poll; the next Poll
	// returns it.
	err    error
	closed bool
}

// NewTransport sets up a ring and a wake-up eventfd with cfg's settings
// (zero fields take Kafka's defaults). It fails with an error matching
// ErrNotSupported where io_uring cannot be used or cannot wait with a
// timeout (IORING_FEAT_EXT_ARG, Linux 5.11). Close releases it; before
// Linux 5.19 it cannot cancel what is in flight and says so (the ring's
// ErrCancelFailed).
func NewTransport(cfg TransportConfig) (*Transport, error) {
	settings, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	ring, err := New(cfg.Ring)
	if err != nil {
		return nil, err
	}
	if !ring.Features().Has(FeatExtArg) {
		ring.Close()
		return nil, fmt.Errorf("%w: the transport waits with a timeout, which needs IORING_FEAT_EXT_ARG (Linux 5.11)", ErrNotSupported)
	}
	wake, err := stream.NewWakeup(true)
	if err != nil {
		ring.Close()
		return nil, fmt.Errorf("iouring: eventfd: %w", err)
	}
	t := &Transport{
		cfg:     settings,
		ring:    ring,
		wake:    wake,
		lookups: stream.NewLookups[*conn](settings.Resolver, settings.ConnectionSetupTimeout, wake),
		conns:   make(map[int64]*conn),
		epoch:   time.Now(),
	}
	t.reap = func(userData uint64, res int32, flags uint32) {
		t.reaped = append(t.reaped, cqe{userData: userData, res: res, flags: flags})
	}
	err = t.postWake()
	if err == nil {
		_, err = ring.Submit()
	}
	if err != nil {
		return nil, errors.Join(err, ring.Close(), wake.Close())
	}
	return t, nil
}

// Wakeup makes a Poll blocked in another goroutine return, or the next Poll
// return at once. It is the only method safe to call from any goroutine,
// and it does nothing once the transport is closed.
func (t *Transport) Wakeup() { t.wake.Signal() }

// Poll submits the operations prepared since the last Poll, waits for
// completions at most timeout (negative: until there is one) and handles
// them: finishes connects, resumes short writes, assembles frames, closes
// idle connections. The wait is shortened so idle connections are closed on
// time, and skipped when outcomes from Connect or Send are waiting to be
// reported. It may return early, with nothing to report.
//
// Afterwards Connected, Sent, Received and Disconnected report what
// happened since the previous Poll; the frames of the previous Poll are no
// longer valid.
func (t *Transport) Poll(timeout time.Duration) error {
	if t.closed {
		return ErrClosed
	}
	t.connected.Forget()
	t.sent.Forget()
	t.received.Forget()
	t.disconnected.Forget()
	t.polls++
	t.now = t.clock()
	t.feedStarved()

	if t.reportsWaiting() {
		timeout = 0
	}
	err := t.wait(timeout)
	if err == nil {
		err = t.take()
	}
	if err != nil {
		return err
	}
	t.now = t.clock()
	t.handleReaped()
	t.finishLookups()
	t.expire()

	t.connected.Publish()
	t.sent.Publish()
	t.received.Publish()
	t.disconnected.Publish()
	err, t.err = t.err, nil
	return err
}

func (t *Transport) reportsWaiting() bool {
	return t.connected.Len()+t.sent.Len()+t.disconnected.Len()+len(t.reaped) > 0
}

// wait submits what is prepared and waits for a completion at most timeout
// (negative: no limit), and no later than the next idle deadline.
func (t *Transport) wait(timeout time.Duration) error {
	until := time.Duration(-1)
	if timeout >= 0 {
		until = t.now + timeout
	}
	if t.nextDeadline > 0 && (until < 0 || t.nextDeadline < until) {
		until = t.nextDeadline
	}
	var err error
	switch {
	case until < 0:
		_, err = t.ring.SubmitAndWait(1)
	case until <= t.now:
		_, err = t.ring.Submit()
	default:
		_, err = t.ring.SubmitAndWaitTimeout(1, until-t.now)
	}
	if errors.Is(err, ErrBusy) {
		// The kernel holds completions that did not fit: reaping them,
		// next, makes room, and the next Poll submits the rest.
		return nil
	}
	return err
}

// take moves the completions the ring holds to reaped.
func (t *Transport) take() error {
	_, err := t.ring.Completions(t.reap)
	return err
}

// reserve makes room in the submission queue for n operations, submitting
// what is prepared when there is not.
func (t *Transport) reserve(n uint32) error {
	for t.ring.free() < n {
		_, err := t.ring.Submit()
		if errors.Is(err, ErrBusy) {
			err = t.take()
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// free returns how many operations can be prepared before the next Submit.
func (r *Ring) free() uint32 { return r.sqEntries - (r.sqeTail - atomic.LoadUint32(r.sqHead)) }

// handleReaped acts on the reaped completions, including those reaped
// while handling them.
func (t *Transport) handleReaped() {
	for i := 0; i < len(t.reaped); i++ {
		c := t.reaped[i]
		t.complete(c.userData, c.res)
	}
	t.reaped = t.reaped[:0]
}

// complete acts on one completion.
func (t *Transport) complete(u uint64, res int32) {
	slot, o := splitUserData(u)
	if o == opWake {
		t.wake.Drained()
		t.setErr(t.postWake())
		return
	}
	c := t.slots[slot]
	c.inflight--
	switch o {
	case opConnect:
		c.connecting = false
		t.connectDone(c, res)
	case opRecv:
		c.receiving = false
		t.receiveDone(c, res)
	case opWritev:
		c.writing = false
		t.writeDone(c, res)
	}
	t.releaseSlot(c)
}

// releaseSlot frees c's slot for another connection once c is closed and
// the kernel has completed all its operations.
func (t *Transport) releaseSlot(c *conn) {
	if c.state == stateClosed && c.inflight == 0 && t.slots[c.slot] == c {
		t.slots[c.slot] = nil
		t.free = append(t.free, c.slot)
	}
}

// postWake posts the read that a Wakeup completes.
func (t *Transport) postWake() error {
	if err := t.reserve(1); err != nil {
		return err
	}
	return t.ring.PrepareRead(int32(t.wake.FD()), t.wakeCount[:], uint64(opWake))
}

// setErr keeps the first ring failure for Poll to return.
func (t *Transport) setErr(err error) {
	if err != nil && t.err == nil {
		t.err = err
	}
}

// clock reads the transport's monotonic clock.
func (t *Transport) clock() time.Duration { return time.Since(t.epoch) }

// newConn returns connection id to address, resolving and without a
// socket, in a free slot.
func (t *Transport) newConn(id int64, address string) *conn {
	c := &conn{
		id:      id,
		fd:      -1,
		state:   stateResolving,
		address: address,
		frames:  stream.NewFrameReader(t.cfg.MaxFrameBytes),
	}
	if n := len(t.free); n > 0 {
		c.slot = t.free[n-1]
		t.free = t.free[:n-1]
		t.slots[c.slot] = c
	} else {
		c.slot = uint32(len(t.slots))
		t.slots = append(t.slots, c)
	}
	return c
}

// drop closes c and reports it in Disconnected for reason (a sentinel, or
// an error wrapping one) and cause (the detail, or nil).
func (t *Transport) drop(c *conn, reason, cause error) {
	t.remove(c)
	err := &ConnError{ID: c.id, Address: c.address, Reason: reason, Cause: cause}
	t.disconnected.Add(Disconnect{ID: c.id, Err: err})
}

// fail drops a ready connection whose operation failed with errno.
func (t *Transport) fail(c *conn, errno unix.Errno) {
	t.drop(c, stream.ErrnoReason(errno, false), errno)
}

// remove closes c without reporting it. Its slot stays taken until its
// operations in flight have completed.
func (t *Transport) remove(c *conn) {
	if c.cancelLookup != nil {
		c.cancelLookup()
		c.cancelLookup = nil
	}
	if c.fd >= 0 {
		t.closeSocket(c)
	}
	delete(t.conns, c.id)
	c.state = stateClosed
	t.releaseSlot(c)
}

// closeSocket ends c's operations in flight and closes its socket. What
// is prepared is submitted first: the kernel takes the socket of an
// operation when it is submitted, and after close the descriptor's number
// may name another connection's socket.
func (t *Transport) closeSocket(c *conn) {
	if c.inflight > 0 {
		if _, err := t.ring.Submit(); err != nil && !errors.Is(err, ErrBusy) {
			t.setErr(err)
		}
		// Shutting down wakes a receive and a writev at once; a connect
		// in flight needs cancelling.
		_ = unix.Shutdown(c.fd, unix.SHUT_RDWR)
		for _, o := range [...]struct {
			op     op
			flying bool
		}{{opConnect, c.connecting}, {opRecv, c.receiving}, {opWritev, c.writing}} {
			if o.flying && t.reserve(1) == nil && t.ring.PrepareCancel(userData(c, o.op), userData(c, opCancel)) == nil {
				c.inflight++
			}
		}
	}
	unix.Close(c.fd)
	c.fd = -1
}

// CloseConnection closes the connection id at once, dropping its staged
// sends. It is not reported in Disconnected; an unknown id is ignored. A
// look-up under way for it is cancelled and its outcome ignored, so id may
// be used again at once.
func (t *Transport) CloseConnection(id int64) {
	if c, ok := t.conns[id]; ok {
		t.remove(c)
	}
}

// Close cancels every operation in flight and waits for the kernel to
// complete them, then closes every socket, the ring and the wake-up
// eventfd, and cancels the look-ups under way without waiting for them.
// The transport cannot be used afterwards; Wakeup becomes a no-op.
func (t *Transport) Close() error {
	if t.closed {
		return ErrClosed
	}
	t.closed = true
	err := t.ring.Close()
	for _, c := range t.conns {
		if c.cancelLookup != nil {
			c.cancelLookup()
		}
		if c.fd >= 0 {
			unix.Close(c.fd)
		}
	}
	clear(t.conns)
	clear(t.slots)
	return errors.Join(err, t.wake.Close())
}

// Connected lists the connections that completed their connect, as of the
// last Poll.
func (t *Transport) Connected() []int64 { return t.connected.View() }

// Sent lists the sends handed to the kernel in full, as of the last Poll,
// in the order they were staged on each connection.
func (t *Transport) Sent() []Completion { return t.sent.View() }

// Received lists the frames that arrived, as of the last Poll, in order per
// connection. The frames' bytes are valid until the next Poll.
func (t *Transport) Received() []Frame { return t.received.View() }

// Disconnected lists the connections that closed and why, as of the last
// Poll, including those whose host name did not resolve (ErrResolve).
// Connections closed with CloseConnection are not listed. A connection
// that fails is forgotten at once, so its id may be reused before the Poll
// that reports it: reconnect after seeing the report, not before.
func (t *Transport) Disconnected() []Disconnect { return t.disconnected.View() }

// Ready reports whether the connection id is connected and open.
func (t *Transport) Ready(id int64) bool {
	c, ok := t.conns[id]
	return ok && c.state == stateReady
}
