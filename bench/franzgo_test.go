package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/perfproducer/perfproducer/core"
	"github.com/twmb/franz-go/pkg/kgo"
)

// franzGoCodecs are kgo's codecs, each at its default level.
var franzGoCodecs = map[core.Compression]kgo.CompressionCodec{
	core.CompressionNone:   kgo.NoCompression(),
	core.CompressionGzip:   kgo.GzipCompression(),
	core.CompressionSnappy: kgo.SnappyCompression(),
	core.CompressionLZ4:    kgo.Lz4Compression(),
	core.CompressionZstd:   kgo.ZstdCompression(),
}

// franzGoBench is franz-go's kgo client configured like Kafka's defaults:
// its own defaults differ (10 ms linger, 1 MB batches, a 64 KiB sticky
// switch, snappy, 50,000 buffered records). Its partitioner is Kafka's
// (KIP-794 uniform sticky for unkeyed records, murmur2 with Kafka's hashing
// for keyed ones). kgo needs a fresh *Record per Produce, as its users
// write it; when outcomes are wanted, each record also gets a promise of
// its own that knows its sequence number (a Record has no opaque field).
type franzGoBench struct {
	cl       *kgo.Client
	promise  func(*kgo.Record, error)
	acked    ackFunc
	failures benchFailures
}

func openFranzGo(brokers []string, r row, acked ackFunc) (benchProducer, error) {
	codec, ok := franzGoCodecs[r.codec]
	if !ok {
		return nil, fmt.Errorf("franz-go: no codec for compression %v", r.codec)
	}
	opts := []kgo.Opt{
		kgo.SeedBrokers(brokers...),
		kgo.DefaultProduceTopic(benchTopic),
		kgo.ProducerLinger(benchLinger),
		kgo.ProducerBatchMaxBytes(benchBatchSize),
		kgo.ProducerBatchCompression(codec),
		kgo.MaxBufferedBytes(benchBufferMemory),
		// The byte limit above is the one that binds, as buffer.memory
		// does for the other clients.
		kgo.MaxBufferedRecords(benchBufferMemory / r.valueSize),
		kgo.RecordPartitioner(kgo.UniformBytesPartitioner(benchBatchSize, true, true, nil)),
	}
	if r.acksAll {
		opts = append(opts, kgo.RequiredAcks(kgo.AllISRAcks()))
	} else {
		opts = append(opts, kgo.RequiredAcks(kgo.LeaderAck()), kgo.DisableIdempotentWrite())
	}
	cl, err := kgo.NewClient(opts...)
	if err != nil {
		return nil, err
	}
	fb := &franzGoBench{cl: cl, acked: acked}
	fb.promise = func(_ *kgo.Record, err error) { fb.failures.record(err) }
	return fb, nil
}

func (fb *franzGoBench) produce(ctx context.Context, seq int64, key, value []byte) error {
	promise := fb.promise
	if fb.acked != nil {
		promise = func(_ *kgo.Record, err error) {
			fb.failures.record(err)
			fb.acked(seq, err)
		}
	}
	fb.cl.Produce(ctx, &kgo.Record{Key: key, Value: value}, promise)
	return nil
}

func (fb *franzGoBench) flush(ctx context.Context) error {
	return errors.Join(fb.cl.Flush(ctx), fb.failures.take())
}

func (fb *franzGoBench) close() { fb.cl.Close() }
