//go:build linux

package stream

import "golang.org/x/sys/unix"

// IovMax is Linux's limit on iovecs per writev (UIO_MAXIOV); longer lists
// go out in several calls.
const IovMax = 1024

// stagedSend is one request: its iovecs, untouched by the caller until the
// send completes, and the caller's token for it.
type stagedSend struct {
	iovecs [][]byte
	token  uint64
}

// SendQueue holds a connection's staged sends in order, and how far the
// first of them has been written.
type SendQueue struct {
	sends []stagedSend
	head  int // sends[head:] are not yet complete
	iov   int // index in sends[head].iovecs of the next byte to write
	off   int // offset of that byte in its iovec
}

// Empty reports whether every staged send is complete.
func (q *SendQueue) Empty() bool { return q.head == len(q.sends) }

// Partial reports whether the write position is past the start of the
// first unfinished send: a write came back short inside it (or it begins
// with empty iovecs, which are skipped).
func (q *SendQueue) Partial() bool { return !q.Empty() && (q.iov > 0 || q.off > 0) }

// Push stages a send after those already queued, reusing the room of
// completed ones.
func (q *SendQueue) Push(iovecs [][]byte, token uint64) {
	if q.head > 0 && len(q.sends) == cap(q.sends) {
		n := copy(q.sends, q.sends[q.head:])
		clear(q.sends[n:])
		q.sends = q.sends[:n]
		q.head = 0
	}
	q.sends = append(q.sends, stagedSend{iovecs: iovecs, token: token})
}

// Gather appends the bytes still to write, in order and across sends, to
// iov until it is full (its capacity is the limit); it returns iov and how
// many bytes it covers.
func (q *SendQueue) Gather(iov []unix.Iovec) ([]unix.Iovec, int) {
	total := 0
	off := q.off
	for i, first := q.head, q.iov; i < len(q.sends); i, first = i+1, 0 {
		for _, b := range q.sends[i].iovecs[first:] {
			b, off = b[off:], 0
			if len(b) == 0 {
				continue
			}
			if len(iov) == cap(iov) {
				return iov, total
			}
			v := unix.Iovec{Base: &b[0]}
			v.SetLen(len(b))
			iov = append(iov, v)
			total += len(b)
		}
	}
	return iov, total
}

// Advance records that the kernel took n more bytes and adds a Completion
// for connection id to done for each send now handed over in full, in
// order.
func (q *SendQueue) Advance(n int, id int64, done *Results[Completion]) {
	for {
		q.Settle(id, done)
		if n == 0 || q.Empty() {
			return
		}
		step := min(n, len(q.sends[q.head].iovecs[q.iov])-q.off)
		q.off += step
		n -= step
	}
}

// Settle moves the position past exhausted and empty iovecs and completes
// the sends that have nothing left to write.
func (q *SendQueue) Settle(id int64, done *Results[Completion]) {
	for q.head < len(q.sends) {
		s := &q.sends[q.head]
		for q.iov < len(s.iovecs) && q.off == len(s.iovecs[q.iov]) {
			q.iov++
			q.off = 0
		}
		if q.iov < len(s.iovecs) {
			return
		}
		done.Add(Completion{ID: id, Token: s.token})
		*s = stagedSend{}
		q.head++
		q.iov = 0
	}
	q.sends = q.sends[:0]
	q.head = 0
}
