//go:build linux

package netpoll

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream"
	"golang.org/x/sys/unix"
)

// Selector drives many non-blocking connections from one goroutine over one
// epoll instance. See the package documentation for its threading contract.
type Selector struct {
	cfg    stream.Settings
	tls    *tls.Config // nil for plain TCP
	poller *epoll
	wake   *stream.Wakeup

	conns map[ID]*conn
	byFD  []*conn // indexed by file descriptor

	iov []unix.Iovec // scratch for writev, capacity stream.IovMax

	// lookups runs host-name look-ups and brings them back from their
	// goroutines.
	lookups *stream.Lookups[*conn]

	// handshakes brings TLS handshakes back from their goroutines, as
	// lookups does look-ups.
	handshakes stream.Handoff[handshake]

	// rereads lists the connections whose stage may hold decrypted bytes
	// that framing had no room for: the socket may be drained, so epoll
	// will not report them, and the next Poll reads them without waiting.
	rereads      []*conn
	rereadsTaken []*conn

	// epoch is the origin of the selector's monotonic clock; now is the
	// clock's reading for the work under way.
	epoch time.Time
	now   time.Duration
	// nextDeadline is no later than the earliest connection deadline;
	// zero when no connection has one.
	nextDeadline time.Duration

	// polls counts calls to Poll; a connection's frames are released at
	// its first read of each Poll.
	polls uint64

	connected    stream.Results[ID]
	sent         stream.Results[Completion]
	received     stream.Results[Frame]
	disconnected stream.Results[Disconnect]

	closed bool
}

// New creates a Selector with cfg's settings (zero fields take Kafka's
// defaults). Close releases its descriptors.
func New(cfg Config) (*Selector, error) {
	settings, err := cfg.settings()
	if err != nil {
		return nil, err
	}
	poller, err := newEpoll()
	if err != nil {
		return nil, err
	}
	wake, err := stream.NewWakeup(false)
	if err != nil {
		poller.close()
		return nil, fmt.Errorf("netpoll: eventfd: %w", err)
	}
	if err := poller.add(wake.FD(), unix.EPOLLIN); err != nil {
		wake.Close()
		poller.close()
		return nil, fmt.Errorf("netpoll: epoll_ctl add eventfd: %w", err)
	}
	return &Selector{
		cfg:     settings,
		tls:     cfg.TLS,
		poller:  poller,
		wake:    wake,
		lookups: stream.NewLookups[*conn](settings.Resolver, settings.ConnectionSetupTimeout, wake),
		conns:   make(map[ID]*conn),
		iov:     make([]unix.Iovec, 0, stream.IovMax),
		epoch:   time.Now(),
	}, nil
}

// Wakeup makes a Poll blocked in another goroutine return, or the next Poll
// return at once. It is the only method safe to call from any goroutine, and
// it does nothing once the selector is closed.
func (s *Selector) Wakeup() { s.wake.Signal() }

// Poll waits for socket events at most timeout (negative: until there is
// one) and then does all the I/O they allow: finishes connects, writes staged
// bytes, reads frames, closes idle or timed-out connections. A host-name
// look-up that finishes ends the wait too, and Poll starts its connect. The
// wait is shortened so reaping happens on time, and skipped when outcomes
// from Connect or Send are waiting to be reported. It may return early, with
// nothing to report.
//
// Afterwards Connected, Sent, Received and Disconnected report what happened
// since the previous Poll; the frames of the previous Poll are no longer
// valid.
func (s *Selector) Poll(timeout time.Duration) error {
	if s.closed {
		return ErrClosed
	}
	s.connected.Forget()
	s.sent.Forget()
	s.received.Forget()
	s.disconnected.Forget()
	s.polls++

	if s.reportsWaiting() || len(s.rereads) > 0 {
		timeout = 0
	}
	events, err := s.wait(timeout)
	if err != nil {
		return err
	}
	s.now = s.clock()
	for _, ev := range events {
		fd := int(ev.Fd)
		if fd == s.wake.FD() {
			s.wake.Drain()
			continue
		}
		if c := s.byFD[fd]; c != nil {
			s.handle(c, ev.Events)
		}
	}
	// After the wakeup is drained: a look-up or handshake that finishes
	// later signals again.
	s.finishLookups()
	s.finishHandshakes()
	s.receiveRereads()
	s.expire()

	s.connected.Publish()
	s.sent.Publish()
	s.received.Publish()
	s.disconnected.Publish()
	return nil
}

func (s *Selector) reportsWaiting() bool {
	return s.connected.Len()+s.sent.Len()+s.disconnected.Len() > 0
}

