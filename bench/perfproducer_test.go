package bench

import (
	"context"
	"errors"

	"github.com/perfproducer/perfproducer/core"
)

// perfproducerBench is perfproducer through its public API, with one
// long-lived callback and one reused Record: nothing is allocated per
// record by the caller. A record's sequence number, when outcomes are
// wanted, rides in its Opaque. Keyed records go to murmur2's partition, unkeyed
// ones to the uniform sticky partitioner (KIP-794), as in Kafka's Java
// client.
type perfproducerBench struct {
	p        *core.Producer
	rec      core.Record
	cb       core.Callback
	failures benchFailures
}

func openPerfproducer(brokers []string, r row, acked ackFunc) (benchProducer, error) {
	return openPerfproducerWith(brokers, r, acked, nil)
}

// openPerfproducerWith is openPerfproducer with the row's configuration
// changed by edit (nil for none).
func openPerfproducerWith(brokers []string, r row, acked ackFunc, edit func(*core.Config)) (benchProducer, error) {
	cfg := core.DefaultConfig()
	cfg.BootstrapServers = brokers
	cfg.Acks = core.AcksLeader
	cfg.EnableIdempotence = false
	if r.acksAll {
		cfg.Acks = core.AcksAll
		cfg.EnableIdempotence = true
	}
	cfg.Linger = benchLinger
	cfg.BatchSize = benchBatchSize
	cfg.BufferMemory = benchBufferMemory
	cfg.Compression = r.codec
	if edit != nil {
		edit(&cfg)
	}
	p, err := core.NewProducer(cfg)
	if err != nil {
		return nil, err
	}
	pb := &perfproducerBench{p: p, rec: core.Record{Topic: benchTopic}}
	pb.cb = func(_ core.RecordMetadata, err error) { pb.failures.record(err) }
	if acked != nil {
		pb.cb = func(md core.RecordMetadata, err error) {
			pb.failures.record(err)
			acked(int64(md.Opaque), err)
		}
	}
	return pb, nil
}

func (pb *perfproducerBench) produce(ctx context.Context, seq int64, key, value []byte) error {
	pb.rec.Opaque = uint64(seq)
	pb.rec.Key = key
	pb.rec.Value = value
	return pb.p.Send(ctx, &pb.rec, pb.cb)
}

func (pb *perfproducerBench) flush(ctx context.Context) error {
	return errors.Join(pb.p.Flush(ctx), pb.failures.take())
}

func (pb *perfproducerBench) close() {
	ctx, cancel := context.WithTimeout(context.Background(), startDeadline)
	defer cancel()
	_ = pb.p.Close(ctx) // the benchmark has flushed and checked every record
}
