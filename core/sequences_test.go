package core

import (
	"fmt"
	"testing"

	"github.com/perfproducer/perfproducer/core/wire"
)

func TestSequenceDistanceWraps(t *testing.T) {
	const top = 1<<31 - 1
	cases := []struct{ a, b, want int32 }{
		{0, 5, 5},
		{5, 0, -5},
		{top - 2, 3, 6}, // 2^31-3 → 3 wraps through 0
		{3, top - 2, -6},
		{100, 100, 0},
	}
	for _, tc := range cases {
		if got := sequenceDistance(tc.a, tc.b); got != tc.want {
			t.Errorf("sequenceDistance(%d, %d) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
	}
	if got := wrapSequence(top-2, 6); got != 3 {
		t.Errorf("wrapSequence(2^31-3, 6) = %d, want 3", got)
	}
	if got := wrapSequence(2, -6); got != top-3 {
		t.Errorf("wrapSequence(2, -6) = %d, want 2^31-4", got)
	}
}

// sequenceBench is a sender with no network, an idempotent producer id, and
// partitions whose batches the tests place by hand: in flight on node 0, or
// waiting in the queue.
type sequenceBench struct {
	s     *sender
	parts []*partition
}

func newSequenceBench(t *testing.T, partitions int) *sequenceBench {
	s := newBareSender(t, DefaultConfig())
	s.conns[0] = &brokerConn{node: 0, state: connReady}
	s.idem.current = producerSession{id: 7, epoch: 0, generation: 1}
	st := &topicState{name: "t"}
	sb := &sequenceBench{s: s}
	for i := range partitions {
		sb.parts = append(sb.parts, newPartition(st, int32(i)))
	}
	return sb
}

// seal makes a sealed batch of n records for partition i, numbered like
// the sender numbers it.
func (sb *sequenceBench) seal(i int, n int32) *batch {
	b := &batch{part: sb.parts[i], sequence: -1, recordCount: n}
	sb.s.idem.assignSequence(b)
	b.wireBytes = make([]byte, wire.BatchHeaderSize)
	return b
}

// inFlight puts batches in one request on node 0.
func (sb *sequenceBench) inFlight(bs ...*batch) {
	r := &request{key: wire.APIKeyProduce, batches: bs}
	c := sb.s.conns[0]
	c.inFlight = append(c.inFlight, r)
	for _, b := range bs {
		b.part.inFlight++
		b.part.inFlightNode = 0
		b.attempts++
	}
}

// land takes b out of flight, as its answer does.
func (sb *sequenceBench) land(b *batch) {
	b.part.inFlight--
	c := sb.s.conns[0]
	for _, r := range c.inFlight {
		for j, x := range r.batches {
			if x == b {
				r.batches = append(r.batches[:j], r.batches[j+1:]...)
				return
			}
		}
	}
}

func TestOutOfOrderSequenceVerdicts(t *testing.T) {
	oooSN := fmt.Errorf("attempt failed: %w", wire.ErrOutOfOrderSequenceNumber)
	cases := []struct {
		name string
		// setup returns the batch whose attempt failed with OOOSN, after
		// placing the partition's other batches.
		setup       func(sb *sequenceBench) *batch
		want        sequenceVerdict
		wantRestart bool
	}{{
		name: "behind an unacknowledged batch: retried, no restart",
		setup: func(sb *sequenceBench) *batch {
			a, b := sb.seal(0, 10), sb.seal(0, 10)
			sb.inFlight(a)
			sb.inFlight(b)
			sb.land(b)
			return b
		},
		want: verdictRetry,
	}, {
		name: "the sequence the broker should expect: the partition restarts",
		setup: func(sb *sequenceBench) *batch {
			a := sb.seal(0, 10)
			sb.inFlight(a)
			sb.land(a)
			return a
		},
		want: verdictRetry, wantRestart: true,
	}, {
		name: "acknowledged past since: proven written",
		setup: func(sb *sequenceBench) *batch {
			a, b := sb.seal(0, 10), sb.seal(0, 10)
			sb.s.idem.onAcked(b) // the broker took b, which follows a
			a.maybeWritten = true
			return a
		},
		want: verdictWritten,
	}, {
		name: "resequenced in flight: the error is expected, retried",
		setup: func(sb *sequenceBench) *batch {
			a := sb.seal(0, 10)
			a.resequenced = true
			return a
		},
		want: verdictRetry,
	}, {
		name: "right after a batch of unknown fate: the gap is real, restart",
		setup: func(sb *sequenceBench) *batch {
			a, b := sb.seal(0, 10), sb.seal(0, 10)
			a.maybeWritten = true
			sb.s.idem.onFailed(sb.s, a)
			return b
		},
		want: verdictRetry, wantRestart: true,
	}}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			sb := newSequenceBench(t, 2)
			other := sb.seal(1, 5)
			b := tc.setup(sb)
			if got := sb.s.idem.onError(sb.s, b, oooSN); got != tc.want {
				t.Fatalf("verdict %d, want %d", got, tc.want)
			}
			if got := sb.parts[0].seq.restart; got != tc.wantRestart {
				t.Fatalf("restart requested = %v, want %v", got, tc.wantRestart)
			}
			if tc.wantRestart != sb.s.idem.wantSession {
				t.Fatalf("a new producer id wanted = %v, want %v", sb.s.idem.wantSession, tc.wantRestart)
			}
			if sb.parts[1].seq.restart || other.sequence != 0 {
				t.Fatalf("the other partition was touched: restart %v, sequence %d", sb.parts[1].seq.restart, other.sequence)
			}
			if tc.want == verdictRetry && b.maybeWritten {
				t.Fatal("OUT_OF_ORDER_SEQUENCE_NUMBER proves the batch unwritten, yet it is still marked maybe written")
			}
		})
	}
}

