package core

import (
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"
)

// runCallbacks tells each of b's first n records its outcome, in offset
// order. A Callback that panics cannot break the producer (Java's
// ProducerBatch catches and logs what a callback throws): the panic is
// logged, the record counts as completed like any other, and the batch's
// later records still get their callbacks.
func (s *sender) runCallbacks(b *batch, n int, baseOffset, logAppendTime int64, err error) {
	s.p.senderG.inCallbacks.Store(true)
	defer s.p.senderG.inCallbacks.Store(false)
	for i := 0; i < n; {
		i = s.callbacksFrom(b, i, n, baseOffset, logAppendTime, err)
	}
}

// callbacksFrom runs the callbacks of records i to n-1 and returns n or,
// when one panics, the index of the record after it. One deferred recover
// covers the whole run: one per record would cost on every record sent.
func (s *sender) callbacksFrom(b *batch, i, n int, baseOffset, logAppendTime int64, err error) (next int) {
	md := RecordMetadata{Topic: b.part.topic.name, Partition: b.part.index, Offset: -1,
		CompletionTime: s.clock.at(s.nowNanos)}
	defer func() {
		if v := recover(); v != nil {
			s.log.Error("a producer Callback panicked; the record counts as completed and the producer carries on",
				"topic", md.Topic, "partition", md.Partition, "offset", md.Offset, "opaque", md.Opaque,
				"panic", v, "stack", string(debug.Stack()))
			next = i + 1
		}
	}()
	for ; i < n; i++ {
		c := b.completions.at(i)
		md.Opaque = c.opaque
		md.Offset = -1
		if err == nil && baseOffset >= 0 {
			md.Offset = baseOffset + int64(i)
		}
		ts := b.baseTimestamp + c.timestampDelta
		if logAppendTime >= 0 {
			ts = logAppendTime
		}
		md.Timestamp = time.UnixMilli(ts)
		md.SendTime = s.clock.at(c.appendNanos)
		if c.cb != nil {
			c.cb(md, err)
		}
	}
	return n
}

// senderGoroutine remembers which goroutine is the sender, the one that
// runs callbacks, so that calls which wait for the sender can refuse to run
// on it instead of deadlocking (Java compares Thread.currentThread() with
// its ioThread).
type senderGoroutine struct {
	id atomic.Uint64
	// inCallbacks is set while the sender runs callbacks, the only user
	// code it runs: when it is clear, no caller can be the sender, and
	// running answers without walking the stack.
	inCallbacks atomic.Bool
}

// set records the calling goroutine as the sender; the sender calls it
// before it runs anything else.
func (g *senderGoroutine) set() { g.id.Store(goroutineID()) }

// running reports whether the caller is the sender goroutine, that is, a
// Callback. While callbacks run it costs a stack walk: only calls about to
// block ask.
func (g *senderGoroutine) running() bool {
	if !g.inCallbacks.Load() {
		return false
	}
	id := g.id.Load()
	return id != 0 && goroutineID() == id
}

// goroutineID is the calling goroutine's id, read from the first line of
// its stack trace ("goroutine 42 [running]:"): Go has no public accessor.
// It returns 0, which no goroutine has, if the line is not in that form.
func goroutineID() uint64 {
	var buf [64]byte
	line := buf[:runtime.Stack(buf[:], false)]
	const prefix = "goroutine "
	if len(line) <= len(prefix) || string(line[:len(prefix)]) != prefix {
		return 0
	}
	var id uint64
	for _, c := range line[len(prefix):] {
		if c < '0' || c > '9' {
			if c != ' ' {
				return 0
			}
			return id
		}
		id = id*10 + uint64(c-'0')
	}
	return 0
}
