package core

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
)

// Producer sends records to Kafka with the Java producer's semantics.
//
// Guarantees:
//   - Every Send ends in exactly one Callback call, or one returned error
//     (then the callback is never called and nothing stays pending).
//   - With enable.idempotence (the default), records of a partition are
//     written once each, in Send order, even with 5 requests in flight and
//     retries, through lost answers, broken connections, slow or restarted
//     brokers and leader moves. A batch the broker rejects for good fails
//     alone: the partition's later records still follow in order, and
//     other partitions are not disturbed.
//   - Every record's outcome comes within delivery.timeout.ms of its Send,
//     even while its batch is in flight. A failed record whose error
//     matches ErrMaybeWritten may still have been written (an attempt's
//     answer never came); any other failed record was not.
//   - Callbacks run on the producer's sender goroutine, one at a time, in
//     offset order within a partition. A Callback that panics is recovered
//     and logged (Config.Logger, Error level); its record counts as
//     completed and the producer carries on.
//   - A Send blocks at most max.block.ms in all (metadata and buffer memory
//     share the budget) or until its ctx ends.
//   - Calls that would wait for the sender goroutine fail with
//     ErrCalledFromCallback when made from a Callback instead of
//     deadlocking: Flush, Close, SendSync, and a Send that would have to
//     wait for metadata or buffer memory.
//   - After Close (or while it runs), Send and Flush return ErrClosed.
//
// All methods are safe for concurrent use.
type Producer struct {
	cfg    Config
	clock  *monoClock
	arena  *arena.Arena
	meta   *metadata
	acc    accumulator
	sender *sender
	// senderG is the sender goroutine, which runs callbacks.
	senderG senderGoroutine
	// maxRecordBytes is the largest encoded record (with its batch header)
	// a batch can carry: max.request.size or the arena, the smaller.
	maxRecordBytes int

	// pending counts records appended and not yet completed. Every Send
	// and every completed batch write it, so it has a cache line of its
	// own: the fields Send only reads stay shared and clean.
	_       [64]byte
	pending atomic.Int64
	_       [56]byte
	closed  atomic.Bool
	// batchTrace is TraceBatches's function, nil when tracing is off.
	batchTrace atomic.Pointer[func(BatchStamps)]
	// closeCtx ends when Close begins: it ends blocking waits in Send.
	closeCtx    context.Context
	closeCancel context.CancelFunc
	flushing    atomic.Int32
	done        chan struct{} // closed when the sender goroutine has returned

	// flushRequests are Flush calls the sender has not yet tagged batches
	// for (see sender.takeFlushRequests).
	flushMu       sync.Mutex
	flushRequests []*flushWaiter

	idleMu      sync.Mutex
	idleWaiters []chan struct{}
	closeOnce   sync.Once
	closeErr    error

	stats producerStats
	// transport is the transport in use: cfg.Transport, or epoll after a
	// fallback.
	transport Transport
	// metrics and nodes are the counters Metrics reads beyond Stats's:
	// producer-wide, and one set per broker connection (copied on write by
	// the sender when a connection is first made).
	metrics sendMetrics
	nodes   atomic.Pointer[[]*nodeMetrics]
}