func TestRejectedBatchLowersLaterSequences(t *testing.T) {
	sb := newSequenceBench(t, 2)
	s := sb.s
	p := sb.parts[0]
	acked, rejected, flying, waiting := sb.seal(0, 3), sb.seal(0, 10), sb.seal(0, 4), sb.seal(0, 5)
	other := sb.seal(1, 8)
	s.idem.onAcked(acked)
	sb.inFlight(rejected, other)
	sb.inFlight(flying)
	p.queue = append(p.queue, waiting)
	flying.maybeWritten = true // an ambiguous earlier attempt: continuity proves it unwritten now

	sb.land(rejected)
	s.idem.onFailed(s, rejected)

	if flying.sequence != 3 || !flying.resequenced || !flying.stale || flying.maybeWritten {
		t.Fatalf("batch in flight: sequence %d resequenced %v stale %v maybeWritten %v; want 3, true, true, false",
			flying.sequence, flying.resequenced, flying.stale, flying.maybeWritten)
	}
	if waiting.sequence != 7 || waiting.resequenced || !waiting.stale || waiting.header.BaseSequence != 7 {
		t.Fatalf("waiting batch: sequence %d (header %d) resequenced %v stale %v; want 7, 7, false, true",
			waiting.sequence, waiting.header.BaseSequence, waiting.resequenced, waiting.stale)
	}
	if p.seq.next != 12 || p.seq.acked != 3 || p.seq.restart || s.idem.wantSession {
		t.Fatalf("partition: next %d acked %d restart %v; want 12, 3, no restart and no new producer id", p.seq.next, p.seq.acked, p.seq.restart)
	}
	if other.sequence != 0 || other.stale || sb.parts[1].seq.next != 8 {
		t.Fatalf("the other partition was renumbered: sequence %d stale %v next %d", other.sequence, other.stale, sb.parts[1].seq.next)
	}
}

func TestBatchOfUnknownFateLeavesSequencesAlone(t *testing.T) {
	sb := newSequenceBench(t, 1)
	s := sb.s
	p := sb.parts[0]
	lost, next := sb.seal(0, 10), sb.seal(0, 10)
	lost.maybeWritten = true
	p.queue = append(p.queue, next)
	s.idem.onFailed(s, lost)
	if next.sequence != 10 || next.stale || !p.seq.unresolved || p.seq.unresolvedEnd != 10 {
		t.Fatalf("next %d stale %v, unresolved %v at %d; want the numbers kept and the partition unresolved at 10",
			next.sequence, next.stale, p.seq.unresolved, p.seq.unresolvedEnd)
	}
	// An acknowledgement of the next batch proves the lost one written.
	s.idem.onAcked(next)
	if p.seq.unresolved {
		t.Fatal("an acknowledgement past the batch of unknown fate did not resolve it")
	}
}

