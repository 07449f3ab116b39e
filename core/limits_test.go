package core

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"go.uber.org/goleak"
)

// silenceProduce makes c swallow every Produce request without answering,
// so batches stay in flight and buffer memory stays taken.
func silenceProduce(c *kfake.Cluster) *atomic.Int64 {
	var swallowed atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		swallowed.Add(1)
		return nil, nil, true
	})
	return &swallowed
}

// outcomes counts callback results by error.
type outcomes struct {
	mu    sync.Mutex
	calls map[uint64]int
	errs  []error
}

func (o *outcomes) callback(md RecordMetadata, err error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.calls == nil {
		o.calls = map[uint64]int{}
	}
	o.calls[md.Opaque]++
	if err != nil {
		o.errs = append(o.errs, err)
	}
}

func TestFullBufferBlocksThenTimesOut(t *testing.T) {
	c := kafkatest.NewCluster(t, 1, "t", 1)
	silenceProduce(c)
	var o outcomes
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.BufferMemory = 4 * 16384
		cfg.MaxBlock = 200 * time.Millisecond
		cfg.Linger = 0
	})
	value := make([]byte, 1000)
	var err error
	sent := 0
	for ; sent < 1000; sent++ {
		r := Record{Topic: "t", Value: value, Opaque: uint64(sent)}
		if err = p.Send(context.Background(), &r, o.callback); err != nil {
			break
		}
	}
	if !errors.Is(err, ErrTimeout) {
		t.Fatalf("after %d sends into a 64 KiB buffer nobody drains, Send returned %v, want ErrTimeout", sent, err)
	}
	if !strings.Contains(err.Error(), "max.block.ms") {
		t.Fatalf("the timeout does not name max.block.ms: %v", err)
	}
	if got := p.Stats().RecordsPending; got != int64(sent) {
		t.Fatalf("%d records pending, want the %d accepted", got, sent)
	}

	// Close cannot flush into a silent broker: with an expired context it
	// fails every accepted record through its callback, exactly once.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := p.Close(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Close = %v, want the context's deadline error", err)
	}
	if len(o.calls) != sent {
		t.Fatalf("%d callbacks ran, want one per accepted record (%d)", len(o.calls), sent)
	}
	for op, n := range o.calls {
		if n != 1 {
			t.Fatalf("record %d: %d callbacks", op, n)
		}
	}
	for _, err := range o.errs {
		if !errors.Is(err, ErrClosed) {
			t.Fatalf("a record failed with %v, want ErrClosed", err)
		}
	}
	if len(o.errs) != sent {
		t.Fatalf("%d of %d records failed on forced close, want all", len(o.errs), sent)
	}
	r := Record{Topic: "t", Value: value}
	if err := p.Send(context.Background(), &r, o.callback); !errors.Is(err, ErrClosed) {
		t.Fatalf("Send after Close = %v, want ErrClosed", err)
	}
}

func TestCloseFlushesRecordsInFlight(t *testing.T) {
	c := kafkatest.NewCluster(t, 3, "t", 8)
	var o outcomes
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger = time.Hour })
	const n = 5000
	for i := range n {
		r := Record{Topic: "t", Value: []byte("payload"), Opaque: uint64(i)}
		if err := p.Send(context.Background(), &r, o.callback); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if err := p.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if len(o.calls) != n || len(o.errs) != 0 {
		t.Fatalf("after Close: %d callbacks, %d errors; want %d and none", len(o.calls), len(o.errs), n)
	}
	kafkatest.Consume(t, c, "t", n)
}