// NewProducer validates cfg, maps the buffer arena, opens the transport and
// starts the sender goroutine. It does not connect yet: the first Send (or
// metadata need) does.
func NewProducer(cfg Config) (*Producer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if len(cfg.BootstrapServers) == 0 {
		return nil, &ConfigError{Key: "bootstrap.servers", Reason: "must name at least one broker"}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	net, inUse, err := openTransport(&cfg, log)
	if err != nil {
		return nil, err
	}
	p := &Producer{
		cfg:       cfg,
		clock:     newMonoClock(),
		done:      make(chan struct{}),
		transport: inUse,
	}
	s := &sender{
		p: p, cfg: &p.cfg, clock: p.clock, net: net, log: log,
		conns:       make(map[int32]*brokerConn),
		topics:      make(map[string]*topicState),
		readyByNode: make(map[int32][]*partition),
		idem:        newIdempotence(cfg.EnableIdempotence),
		readyList:   new(readyList),
		ctx:         context.Background(),
	}
	// The arena holds batch.size slots, cut into pieces for partitions
	// whose batches stay small while so many partitions share the buffer
	// that whole slots would run short (see partition.batchHint); a Send
	// that has to wait for memory wakes the sender once it is queued, so the
	// sender sees it waiting.
	size := int(cfg.BufferMemory) / cfg.BatchSize * cfg.BatchSize
	// The buffer counts in the Go heap, so the collector paces itself as it
	// would with the records buffered on the heap (arena.Options.CountInGoHeap).
	ar, err := arena.New(size, cfg.BatchSize, arena.Options{OnWait: s.wake, MinPiece: minBatchMemory, CountInGoHeap: true})
	if err != nil {
		net.Close()
		return nil, fmt.Errorf("buffer.memory=%d batch.size=%d: %w", cfg.BufferMemory, cfg.BatchSize, err)
	}
	p.arena, s.arena = ar, ar
	p.maxRecordBytes = min(cfg.MaxRequestSize, ar.Size())
	p.closeCtx, p.closeCancel = context.WithCancel(context.Background())
	if cfg.Compression != CompressionNone {
		// One compressor for the sender (halves of split batches), one per
		// pool worker: a worker per core the runtime uses.
		compressors, err := newCompressors(&cfg, 1+runtime.GOMAXPROCS(0))
		if err != nil {
			net.Close()
			ar.Close()
			return nil, &ConfigError{Key: "compression.type", Value: cfg.Compression.String(), Reason: err.Error()}
		}
		s.compressor = compressors[0]
		// A batch a worker: a worker may idle for a sender loop while the
		// batch held longest is handed over, but lingered batches wait
		// longer and fill more (at 10,000 keyed partitions with zstd, 19%
		// less CPU per record than with two a worker; no change with
		// full batches).
		s.pool = newCompressPool(ar.MaxSpans(), runtime.GOMAXPROCS(0), ar, s.wake)
		s.pool.start(compressors[1:])
	}
	p.meta = newMetadata(s.wake, &p.senderG)
	s.meta = p.meta
	p.sender = s
	p.acc = accumulator{arena: ar, batchSize: cfg.BatchSize, fastFill: fastFillWithin(cfg.Linger), maxBlock: cfg.MaxBlock, clock: p.clock, ready: s.readyList, wake: s.wakeForBatch,
		closeCtx: p.closeCtx, sender: &p.senderG}
	go func() {
		defer close(p.done)
		p.senderG.set()
		s.run()
	}()
	return p, nil
}

// compressionLevel is the level property of the configured codec.
func (c *Config) compressionLevel() int {
	switch c.Compression {
	case CompressionGzip:
		return c.GzipLevel
	case CompressionLZ4:
		return c.LZ4Level
	case CompressionZstd:
		return c.ZstdLevel
	}
	return 0
}

// Send appends a record for sending and returns once it is encoded; cb
// (which may be nil) later receives its outcome. Send blocks only while the
// topic's metadata is unknown or the buffer is full: at most max.block.ms
// for both together, or until ctx ends.
//
// An error returned by Send means the record was not accepted, cb will not
// be called and nothing stays pending: ErrClosed, ErrInvalidRecord (nil r,
// or a Timestamp before the Unix epoch), ErrUnknownTopic (no topic),
// ErrRecordTooLarge, ErrInvalidPartition, ErrTimeout (a *MaxBlockError:
// max.block.ms ran out), ErrCalledFromCallback (called from a Callback, it
// would have had to wait), or ctx's error.
func (p *Producer) Send(ctx context.Context, r *Record, cb Callback) error {
	if p.closed.Load() {
		return ErrClosed
	}
	if r == nil {
		return fmt.Errorf("%w: Send was given a nil *Record", ErrInvalidRecord)
	}
	if r.Topic == "" {
		return fmt.Errorf("%w: record has no topic", ErrUnknownTopic)
	}
	ts, explicitTS := int64(0), !r.Timestamp.IsZero()
	if explicitTS {
		if ts = r.Timestamp.UnixMilli(); ts < 0 {
			return fmt.Errorf("%w: timestamp %d ms is before the Unix epoch; Kafka timestamps are non-negative (a zero Timestamp means now)",
				ErrInvalidRecord, ts)
		}
	}
	payload := wire.RecordPayloadSize(r.Key, r.Value, r.Headers)
	size := wire.BatchHeaderSize + wire.RecordSizeFor(payload, 0, 0)
	if size > p.maxRecordBytes {
		return p.recordTooLarge(size)
	}
	t, metadataWait, err := p.meta.topic(ctx, r.Topic, p.cfg.MaxBlock, p.closeCtx)
	if err != nil {
		return err
	}
	part, sticky, err := p.choosePartition(t, r)
	if err != nil {
		return err
	}
	mono := p.clock.now()
	if !explicitTS {
		ts = p.clock.wallMillis(mono)
	}
	// Count the record before appending it, then look at closed again:
	// either Close sees it pending (and waits for it), or this Send sees
	// Close and backs out. No record slips past a Close.
	p.pending.Add(1)
	if p.closed.Load() {
		p.recordsDone(1)
		return ErrClosed
	}
	waited := blockedTime{metadata: metadataWait}
	full, err := p.acc.append(ctx, part, r, ts, mono, payload, cb, sticky, &waited)
	if err != nil {
		p.recordsDone(1)
		return err
	}
	if sticky {
		// The record's bytes, not the batch header: the partitioner moves on
		// once a batch's worth of records has gone to one partition, at a
		// batch boundary (the batch is full), as Java's RecordAccumulator
		// allows a switch only when its last batch is full: moving on just
		// after a record opened a batch would leave that batch lingering
		// with one record.
		t.state.sticky.recordAppended(part.index, size-wire.BatchHeaderSize, full, t.available, len(t.partitions))
	}
	return nil
}

// recordTooLarge is the error for a record of size bytes (batch header
// included) that no batch could carry.
func (p *Producer) recordTooLarge(size int) error {
	return fmt.Errorf("%w: the record is %d bytes; max.request.size is %d, and buffer.memory (%d) holds %d bytes in whole batch.size (%d) slots",
		ErrRecordTooLarge, size, p.cfg.MaxRequestSize, p.cfg.BufferMemory, p.arena.Size(), p.cfg.BatchSize)
}

// choosePartition picks the record's partition (Java's
// KafkaProducer.partition: the record's own, else its key's murmur2 hash,
// else the sticky partitioner), and says whether the sticky partitioner
// chose it.
func (p *Producer) choosePartition(t *topicMeta, r *Record) (part *partition, sticky bool, err error) {
	n := len(t.partitions)
	var i int32
	switch {
	case r.PartitionSet:
		if r.Partition < 0 || int(r.Partition) >= n {
			return nil, false, fmt.Errorf("%w: topic %q has %d partitions, the record names partition %d", ErrInvalidPartition, r.Topic, n, r.Partition)
		}
		i = r.Partition
	case r.Key != nil && !p.cfg.PartitionerIgnoreKeys:
		i = KeyPartition(r.Key, n)
	default:
		i, sticky = t.state.sticky.Partition(t.available, n), true
	}
	return t.partitions[i].part, sticky, nil
}

// SendSync sends a record and waits for its outcome: Send's errors, or the
// error the record completed with. Called from a Callback it would wait for
// its own goroutine, so it returns ErrCalledFromCallback and sends nothing.
func (p *Producer) SendSync(ctx context.Context, r *Record) (RecordMetadata, error) {
	if p.senderG.running() {
		return unsent(r), fmt.Errorf("%w: SendSync waits for the sender goroutine, which is running this callback; use Send", ErrCalledFromCallback)
	}
	type outcome struct {
		md  RecordMetadata
		err error
	}
	ch := make(chan outcome, 1)
	if err := p.Send(ctx, r, func(md RecordMetadata, err error) { ch <- outcome{md, err} }); err != nil {
		return unsent(r), err
	}
	select {
	case o := <-ch:
		return o.md, o.err
	case <-ctx.Done():
		return unsent(r), fmt.Errorf("waiting for the record's acknowledgement (it may still be delivered): %w", ctx.Err())
	}
}

// unsent is the metadata SendSync gives for a record with no outcome yet.
func unsent(r *Record) RecordMetadata {
	if r == nil {
		return RecordMetadata{Partition: -1, Offset: -1}
	}
	return RecordMetadata{Topic: r.Topic, Partition: -1, Offset: -1, Opaque: r.Opaque}
}

// Flush sends every buffered record at once, ignoring linger.ms, and waits
// until every record sent before the call has completed (Java's flush), or
// ctx ends. Records other goroutines send meanwhile do not hold it up.
//
// Flush returns ErrClosed at once after Close or while Close runs (Close
// itself sends everything), and ErrCalledFromCallback from a Callback:
// callbacks run on the goroutine that completes the records Flush would
// wait for.
func (p *Producer) Flush(ctx context.Context) error {
	if p.closed.Load() {
		return ErrClosed
	}
	if p.senderG.running() {
		return fmt.Errorf("%w: Flush waits for the sender goroutine, which is running this callback", ErrCalledFromCallback)
	}
	p.flushing.Add(1)
	defer p.flushing.Add(-1)
	w := &flushWaiter{done: make(chan struct{})}
	p.flushMu.Lock()
	p.flushRequests = append(p.flushRequests, w)
	p.flushMu.Unlock()
	p.sender.wake()
	select {
	case <-w.done:
		return nil
	case <-p.done:
		// Close began after the check above, and the sender stopped
		// before it took this request.
		select {
		case <-w.done:
			return nil
		default:
			return ErrClosed
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// waitIdle waits until no record is pending.
func (p *Producer) waitIdle(ctx context.Context) error {
	p.idleMu.Lock()
	if p.pending.Load() == 0 {
		p.idleMu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	p.idleWaiters = append(p.idleWaiters, ch)
	p.idleMu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// recordsDone counts n records completed and wakes idle waiters when none
// is left.
func (p *Producer) recordsDone(n int64) {
	if p.pending.Add(-n) != 0 {
		return
	}
	p.idleMu.Lock()
	if p.pending.Load() == 0 {
		for _, ch := range p.idleWaiters {
			close(ch)
		}
		p.idleWaiters = p.idleWaiters[:0]
	}
	p.idleMu.Unlock()
}

// Close stops accepting records, sends every buffered one and waits for
// their outcomes, then releases the connections and the buffer. When ctx
// ends first, the records not yet completed fail with ErrClosed (their
// callbacks run) and Close returns ctx's error. Later calls return the
// first call's result. Sends and Flushes made once Close has begun return
// ErrClosed; Sends blocked waiting for metadata or memory end with it.
//
// From a Callback, Close returns ErrCalledFromCallback and closes nothing:
// it would wait for the goroutine that runs callbacks.
func (p *Producer) Close(ctx context.Context) error {
	if p.senderG.running() {
		return fmt.Errorf("%w: Close waits for the sender goroutine, which is running this callback", ErrCalledFromCallback)
	}
	p.closeOnce.Do(func() { p.closeErr = p.close(ctx) })
	return p.closeErr
}

func (p *Producer) close(ctx context.Context) error {
	p.closed.Store(true)
	p.closeCancel() // ends Sends waiting for metadata or memory
	p.flushing.Add(1)
	p.sender.wake()
	err := p.waitIdle(ctx)
	if err != nil {
		p.sender.force.Store(true)
	}
	p.sender.stop.Store(true)
	p.sender.net.Wakeup()
	<-p.done
	if p.sender.pool != nil {
		// Nothing is with the pool: the sender returned once every record
		// was completed. Its workers may still be waking the sender, so
		// they end before the selector closes.
		p.sender.pool.stop()
	}
	return errors.Join(err, p.sender.net.Close(), p.arena.Close())
}