func TestRestartRenumbersOnlyItsPartition(t *testing.T) {
	sb := newSequenceBench(t, 2)
	s := sb.s
	p, q := sb.parts[0], sb.parts[1]
	for range 3 {
		sb.seal(0, 10)
	}
	mine, theirs := sb.seal(0, 10), sb.seal(1, 10)
	p.queue = append(p.queue, mine)
	s.idem.requestRestart(s, &p.seq)
	if s.idem.sendable(s, p, mine, 0) {
		t.Fatal("the partition sent before a new producer id came")
	}
	s.idem.current = producerSession{id: 8, epoch: 0, generation: 2}
	s.idem.wantSession = false
	if !s.idem.sendable(s, p, mine, 0) {
		t.Fatal("the partition did not restart once a new producer id came")
	}
	if mine.sequence != 0 || mine.header.ProducerID != 8 || !mine.stale || p.seq.next != 10 {
		t.Fatalf("restarted batch: sequence %d producer %d stale %v, partition next %d; want 0, 8, true, 10",
			mine.sequence, mine.header.ProducerID, mine.stale, p.seq.next)
	}
	if theirs.sequence != 0 || theirs.header.ProducerID != 7 || q.seq.session.id != 7 || q.seq.next != 10 {
		t.Fatalf("other partition: sequence %d producer %d session %d next %d; want it untouched (0, 7, 7, 10)",
			theirs.sequence, theirs.header.ProducerID, q.seq.session.id, q.seq.next)
	}
	if got := s.p.stats.sequenceRestarts.Load(); got != 1 {
		t.Fatalf("%d restarts counted, want 1", got)
	}
}

func TestRestartRetriesBatchesThatMayBeWrittenFirst(t *testing.T) {
	sb := newSequenceBench(t, 1)
	s := sb.s
	p := sb.parts[0]
	maybe, fresh := sb.seal(0, 10), sb.seal(0, 10)
	maybe.maybeWritten = true
	p.queue = append(p.queue, maybe, fresh)
	s.idem.requestRestart(s, &p.seq)
	s.idem.current = producerSession{id: 8, epoch: 0, generation: 2}
	if !s.idem.sendable(s, p, maybe, 0) {
		t.Fatal("a batch that may have been written must be retried under its numbers before a restart")
	}
	if maybe.sequence != 0 || maybe.header.ProducerID != 7 || !p.seq.restart {
		t.Fatalf("the batch that may have been written was renumbered: sequence %d producer %d", maybe.sequence, maybe.header.ProducerID)
	}
}

// TestRenumberedPartitionWaitsOutLostCopies: once a partition renumbers a
// batch that has a copy on a lost connection, it sends nothing until
// request.timeout.ms has passed since it lost that connection, so no copy
// under the old number can land after (or besides) the renumbered batch. A
// partition whose renumbered batches left no such copy waits for nothing.
func TestRenumberedPartitionWaitsOutLostCopies(t *testing.T) {
	for _, lost := range []bool{false, true} {
		t.Run(map[bool]string{false: "no lost copy", true: "a lost copy"}[lost], func(t *testing.T) {
			sb := newSequenceBench(t, 1)
			s := sb.s
			p := sb.parts[0]
			rejected, next := sb.seal(0, 10), sb.seal(0, 10)
			p.queue = append(p.queue, next)
			const lostUntil = int64(5e9)
			p.staleUntil = lostUntil
			next.lostCopy = lost
			s.idem.onFailed(s, rejected) // unwritten: next takes its numbers
			if next.sequence != 0 || p.seq.renumbered != lost {
				t.Fatalf("next has sequence %d, renumbered %v; want 0 and %v", next.sequence, p.seq.renumbered, lost)
			}
			if got := s.idem.sendable(s, p, next, lostUntil-1); got == lost {
				t.Fatalf("sendable before the lost copies are settled = %v, want %v", got, !lost)
			}
			if !s.idem.sendable(s, p, next, lostUntil) || p.seq.renumbered || next.lostCopy {
				t.Fatalf("the partition still waits (renumbered %v, lost copy %v) once the lost copies are settled", p.seq.renumbered, next.lostCopy)
			}
		})
	}
}

// TestRestartWaitsOutLostCopies: a partition with a copy of a batch on a
// lost connection restarts under a new producer id only once that copy can
// no longer land under the old one.
func TestRestartWaitsOutLostCopies(t *testing.T) {
	sb := newSequenceBench(t, 1)
	s := sb.s
	p := sb.parts[0]
	lost := sb.seal(0, 10)
	lost.lostCopy = true
	p.queue = append(p.queue, lost)
	const lostUntil = int64(5e9)
	p.staleUntil = lostUntil
	s.idem.requestRestart(s, &p.seq)
	s.idem.current = producerSession{id: 8, epoch: 0, generation: 2}
	if s.idem.sendable(s, p, lost, lostUntil-1) || lost.header.ProducerID != 7 {
		t.Fatal("the partition restarted while a copy under its old producer id could still land")
	}
	if !s.idem.sendable(s, p, lost, lostUntil) || lost.header.ProducerID != 8 || lost.sequence != 0 {
		t.Fatalf("no restart once the lost copy is settled: producer %d, sequence %d", lost.header.ProducerID, lost.sequence)
	}
}
