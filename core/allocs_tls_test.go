//go:build linux

package core

import (
	"context"
	"crypto/tls"
	"runtime"
	"sync/atomic"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
)

// TestTLSSendAllocatesNothingPerRecord is TestSendAllocatesNothingPerRecord
// over TLS: sealing a request's records and opening the broker's answers
// reuse the connection's buffers, so the process (the in-process broker's
// TLS included) still allocates far below once per record.
func TestTLSSendAllocatesNothingPerRecord(t *testing.T) {
	const topic, records = "allocs-tls", 100_000
	ca := newTestCA(t)
	c := kafkatest.NewCluster(t, 1, topic, 12, kfake.BlackholeProduce(),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{ca.serverCert(t)}}))
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.BufferMemory = 32 << 20
		cfg.Transport = TransportEpoll
		for key, value := range map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": ca.pem} {
			if err := cfg.Set(key, value); err != nil {
				t.Fatal(err)
			}
		}
	})
	ctx := context.Background()
	var acked, failed atomic.Int64
	cb := func(_ RecordMetadata, err error) {
		if err != nil {
			failed.Add(1)
			return
		}
		acked.Add(1)
	}
	value := make([]byte, 100)
	send := func(n int) {
		r := Record{Topic: topic, Value: value}
		for i := range n {
			r.Opaque = uint64(i)
			if err := p.Send(ctx, &r, cb); err != nil {
				t.Fatalf("Send %d: %v", i, err)
			}
		}
		if err := p.Flush(ctx); err != nil {
			t.Fatalf("Flush: %v", err)
		}
	}
	send(records / 5)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	send(records)
	runtime.ReadMemStats(&after)
	if failed.Load() != 0 || acked.Load() != int64(records+records/5) {
		t.Fatalf("%d records acknowledged and %d failed, want %d acknowledged", acked.Load(), failed.Load(), records+records/5)
	}
	perRecord := float64(after.Mallocs-before.Mallocs) / records
	bytesPerRecord := float64(after.TotalAlloc-before.TotalAlloc) / records
	t.Logf("%.3f heap allocations, %.1f bytes per record (whole process, TLS broker included)", perRecord, bytesPerRecord)
	if perRecord >= 0.5 {
		t.Fatalf("%.3f heap allocations per record: something on the TLS path allocates per record", perRecord)
	}
}