// TestNoGoroutineLeftAfterClose: Close ends the sender and, with
// compression, the compression pool's workers.
func TestNoGoroutineLeftAfterClose(t *testing.T) {
	for _, codec := range []Compression{CompressionNone, CompressionZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			c := kafkatest.NewCluster(t, 1, "t", 2)
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			cfg := DefaultConfig()
			cfg.BootstrapServers = c.ListenAddrs()
			cfg.BufferMemory = 1 << 20
			cfg.Compression = codec
			p, err := NewProducer(cfg)
			if err != nil {
				t.Fatal(err)
			}
			r := Record{Topic: "t", Value: []byte("x")}
			if _, err := p.SendSync(context.Background(), &r); err != nil {
				t.Fatal(err)
			}
			if err := p.Close(context.Background()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestBadInput(t *testing.T) {
	c := kafkatest.NewCluster(t, 1, "t", 3)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.MaxBlock = 300 * time.Millisecond
		cfg.MaxRequestSize = 10_000
	})
	ctx := context.Background()
	cases := []struct {
		name string
		rec  Record
		want []error
	}{
		{"over max.request.size", Record{Topic: "t", Value: make([]byte, 10_000)}, []error{ErrRecordTooLarge}},
		{"unknown topic", Record{Topic: "nope", Value: []byte("x")}, []error{ErrTimeout}},
		{"partition out of range", Record{Topic: "t", Value: []byte("x"), Partition: 3, PartitionSet: true}, []error{ErrInvalidPartition}},
		{"negative partition", Record{Topic: "t", Value: []byte("x"), Partition: -1, PartitionSet: true}, []error{ErrInvalidPartition}},
		{"no topic", Record{Value: []byte("x")}, []error{ErrUnknownTopic}},
		{"timestamp before the epoch", Record{Topic: "t", Value: []byte("x"), Timestamp: time.UnixMilli(-1)}, []error{ErrInvalidRecord}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var called atomic.Bool
			err := p.Send(ctx, &tc.rec, func(RecordMetadata, error) { called.Store(true) })
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Fatalf("Send = %v, want %v", err, want)
				}
			}
			if called.Load() {
				t.Fatal("the callback ran for a record Send refused")
			}
			if n := p.Stats().RecordsPending; n != 0 {
				t.Fatalf("%d records pending after Send refused one", n)
			}
		})
	}
	// The epoch itself is a valid timestamp.
	epoch := Record{Topic: "t", Value: []byte("1970"), Timestamp: time.UnixMilli(0)}
	if md, err := p.SendSync(ctx, &epoch); err != nil || md.Timestamp.UnixMilli() != 0 {
		t.Fatalf("a record stamped at the Unix epoch: %v (timestamp %v)", err, md.Timestamp)
	}
	// Good records still flow afterwards.
	r := Record{Topic: "t", Value: []byte("fine")}
	if _, err := p.SendSync(ctx, &r); err != nil {
		t.Fatalf("a good record after bad ones: %v", err)
	}
}

// TestNilRecord: Send and SendSync refuse a nil record with an error, not a
// panic, and leave nothing behind.
func TestNilRecord(t *testing.T) {
	c := kafkatest.NewCluster(t, 1, "t", 1)
	p := newTestProducer(t, c, nil)
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	var called atomic.Bool
	if err := p.Send(ctx, nil, func(RecordMetadata, error) { called.Store(true) }); !errors.Is(err, ErrInvalidRecord) {
		t.Fatalf("Send(nil) = %v, want ErrInvalidRecord", err)
	}
	md, err := p.SendSync(ctx, nil)
	if !errors.Is(err, ErrInvalidRecord) || md.Partition != -1 || md.Offset != -1 {
		t.Fatalf("SendSync(nil) = %+v, %v; want no partition, no offset and ErrInvalidRecord", md, err)
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if called.Load() {
		t.Fatal("the callback of a refused nil record ran")
	}
	if n := p.Stats().RecordsPending; n != 0 {
		t.Fatalf("%d records pending after nil records were refused", n)
	}
}

// TestRecordLargerThanTheArena: the arena is buffer.memory rounded down to
// whole batch.size slots, so a record can fit buffer.memory and still be
// too large for any batch. Send refuses it like any record too large,
// rather than with the arena's error.
func TestRecordLargerThanTheArena(t *testing.T) {
	const batchSize = 16384
	c := kafkatest.NewCluster(t, 1, "t", 1)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.BatchSize = batchSize
		cfg.BufferMemory = 2*batchSize + batchSize/2 // two slots
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	cases := []struct {
		name  string
		value int
		want  error
	}{
		{"fits the arena", 2*batchSize - 1000, nil},
		{"fits buffer.memory, not the arena", 2*batchSize + 1000, ErrRecordTooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := Record{Topic: "t", Value: make([]byte, tc.value)}
			if tc.want == nil {
				if _, err := p.SendSync(ctx, &r); err != nil {
					t.Fatalf("a %d-byte value in a two-slot arena: %v", tc.value, err)
				}
				return
			}
			// The earlier record's callback has run, but the sender may
			// still be counting it done.
			waitFor(t, ctx, "no record pending", func() bool { return p.Stats().RecordsPending == 0 })
			var called atomic.Bool
			err := p.Send(ctx, &r, func(RecordMetadata, error) { called.Store(true) })
			if !errors.Is(err, tc.want) || errors.Is(err, arena.ErrTooLarge) {
				t.Fatalf("Send of a %d-byte value = %v, want %v and not the arena's error", tc.value, err, tc.want)
			}
			if called.Load() || p.Stats().RecordsPending != 0 {
				t.Fatalf("refused record: callback ran %v, %d records pending", called.Load(), p.Stats().RecordsPending)
			}
		})
	}
}

