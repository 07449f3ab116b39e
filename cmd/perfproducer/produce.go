package main

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/perf"
)

// sender is the part of core.Producer the produce loop uses; the
// benchmark of the tool's own cost passes one that sends nothing.
type sender interface {
	Send(ctx context.Context, r *core.Record, cb core.Callback) error
}

// A record's Opaque carries its index (for its intended send time) above
// its value's size (for the byte counts), so the callback needs neither a
// closure per record nor a lookup. The split bounds a run to 2^40 records
// and a value to 16 MiB - 1 (Kafka's default limit on a whole request is
// 1 MiB).
const (
	opaqueSizeBits = 24
	maxValueSize   = 1<<opaqueSizeBits - 1
	maxRecords     = 1 << (64 - opaqueSizeBits)
)

func packOpaque(i int64, size int) uint64 { return uint64(i)<<opaqueSizeBits | uint64(size) }
func opaqueIndex(opaque uint64) int64     { return int64(opaque >> opaqueSizeBits) }
func opaqueSize(opaque uint64) int        { return int(opaque & maxValueSize) }

// outcomes gathers how records ended; it is safe for concurrent use.
type outcomes struct {
	failed   atomic.Int64
	errOnce  sync.Once
	firstErr error
	errors   errorKinds
	// sent counts the records handed to Send, once the loop is over.
	sent int64
}

func (o *outcomes) fail(err error) {
	o.failed.Add(1)
	o.errOnce.Do(func() { o.firstErr = err })
	o.errors.count(err)
}

// result is read once every callback has run.
func (o *outcomes) result() result {
	return result{sent: o.sent, failed: o.failed.Load(), firstErr: o.firstErr}
}

// produceRecords sends the run's records through p, --num-records of them
// or as many as --warmup plus --duration from start allow, at --throughput
// from start, with --producers goroutines each taking every n-th record
// and 1/n of the rate. It feeds every outcome to stats, and returns once the
// last Send returned (outcomes still arrive until p is flushed or closed).
func produceRecords(ctx context.Context, o *options, p sender, pl *payloads, stats *perf.Stats, start time.Time) *outcomes {
	res := new(outcomes)
	l := loop{
		sendCtx: ctx, ctx: ctx, p: p, topic: o.topic, res: res,
		sched: perf.NewSchedule(o.throughput, start), step: int64(max(o.producers, 1)), limit: o.numRecords,
	}
	// The one Callback of every record. It reads no clock: the producer
	// stamps when it appended the record and when it settled the batch
	// from clock reads it makes anyway, and a paced record's intended send
	// time is the schedule's arithmetic on its index. (Closures here, not
	// method values: those copy the metadata once more per record.)
	fail := func(err error) {
		res.fail(err)
		stats.RecordFailure()
	}
	sched := l.sched
	l.cb = func(md core.RecordMetadata, err error) {
		if err != nil {
			fail(err)
			return
		}
		stats.Record(md.Latency(), opaqueSize(md.Opaque), md.CompletionTime)
	}
	if sched.Paced() {
		l.cb = func(md core.RecordMetadata, err error) {
			if err != nil {
				fail(err)
				return
			}
			intended := sched.Due(opaqueIndex(md.Opaque))
			stats.RecordCorrected(md.CompletionTime.Sub(intended), md.Latency(), opaqueSize(md.Opaque), md.CompletionTime)
		}
	}
	if o.duration > 0 {
		var cancel context.CancelFunc
		l.ctx, cancel = context.WithDeadline(ctx, start.Add(o.warmup+o.duration))
		defer cancel()
	}
	if o.producers <= 1 {
		res.sent = l.send(0, pl)
		return res
	}
	var wg sync.WaitGroup
	var sent atomic.Int64
	for g := range int64(o.producers) {
		share := pl.fork(g)
		wg.Go(func() { sent.Add(l.send(g, share)) })
	}
	wg.Wait()
	res.sent = sent.Load()
	return res
}

// loop is what the sending goroutines share.
type loop struct {
	// ctx ends the loop (an interrupt, or --duration's end); sendCtx, an
	// interrupt only, is the Sends': the record in hand still goes.
	ctx, sendCtx context.Context
	p            sender
	topic        string
	cb           core.Callback
	res          *outcomes
	sched        perf.Schedule
	step, limit  int64
}

// send sends records first, first+step, ... below the limit until the
// loop's context ends, and returns how many it handed to Send.
func (l *loop) send(first int64, pl *payloads) (sent int64) {
	// Locals, not fields: the interface call below would reload fields.
	ctx, sendCtx, p, cb, limit, step := l.ctx, l.sendCtx, l.p, l.cb, l.limit, l.step
	throttle := l.sched.Throttle()
	r := core.Record{Topic: l.topic}
	for i := first; i < limit; i += step {
		if err := throttle.Wait(ctx, i); err != nil {
			break // interrupted or out of time: report what was sent
		}
		r.Value, r.Key = pl.next(i)
		r.Opaque = packOpaque(i, len(r.Value))
		sent++
		if err := p.Send(sendCtx, &r, cb); err != nil {
			l.res.fail(err)
			if sendCtx.Err() != nil {
				break
			}
		}
	}
	return sent
}
