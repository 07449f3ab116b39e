//go:build linux

package netpoll

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// handshake is the outcome of one TLS handshake, for the connection that
// ran it. The handshake's goroutine carries conn only to name it.
type handshake struct {
	conn    *conn
	tls     *tls.Conn
	records *recordConn
	err     error
}

// startHandshake runs c's TLS handshake in a goroutine of its own.
//
// crypto/tls cannot be stepped one message at a time: a handshake blocks in
// reads and writes until it is done. So the socket leaves the epoll set and
// the handshake runs on a duplicate of it, a net.Conn that Go's runtime
// poller blocks on, bounded by the connection setup timeout. When it ends
// the duplicate is closed and the selector's goroutine takes the socket
// back (finishHandshakes): every byte of data, after the handshake, is read
// and written there, so a slow handshake holds up no other connection and
// data keeps a single I/O goroutine.
func (s *Selector) startHandshake(c *conn) {
	if err := s.poller.remove(c.fd); err != nil {
		s.drop(c, ErrSocket, fmt.Errorf("epoll_ctl del: %w", err))
		return
	}
	c.interest = 0
	c.state = stateHandshaking
	c.deadline = 0 // the handshake's context bounds it
	dup, err := duplicate(c.fd, c.address)
	if err != nil {
		s.drop(c, ErrTLSHandshake, err)
		return
	}
	records := &recordConn{handshake: dup, fd: c.fd}
	client := tls.Client(records, s.tlsConfig(c.address))
	var ctx context.Context
	var cancel context.CancelFunc
	if t := s.cfg.ConnectionSetupTimeout; t > 0 {
		ctx, cancel = context.WithTimeoutCause(context.Background(), t,
			fmt.Errorf("no handshake within the connection setup timeout (%v): %w", t, context.DeadlineExceeded))
	} else {
		ctx, cancel = context.WithCancel(context.Background())
	}
	c.cancelHandshake = cancel
	queue, wake := &s.handshakes, s.wake
	go func() {
		defer cancel()
		err := client.HandshakeContext(ctx)
		if cause := context.Cause(ctx); err != nil && cause != nil {
			err = fmt.Errorf("%w: %w", cause, err)
		}
		dup.Close()
		queue.Put(handshake{conn: c, tls: client, records: records, err: err})
		wake.Signal()
	}()
}

// tlsConfig is the configuration of one connection to address: the
// selector's, with the address's host as ServerName unless one is set, and
// full-size records from the start (a producer sends bulk data, for which
// the small first records of dynamic record sizing only cost).
func (s *Selector) tlsConfig(address string) *tls.Config {
	cfg := s.tls.Clone()
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(address); err == nil {
			cfg.ServerName = host
		}
	}
	cfg.DynamicRecordSizingDisabled = true
	return cfg
}

// duplicate returns a blocking net.Conn on a duplicate of fd.
func duplicate(fd int, name string) (net.Conn, error) {
	dup, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("dup: %w", err)
	}
	f := os.NewFile(uintptr(dup), name)
	defer f.Close()
	nc, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("a net.Conn for the handshake: %w", err)
	}
	return nc, nil
}

// finishHandshakes makes the connections whose handshake succeeded ready
// and reports those whose handshake failed. The outcome of a handshake for
// a connection closed meanwhile is dropped, even when its id is in use
// again.
func (s *Selector) finishHandshakes() {
	done := s.handshakes.Take()
	if done == nil {
		return
	}
	for _, h := range done {
		c := h.conn
		if s.conns[c.id] != c || c.state != stateHandshaking {
			continue
		}
		c.cancelHandshake = nil
		if h.err != nil {
			s.drop(c, ErrTLSHandshake, h.err)
			continue
		}
		h.records.handshake = nil
		if err := s.poller.add(c.fd, unix.EPOLLIN); err != nil {
			s.drop(c, ErrSocket, fmt.Errorf("epoll_ctl add: %w", err))
			continue
		}
		c.interest = unix.EPOLLIN
		c.stage = &tlsStage{conn: h.tls, records: h.records}
		s.ready(c)
	}
	s.handshakes.Recycle(done)
}