// TestMaxBlockCoversMetadataAndMemory: max.block.ms bounds a whole Send.
// The topic's metadata comes late and the buffer is full, so the wait for
// memory gets only what the wait for metadata left (Java's KafkaProducer:
// remainingWaitMs), as the error reports.
func TestMaxBlockCoversMetadataAndMemory(t *testing.T) {
	const batchSize, maxBlock = 16384, 3 * time.Second
	c := kafkatest.NewCluster(t, 1, "t", 1, kfake.SeedTopics(1, "late"))
	// Produce requests for "t" fail with a retriable error for good, so
	// the batches keep their memory; the broker denies knowing "late" in
	// its first two Metadata answers.
	c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Produce}, Topic: "t", Err: kerr.NotEnoughReplicas, Count: -1})
	lateMetadata := c.Fault(kfake.Fault{Keys: []kmsg.Key{kmsg.Metadata}, Topic: "late", Err: kerr.UnknownTopicOrPartition, Count: 2})
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.BatchSize = batchSize
		cfg.BufferMemory = 4 * batchSize
		cfg.MaxBlock = maxBlock
		cfg.Linger = 0
	})
	t.Cleanup(func() {
		// Nothing will acknowledge the records: fail them at once.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		p.Close(ctx)
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	// One record per batch: four fill the buffer.
	value := make([]byte, batchSize-200)
	for i := range 4 {
		r := Record{Topic: "t", Value: value}
		if err := p.Send(ctx, &r, nil); err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
	}
	if free := p.Stats().BufferFree; free != 0 {
		t.Fatalf("%d bytes of buffer free after four batch-sized records, want none", free)
	}

	r := Record{Topic: "late", Value: value}
	err := p.Send(ctx, &r, nil)
	var blocked *MaxBlockError
	var arenaTimeout *arena.TimeoutError
	if !errors.Is(err, ErrTimeout) || !errors.As(err, &blocked) || !errors.As(err, &arenaTimeout) {
		t.Fatalf("Send = %v, want ErrTimeout as a *MaxBlockError caused by the arena's timeout", err)
	}
	if hits := lateMetadata.Hits(); hits != 2 {
		t.Fatalf("the broker denied the topic %d times, want 2 before Send got its metadata", hits)
	}
	if blocked.Topic != "late" || blocked.MaxBlock != maxBlock || blocked.Bytes < batchSize || blocked.Metadata <= 0 {
		t.Fatalf("%+v: want the late topic, max.block.ms %v, a batch-sized wait, and time spent on metadata", blocked, maxBlock)
	}
	if blocked.Metadata+blocked.MemoryBudget != maxBlock {
		t.Fatalf("%v waiting for metadata, then %v allowed for memory: the two must share max.block.ms (%v)",
			blocked.Metadata, blocked.MemoryBudget, maxBlock)
	}
	if blocked.Memory != arenaTimeout.Waited || blocked.Memory < blocked.MemoryBudget {
		t.Fatalf("memory wait reported as %v, the arena measured %v for a budget of %v", blocked.Memory, arenaTimeout.Waited, blocked.MemoryBudget)
	}
	if n := p.Stats().RecordsPending; n != 4 {
		t.Fatalf("%d records pending, want the 4 accepted", n)
	}
}

func TestInvalidConfigNamesTheKey(t *testing.T) {
	cfg := DefaultConfig()
	cfg.BootstrapServers = []string{"127.0.0.1:1"}
	cfg.BatchSize = 0
	_, err := NewProducer(cfg)
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "batch.size") {
		t.Fatalf("NewProducer with batch.size=0 = %v, want ErrInvalidConfig naming batch.size", err)
	}
	cfg = DefaultConfig()
	if _, err := NewProducer(cfg); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "bootstrap.servers") {
		t.Fatalf("NewProducer without bootstrap.servers = %v, want ErrInvalidConfig naming it", err)
	}
}
