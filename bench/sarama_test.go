package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/IBM/sarama"
	"github.com/perfproducer/perfproducer/core"
)

// saramaCodecs are sarama's codecs; each runs at its default level.
var saramaCodecs = map[core.Compression]sarama.CompressionCodec{
	core.CompressionNone:   sarama.CompressionNone,
	core.CompressionGzip:   sarama.CompressionGZIP,
	core.CompressionSnappy: sarama.CompressionSnappy,
	core.CompressionLZ4:    sarama.CompressionLZ4,
	core.CompressionZstd:   sarama.CompressionZSTD,
}

// saramaBench is IBM/sarama's AsyncProducer configured like Kafka's
// defaults where sarama has the setting (its own defaults differ: no
// linger, 1 MB batches, a random partitioner for unkeyed records and FNV-1a
// for keyed ones). Where it has none, or a different one:
//   - batch.size: MaxMessageBytes is sarama's per-partition batch limit;
//     Flush.Bytes, which counts a whole request to a broker, is set to the
//     same, so one full batch's worth sends at once as in Kafka's client.
//   - max.in.flight.requests.per.connection: Net.MaxOpenRequests, 5, but 1
//     with idempotence, which sarama requires.
//   - partitioner: NewMurmur2Partitioner, murmur2 as in Kafka's client
//     for keyed records; unkeyed ones go to a random partition each, as
//     sarama has no sticky partitioner (KIP-480/794).
//   - buffer.memory: sarama has no byte bound on what it buffers; a
//     pendingRecords bounds it here.
//
// Every record is a fresh *ProducerMessage, as sarama's API needs; the
// outcomes come back on the Successes and Errors channels, each drained by
// a goroutine. When outcomes are wanted a record's sequence number rides in
// its Metadata.
type saramaBench struct {
	p        sarama.AsyncProducer
	pending  *pendingRecords
	acked    ackFunc
	failures benchFailures
	drainers sync.WaitGroup
}

func openSarama(brokers []string, r row, acked ackFunc) (benchProducer, error) {
	codec, ok := saramaCodecs[r.codec]
	if !ok {
		return nil, fmt.Errorf("sarama: no codec for compression %v", r.codec)
	}
	cfg := sarama.NewConfig()
	cfg.Producer.RequiredAcks = sarama.WaitForLocal
	if r.acksAll {
		cfg.Producer.RequiredAcks = sarama.WaitForAll
		cfg.Producer.Idempotent = true
		cfg.Net.MaxOpenRequests = 1
	}
	cfg.Producer.Flush.Frequency = benchLinger
	cfg.Producer.Flush.Bytes = benchBatchSize
	cfg.Producer.MaxMessageBytes = benchBatchSize
	cfg.Producer.Compression = codec
	cfg.Producer.Partitioner = sarama.NewMurmur2Partitioner
	cfg.Producer.Return.Successes = true
	cfg.Producer.Return.Errors = true
	p, err := sarama.NewAsyncProducer(brokers, cfg)
	if err != nil {
		return nil, err
	}
	sb := &saramaBench{p: p, pending: newPendingRecords(benchBufferMemory), acked: acked}
	sb.drainers.Go(func() {
		for msg := range p.Successes() {
			sb.settle(msg, nil)
		}
	})
	sb.drainers.Go(func() {
		for perr := range p.Errors() {
			sb.settle(perr.Msg, perr.Err)
		}
	})
	return sb, nil
}

func (sb *saramaBench) settle(msg *sarama.ProducerMessage, err error) {
	sb.failures.record(err)
	if sb.acked != nil {
		sb.acked(msg.Metadata.(int64), err)
	}
	sb.pending.settle(saramaSize(msg))
}

// saramaSize is a message's key and value bytes, as reserved.
func saramaSize(msg *sarama.ProducerMessage) int {
	size := msg.Value.Length()
	if msg.Key != nil {
		size += msg.Key.Length()
	}
	return size
}

func (sb *saramaBench) produce(ctx context.Context, seq int64, key, value []byte) error {
	if err := sb.pending.reserve(ctx, len(key)+len(value)); err != nil {
		return err
	}
	msg := &sarama.ProducerMessage{Topic: benchTopic, Value: sarama.ByteEncoder(value)}
	if key != nil {
		// A non-nil Encoder holding no bytes is an empty key, which the
		// partitioner hashes: unkeyed records must leave Key nil.
		msg.Key = sarama.ByteEncoder(key)
	}
	if sb.acked != nil {
		msg.Metadata = seq
	}
	select {
	case sb.p.Input() <- msg:
		return nil
	case <-ctx.Done():
		sb.pending.settle(len(key) + len(value))
		return ctx.Err()
	}
}

func (sb *saramaBench) flush(ctx context.Context) error {
	return errors.Join(sb.pending.drained(ctx), sb.failures.take())
}

func (sb *saramaBench) close() {
	sb.p.AsyncClose()
	sb.drainers.Wait()
}
