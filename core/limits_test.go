package core

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

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
	c := newCluster(t, 1, "t", 1)
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
	c := newCluster(t, 3, "t", 8)
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
	consume(t, c, "t", n)
}

func TestNoGoroutineLeftAfterClose(t *testing.T) {
	c := newCluster(t, 1, "t", 2)
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := DefaultConfig()
	cfg.BootstrapServers = c.ListenAddrs()
	cfg.BufferMemory = 1 << 20
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
}

func TestBadInput(t *testing.T) {
	c := newCluster(t, 1, "t", 3)
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
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			called := false
			err := p.Send(ctx, &tc.rec, func(RecordMetadata, error) { called = true })
			for _, want := range tc.want {
				if !errors.Is(err, want) {
					t.Fatalf("Send = %v, want %v", err, want)
				}
			}
			if called {
				t.Fatal("the callback ran for a record Send refused")
			}
		})
	}
	// Good records still flow afterwards.
	r := Record{Topic: "t", Value: []byte("fine")}
	if _, err := p.SendSync(ctx, &r); err != nil {
		t.Fatalf("a good record after bad ones: %v", err)
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
