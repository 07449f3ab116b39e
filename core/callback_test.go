package core

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// logLines collects a logger's JSON lines; safe for concurrent writes.
type logLines struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logLines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(b)
}

// errors returns the Error-level entries logged so far, decoded.
func (l *logLines) errors(t *testing.T) []map[string]any {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for line := range bytes.Lines(l.buf.Bytes()) {
		var entry map[string]any
		if err := json.Unmarshal(line, &entry); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if entry["level"] == "ERROR" {
			out = append(out, entry)
		}
	}
	return out
}

// TestCallbackPanicIsRecovered: a Callback that panics is logged with the
// panic and its record's topic and partition; every other record of the
// batch still gets its callback, every record counts as completed, and the
// producer carries on.
func TestCallbackPanicIsRecovered(t *testing.T) {
	const topic, n = "t", 10
	panicking := map[uint64]bool{3: true, 7: true}
	c := kafkatest.NewCluster(t, 1, topic, 1)
	var logs logLines
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Linger = time.Hour // one batch, sent by the Flush below
		cfg.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	var calls [n]atomic.Int32
	for i := range n {
		r := Record{Topic: topic, Value: []byte("x"), Partition: 0, PartitionSet: true, Opaque: uint64(i)}
		err := p.Send(ctx, &r, func(md RecordMetadata, err error) {
			calls[md.Opaque].Add(1)
			if panicking[md.Opaque] {
				panic(fmt.Sprintf("boom %d", md.Opaque))
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush after panicking callbacks: %v", err)
	}
	for i := range calls {
		if got := calls[i].Load(); got != 1 {
			t.Fatalf("record %d: %d callbacks, want 1", i, got)
		}
	}
	if st := p.Stats(); st.RecordsPending != 0 || st.RecordsSent != n {
		t.Fatalf("%d records pending and %d sent, want 0 and %d", st.RecordsPending, st.RecordsSent, n)
	}
	logged := logs.errors(t)
	if len(logged) != len(panicking) {
		t.Fatalf("%d Error entries logged, want one per panic (%d): %v", len(logged), len(panicking), logged)
	}
	for _, entry := range logged {
		var op uint64
		if _, err := fmt.Sscanf(fmt.Sprint(entry["panic"]), "boom %d", &op); err != nil || !panicking[op] {
			t.Fatalf("logged panic %v, want one of the callbacks' panics", entry["panic"])
		}
		if entry["topic"] != topic || entry["partition"] != 0.0 {
			t.Fatalf("panic logged for %v-%v, want %s-0", entry["topic"], entry["partition"], topic)
		}
	}
	var after atomic.Int32
	r := Record{Topic: topic, Value: []byte("after the panics")}
	if err := p.Send(ctx, &r, func(_ RecordMetadata, err error) {
		if err == nil {
			after.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if err := p.Flush(ctx); err != nil || after.Load() != 1 {
		t.Fatalf("a record sent after the panics: Flush %v, delivered %d times", err, after.Load())
	}
}

// TestRunCallbacksAllocatesNothing: completing a batch's records costs no
// heap allocation, recover included.
func TestRunCallbacksAllocatesNothing(t *testing.T) {
	const n = 100
	s := &sender{p: &Producer{}, log: slog.New(slog.DiscardHandler), clock: newMonoClock()}
	b := newBatch(newPartition(&topicState{name: "t"}, 0), &batch{}, arena.Span{}, make([]byte, 16384), 1_700_000_000_000, 0)
	defer b.releaseCompletions()
	calls := 0
	cb := func(RecordMetadata, error) { calls++ }
	for i := range n {
		b.completions.store(i, completion{cb: cb, opaque: uint64(i), timestampDelta: int64(i)})
	}
	if allocs := testing.AllocsPerRun(10, func() { s.runCallbacks(b, n, 42, -1, nil) }); allocs != 0 {
		t.Fatalf("runCallbacks for %d records: %v allocations, want 0", n, allocs)
	}
	if calls != 11*n {
		t.Fatalf("%d callbacks over 11 runs of %d records", calls, n)
	}
}

// TestCallsFromACallback: calls that would wait for the sender goroutine
// fail at once with ErrCalledFromCallback when a Callback makes them,
// instead of deadlocking; a Send that needs no wait still works there.
func TestCallsFromACallback(t *testing.T) {
	const topic, batchSize = "t", 16384
	c := kafkatest.NewCluster(t, 1, topic, 1)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.BatchSize = batchSize
		cfg.BufferMemory = 2 * batchSize
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	small := func() *Record { return &Record{Topic: topic, Value: []byte("small")} }
	var laterDone atomic.Int32
	cases := []struct {
		name string
		call func(ctx context.Context) error
		want error
		says string // what the error names as the wait
	}{
		{"Flush", p.Flush, ErrCalledFromCallback, "Flush"},
		{"Close", p.Close, ErrCalledFromCallback, "Close"},
		{"SendSync", func(ctx context.Context) error { _, err := p.SendSync(ctx, small()); return err }, ErrCalledFromCallback, "SendSync"},
		// The record being completed holds one of the two slots: a record
		// needing both would wait for memory only the sender can free.
		{"Send waiting for memory", func(ctx context.Context) error {
			return p.Send(ctx, &Record{Topic: topic, Value: make([]byte, batchSize+100)}, nil)
		}, ErrCalledFromCallback, "buffer memory"},
		{"Send waiting for metadata", func(ctx context.Context) error {
			return p.Send(ctx, &Record{Topic: "unknown", Value: []byte("x")}, nil)
		}, ErrCalledFromCallback, "metadata"},
		{"Send with nothing to wait for", func(ctx context.Context) error {
			return p.Send(ctx, small(), func(_ RecordMetadata, err error) {
				if err == nil {
					laterDone.Add(1)
				}
			})
		}, nil, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// A failed detection would deadlock the sender; this bound
			// turns the failure into a wrong error instead.
			callCtx, cancelCall := context.WithTimeout(ctx, 10*time.Second)
			defer cancelCall()
			got := make(chan error, 1)
			if err := p.Send(ctx, small(), func(RecordMetadata, error) { got <- tc.call(callCtx) }); err != nil {
				t.Fatal(err)
			}
			var err error
			select {
			case err = <-got:
			case <-ctx.Done():
				t.Fatal("the callback never ran")
			}
			if tc.want == nil && err != nil || tc.want != nil && (!errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says)) {
				t.Fatalf("%s from a callback = %v, want %v about %s", tc.name, err, tc.want, tc.says)
			}
			if err := p.Flush(ctx); err != nil {
				t.Fatalf("Flush after the callback: %v", err)
			}
		})
	}
	if p.closed.Load() {
		t.Fatal("Close from a callback closed the producer")
	}
	if laterDone.Load() != 1 {
		t.Fatal("the record a callback sent did not complete")
	}
	if n := p.Stats().RecordsPending; n != 0 {
		t.Fatalf("%d records pending, want none", n)
	}
}

// BenchmarkRunCallbacks times telling one record its outcome: the sender's
// loop over a settled batch's completions, a no-op Callback each.
func BenchmarkRunCallbacks(b *testing.B) {
	const n = 150 // about a 16 KiB batch of 100-byte records
	s := &sender{p: &Producer{}, log: slog.New(slog.DiscardHandler), clock: newMonoClock()}
	bt := newBatch(newPartition(&topicState{name: "t"}, 0), &batch{}, arena.Span{}, make([]byte, 16384), 1_700_000_000_000, 0)
	defer bt.releaseCompletions()
	var sum int64
	cb := func(md RecordMetadata, _ error) { sum += md.Offset }
	for i := range n {
		bt.completions.store(i, completion{cb: cb, opaque: uint64(i), timestampDelta: int64(i), appendNanos: int64(i)})
	}
	b.ReportAllocs()
	for b.Loop() {
		s.runCallbacks(bt, n, 42, -1, nil)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/record")
}
