package core

import (
	"context"
	"errors"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestSendAllocatesNothingPerRecord: in steady state, Send and the
// record's callback allocate nothing per record. The producer allocates per
// batch (the batch itself) and the in-process broker per request, both of
// which a batch of about 150 records shares, so the heap allocations of the
// whole process stay far below one per record; a single allocation per
// record on the path would double them. The callback reads the record's
// latency as an application would, which costs no allocation either.
func TestSendAllocatesNothingPerRecord(t *testing.T) {
	const topic, records = "allocs", 100_000
	cases := []struct {
		name string
		edit func(*Record, int)
	}{
		{"unkeyed", func(*Record, int) {}},
		{"keyed with headers", func(r *Record, i int) {
			r.Key = allocKeys[i%len(allocKeys)]
			r.Headers = allocHeaders
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := kafkatest.NewCluster(t, 1, topic, 12, kfake.BlackholeProduce())
			p := newTestProducer(t, c, func(cfg *Config) { cfg.BufferMemory = 32 << 20 })
			ctx := context.Background()
			var acked atomic.Int64
			var firstErr atomic.Pointer[error]
			// fail takes its own copy's address, so the callback's err
			// does not escape to the heap on every call.
			fail := func(err error) { firstErr.CompareAndSwap(nil, &err) }
			cb := func(md RecordMetadata, err error) {
				switch {
				case err != nil:
					fail(err)
				case md.Latency() < 0:
					fail(errors.New("negative latency"))
				default:
					acked.Add(1)
				}
			}
			value := make([]byte, 100)
			send := func(n int) {
				r := Record{Topic: topic, Value: value}
				for i := range n {
					tc.edit(&r, i)
					r.Opaque = uint64(i)
					if err := p.Send(ctx, &r, cb); err != nil {
						t.Fatalf("Send %d: %v", i, err)
					}
				}
				if err := p.Flush(ctx); err != nil {
					t.Fatalf("Flush: %v", err)
				}
			}
			send(records / 5) // warm up: connections, producer id, pools
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			send(records)
			runtime.ReadMemStats(&after)
			if errp := firstErr.Load(); errp != nil {
				t.Fatalf("a record failed: %v", *errp)
			}
			if got, want := acked.Load(), int64(records+records/5); got != want {
				t.Fatalf("%d records acknowledged, want %d", got, want)
			}
			perRecord := float64(after.Mallocs-before.Mallocs) / records
			t.Logf("%.3f heap allocations per record (whole process, broker included)", perRecord)
			if perRecord >= 0.5 {
				t.Fatalf("%.3f heap allocations per record: something on the Send or callback path allocates per record", perRecord)
			}
		})
	}
}

var (
	allocKeys    = [][]byte{[]byte("key-000000000000"), []byte("key-000000000001"), []byte("key-000000000002")}
	allocHeaders = []Header{{Key: "trace", Value: []byte("0123456789abcdef")}}
)
