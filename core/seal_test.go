package core

import (
	"context"
	"encoding/binary"
	"sync"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// TestCompressionWhileMemoryIsShort: with a buffer of a few batches and
// several goroutines waiting for memory, every batch still goes out
// compressed with the configured codec (the sender compresses into memory
// of its own, never falling back to sending records uncompressed), and
// every record arrives.
func TestCompressionWhileMemoryIsShort(t *testing.T) {
	const topic, partitions, senders, perSender = "squeezed", 4, 4, 20_000
	for _, codec := range []Compression{CompressionGzip, CompressionSnappy, CompressionLZ4, CompressionZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			c := kafkatest.NewCluster(t, 1, topic, partitions)
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.Compression = codec
				cfg.BufferMemory = 6 * int64(cfg.BatchSize)
			})
			mk := mixedRecord(topic, 64)
			sent := make([]sentRecord, senders*perSender)
			var wg sync.WaitGroup
			var waited bool
			var mu sync.Mutex
			for g := range senders {
				wg.Go(func() {
					for i := g * perSender; i < (g+1)*perSender; i++ {
						// One partition per goroutine: Send order is
						// defined within a goroutine.
						r := mk(i)
						r.Key, r.Partition, r.PartitionSet, r.Opaque = nil, int32(g), true, uint64(i)
						sent[i].rec = r
						if err := p.Send(context.Background(), &sent[i].rec, func(md RecordMetadata, err error) {
							sent[md.Opaque].md, sent[md.Opaque].err = md, err
						}); err != nil {
							t.Errorf("Send %d: %v", i, err)
							return
						}
						if p.Stats().BufferWaiters > 0 {
							mu.Lock()
							waited = true
							mu.Unlock()
						}
					}
				})
			}
			wg.Wait()
			ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
			defer cancel()
			if err := p.Flush(ctx); err != nil {
				t.Fatal(err)
			}
			for i, s := range sent {
				if s.err != nil {
					t.Fatalf("record %d failed: %v", i, s.err)
				}
			}
			if !waited {
				t.Fatal("no Send ever waited for memory: the buffer was never short")
			}
			got := kafkatest.Consume(t, c, topic, len(sent))
			for _, r := range got {
				if r.Attrs.CompressionType() != uint8(codec) {
					t.Fatalf("record %d arrived in a batch with codec %d, want %d (%s)",
						binary.BigEndian.Uint64(r.Value), r.Attrs.CompressionType(), codec, codec)
				}
			}
			verifyReadBack(t, sent, got, partitions, true)
		})
	}
}
