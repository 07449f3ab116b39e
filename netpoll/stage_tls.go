//go:build linux

package netpoll

import (
	"crypto/tls"
	"errors"
	"io"
	"unsafe"

	"golang.org/x/sys/unix"
)

// maxRecordPlaintext is the most plaintext one TLS record carries.
const maxRecordPlaintext = 16 << 10

// coalesceBelow is the size under which an iovec is copied, with its small
// neighbours, into one record rather than sealed in a record of its own:
// a request's framing is tens of bytes, and a record of its own would cost
// a record header, an authentication tag and a system call each. Larger
// iovecs (batches) are sealed from where they lie.
const coalesceBelow = 4 << 10

// sealChunk is how much of a large iovec is sealed before looking whether
// the socket took it all, which bounds the backlog to about this much.
const sealChunk = 4 * maxRecordPlaintext

// tlsStage is the TLS record layer over a connection whose handshake is
// done, driven by the selector's goroutine only. crypto/tls seals and opens
// the records; recordConn moves them to and from the socket.
//
// A send is reported complete only once every record holding its bytes is
// in the kernel: writev returns no more than the plaintext whose records
// the socket took in full. Records the socket had no room for wait in the
// recordConn's backlog, and owed says how much plaintext they cover; until
// they are out, writev encrypts nothing new.
//
// Kernel TLS (kTLS) would fit behind the same seam: after the handshake the
// stage would hand the session's keys to the socket (TLS_TX, TLS_RX) and
// become the plain stage's writev and read.
type tlsStage struct {
	conn    *tls.Conn
	records *recordConn
	owed    int
	// small gathers iovecs below coalesceBelow for one record.
	small []byte
	// drained says the last read found the socket empty, so the
	// tls.Conn holds no record epoll would not report.
	drained bool
}

func (t *tlsStage) read(_ int, p []byte) (int, error) {
	n := 0
	for n < len(p) {
		m, err := t.conn.Read(p[n:])
		n += m
		switch {
		case err == nil:
			continue
		case errors.Is(err, errWouldBlock):
			t.drained = true
			if n == 0 {
				return 0, unix.EAGAIN
			}
			return n, nil
		case err == io.EOF:
			return n, nil // the next read returns 0: the peer closed
		}
		if n > 0 {
			return n, nil // framing takes these; the next read fails
		}
		return 0, err
	}
	t.drained = false
	return n, nil
}

func (t *tlsStage) pending() bool { return !t.drained }

func (t *tlsStage) writev(_ int, iov []unix.Iovec) (int, error) {
	if len(t.records.backlog) > 0 {
		if err := t.records.flushBacklog(); err != nil {
			return 0, err
		}
		if len(t.records.backlog) > 0 {
			return 0, unix.EAGAIN
		}
		n := t.owed
		t.owed = 0
		return n, nil
	}
	sealed, gathered := 0, 0
	for _, v := range iov {
		b := unsafe.Slice(v.Base, int(v.Len))
		if len(b) < coalesceBelow {
			if len(t.small)+len(b) > maxRecordPlaintext {
				if err := t.sealSmall(); err != nil {
					return 0, err
				}
				sealed, gathered = sealed+gathered, 0
				if len(t.records.backlog) > 0 {
					return t.owe(sealed)
				}
			}
			t.small = append(t.small, b...)
			gathered += len(b)
			continue
		}
		if err := t.sealSmall(); err != nil {
			return 0, err
		}
		sealed, gathered = sealed+gathered, 0
		if len(t.records.backlog) > 0 {
			return t.owe(sealed)
		}
		for len(b) > 0 {
			chunk := b[:min(len(b), sealChunk)]
			if _, err := t.conn.Write(chunk); err != nil {
				return 0, err
			}
			sealed += len(chunk)
			b = b[len(chunk):]
			if len(t.records.backlog) > 0 {
				return t.owe(sealed)
			}
		}
	}
	if err := t.sealSmall(); err != nil {
		return 0, err
	}
	sealed += gathered
	if len(t.records.backlog) > 0 {
		return t.owe(sealed)
	}
	return sealed, nil
}

// sealSmall writes the gathered small iovecs as one record.
func (t *tlsStage) sealSmall() error {
	if len(t.small) == 0 {
		return nil
	}
	_, err := t.conn.Write(t.small)
	t.small = t.small[:0]
	return err
}

// owe records that sealed bytes of plaintext are encrypted but not all in
// the kernel yet: writev reports them once the backlog is out.
func (t *tlsStage) owe(sealed int) (int, error) {
	t.owed = sealed
	return 0, unix.EAGAIN
}