// wait returns the ready events, waiting for them at most timeout (negative:
// no limit) and no later than the next connection deadline.
func (s *Selector) wait(timeout time.Duration) ([]unix.EpollEvent, error) {
	if timeout == 0 {
		return s.poller.wait(false, time.Time{})
	}
	until := time.Duration(-1)
	if timeout > 0 {
		until = s.clock() + timeout
	}
	if s.nextDeadline > 0 && (until < 0 || s.nextDeadline < until) {
		until = s.nextDeadline
	}
	var deadline time.Time
	if until >= 0 {
		deadline = s.epoch.Add(until)
	}
	return s.poller.wait(true, deadline)
}

// handle does the I/O one connection's events allow.
func (s *Selector) handle(c *conn, events uint32) {
	if c.state == stateConnecting {
		s.finishConnect(c)
		return
	}
	if events&(unix.EPOLLIN|unix.EPOLLHUP|unix.EPOLLERR) != 0 {
		s.receive(c)
	}
	if events&unix.EPOLLOUT != 0 && c.fd >= 0 {
		s.flush(c)
	}
	if events&unix.EPOLLERR != 0 && c.fd >= 0 {
		// Reading and writing did not surface the error; ask for it so
		// a level-triggered EPOLLERR cannot repeat forever.
		if err := socketError(c.fd); err != nil {
			s.fail(c, err)
		}
	}
}

// clock reads the selector's monotonic clock.
func (s *Selector) clock() time.Duration { return time.Since(s.epoch) }

// attach makes fd c's socket, waiting for its connect to complete.
func (s *Selector) attach(c *conn, fd int) {
	c.fd = fd
	c.state = stateConnecting
	c.interest = unix.EPOLLOUT
	if fd >= len(s.byFD) {
		s.byFD = append(s.byFD, make([]*conn, fd+1-len(s.byFD))...)
	}
	s.byFD[fd] = c
	c.deadline = 0
	if t := s.cfg.ConnectionSetupTimeout; t > 0 {
		s.setDeadline(c, s.now+t)
	}
}

// detach closes c's socket; c may be attached to another one.
func (s *Selector) detach(c *conn) {
	s.byFD[c.fd] = nil
	unix.Close(c.fd)
	c.fd = -1
}

// drop closes c and reports it in Disconnected for reason (a sentinel, or
// an error wrapping one) and cause (the detail, or nil).
func (s *Selector) drop(c *conn, reason, cause error) {
	s.remove(c)
	err := &ConnError{ID: c.id, Address: c.address, Reason: reason, Cause: cause}
	s.disconnected.Add(Disconnect{ID: c.id, Err: err})
}

// fail drops a ready connection on which a socket call returned err.
func (s *Selector) fail(c *conn, err error) { s.drop(c, stream.ReasonOf(err, false), err) }

// remove closes c without reporting it, cancelling its look-up if it is
// resolving.
func (s *Selector) remove(c *conn) {
	if c.cancelLookup != nil {
		c.cancelLookup()
		c.cancelLookup = nil
	}
	if c.cancelHandshake != nil {
		c.cancelHandshake()
		c.cancelHandshake = nil
	}
	if c.fd >= 0 {
		s.detach(c)
	}
	delete(s.conns, c.id)
}

// CloseConnection closes the connection id at once, dropping its staged
// sends. It is not reported in Disconnected; an unknown id is ignored. A
// look-up under way for it is cancelled and its outcome ignored, so id may
// be used again at once.
func (s *Selector) CloseConnection(id ID) {
	if c, ok := s.conns[id]; ok {
		s.remove(c)
	}
}

// Close closes every connection, the epoll instance and the wakeup eventfd,
// and cancels the look-ups under way without waiting for them. The selector
// cannot be used afterwards; Wakeup becomes a no-op.
func (s *Selector) Close() error {
	if s.closed {
		return ErrClosed
	}
	s.closed = true
	for _, c := range s.conns {
		s.remove(c)
	}
	return errors.Join(s.wake.Close(), s.poller.close())
}

// Connected lists the connections that completed their connect, as of the
// last Poll.
func (s *Selector) Connected() []ID { return s.connected.View() }

// Sent lists the sends handed to the kernel in full, as of the last Poll, in
// the order they were staged on each connection.
func (s *Selector) Sent() []Completion { return s.sent.View() }

// Received lists the frames that arrived, as of the last Poll, in order per
// connection. The frames' bytes are valid until the next Poll.
func (s *Selector) Received() []Frame { return s.received.View() }

// Disconnected lists the connections that closed and why, as of the last
// Poll, including those whose host name did not resolve (ErrResolve).
// Connections closed with CloseConnection are not listed. A connection
// that fails is forgotten at once, so its id may be reused before the Poll
// that reports it: reconnect after seeing the report, not before.
func (s *Selector) Disconnected() []Disconnect { return s.disconnected.View() }

// Ready reports whether the connection id is connected and open.
func (s *Selector) Ready(id ID) bool {
	c, ok := s.conns[id]
	return ok && c.state == stateReady
}
