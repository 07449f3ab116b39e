package core

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// TestTraceBatchesStampsEveryBatchInOrder: a bounded produce with tracing
// on hands over every acknowledged batch once, with its stamps in the order
// of the batch's life, and the records read back are all there.
func TestTraceBatchesStampsEveryBatchInOrder(t *testing.T) {
	const topic, records = "stamps", 5000
	cases := []struct {
		name string
		acks int16
	}{
		{"acks=all", AcksAll},
		{"acks=0", AcksNone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := kafkatest.NewCluster(t, 2, topic, 6)
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.Acks = tc.acks
				cfg.EnableIdempotence = tc.acks == AcksAll
				cfg.BatchSize = 4096
			})
			// The function runs on the sender goroutine only; Close's
			// return orders its writes before the reads below.
			var stamps []BatchStamps
			p.TraceBatches(func(s BatchStamps) { stamps = append(stamps, s) })
			ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
			defer cancel()
			value := make([]byte, 100)
			var failed atomic.Int64
			for range records {
				r := Record{Topic: topic, Value: value}
				if err := p.Send(ctx, &r, func(_ RecordMetadata, err error) {
					if err != nil {
						failed.Add(1)
					}
				}); err != nil {
					t.Fatalf("Send: %v", err)
				}
			}
			if err := p.Close(ctx); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if n := failed.Load(); n != 0 {
				t.Fatalf("%d records failed", n)
			}
			kafkatest.Consume(t, c, topic, records)
			st := p.Stats()
			if got, want := int64(len(stamps)), st.BatchesSent; got != want || got == 0 {
				t.Fatalf("%d batches stamped, the producer counted %d sent", got, want)
			}
			var stamped int64
			for i, s := range stamps {
				stamped += int64(s.Records)
				if s.Topic != topic || s.Records <= 0 || s.Bytes <= 0 || s.Request == 0 || s.RequestBytes <= s.Bytes {
					t.Fatalf("batch %d: stamped as %+v", i, s)
				}
				order := []int64{s.Appended, s.Sealed, s.ResponseRead, s.CallbacksDone}
				if s.Written != 0 {
					order = []int64{s.Appended, s.Sealed, s.Written, s.ResponseRead, s.CallbacksDone}
				}
				for j := 1; j < len(order); j++ {
					if order[j] < order[j-1] {
						t.Fatalf("batch %d: stamps out of order: %+v", i, s)
					}
				}
				if s.Written == 0 && tc.acks == AcksNone {
					t.Fatalf("batch %d: acks=0 completes when written, yet no write was stamped: %+v", i, s)
				}
			}
			if stamped != records {
				t.Fatalf("the stamped batches hold %d records, want %d", stamped, records)
			}
		})
	}
}

// TestBatchTracingAllocatesNothing: the sender's part of tracing, per
// answered request and per batch, allocates nothing, off or on (once its
// buffer of stamps has grown).
func TestBatchTracingAllocatesNothing(t *testing.T) {
	s := newBareSender(t, DefaultConfig())
	part := &partition{topic: &topicState{name: "t"}, index: 3}
	b := &batch{part: part, recordCount: 10, wireBytes: make([]byte, 100)}
	r := &request{batches: []*batch{b}, sentNanos: 2, writtenNanos: 3}
	var seen int
	cases := []struct {
		name  string
		trace func(BatchStamps)
		want  int
	}{
		{"off", nil, 0},
		{"on", func(BatchStamps) { seen++ }, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s.p.TraceBatches(tc.trace)
			seen = 0
			cycle := func() {
				s.answer(r, 4)
				s.stamp(b)
				s.answered()
				s.publishStamps(5)
			}
			cycle() // grow the buffer of stamps once
			if got := seen; got != tc.want {
				t.Fatalf("one answered batch reached the tracer %d times, want %d", got, tc.want)
			}
			if n := testing.AllocsPerRun(1000, cycle); n != 0 {
				t.Fatalf("%v allocations per traced batch, want 0", n)
			}
		})
	}
}

// TestMonotonicStampsAreRuntimeClock: stamps are the runtime clock's
// readings, which a fresh reading follows.
func TestMonotonicStampsAreRuntimeClock(t *testing.T) {
	c := newMonoClock()
	stamp := c.monotonic(c.now())
	if after := runtimeNano(); after < stamp {
		t.Fatalf("a stamp (%d) is later than the runtime clock read after it (%d)", stamp, after)
	}
}
