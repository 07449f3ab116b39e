package bench

import (
	"context"
	"errors"
	"fmt"

	"github.com/perfproducer/perfproducer/core"
	"github.com/segmentio/kafka-go"
)

// kafkaGoCodecs are kafka-go's codecs; each runs at its default level.
var kafkaGoCodecs = map[core.Compression]kafka.Compression{
	core.CompressionNone:   0,
	core.CompressionGzip:   kafka.Gzip,
	core.CompressionSnappy: kafka.Snappy,
	core.CompressionLZ4:    kafka.Lz4,
	core.CompressionZstd:   kafka.Zstd,
}

// kafkaGoBench is segmentio/kafka-go's Writer in its asynchronous mode,
// configured like Kafka's defaults where it has the setting (its own
// defaults differ: acks=0, 1 s linger, 100-message batches, round-robin).
// Where it has none, or a different one:
//   - idempotence: kafka-go has no idempotent producer, so acks=all rows
//     run without it.
//   - batch.size: BatchBytes, with the message-count limit (BatchSize)
//     raised so bytes bind.
//   - max.in.flight.requests.per.connection: kafka-go writes one batch at
//     a time per partition, with no setting for more.
//   - partitioner: Murmur2Balancer, murmur2 as in Kafka's client for keyed
//     records; unkeyed ones go to a random partition each, as kafka-go has
//     no sticky balancer (KIP-480/794).
//   - buffer.memory: kafka-go's asynchronous Writer queues without bound;
//     a pendingRecords bounds it here.
//
// Each record is one WriteMessages call, the way an asynchronous producer
// sends as records come; Completion reports a batch's outcome for all its
// messages at once, from the Writer's goroutines. When outcomes are
// wanted a record's sequence number rides in its WriterData.
type kafkaGoBench struct {
	w        *kafka.Writer
	pending  *pendingRecords
	acked    ackFunc
	failures benchFailures
}

func openKafkaGo(brokers []string, r row, acked ackFunc) (benchProducer, error) {
	codec, ok := kafkaGoCodecs[r.codec]
	if !ok {
		return nil, fmt.Errorf("kafka-go: no codec for compression %v", r.codec)
	}
	kb := &kafkaGoBench{pending: newPendingRecords(benchBufferMemory), acked: acked}
	acks := kafka.RequireOne
	if r.acksAll {
		acks = kafka.RequireAll
	}
	kb.w = &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Topic:        benchTopic,
		Balancer:     kafka.Murmur2Balancer{},
		BatchSize:    benchBatchSize, // records have at least a byte: BatchBytes binds
		BatchBytes:   benchBatchSize,
		BatchTimeout: benchLinger,
		RequiredAcks: acks,
		Compression:  codec,
		Async:        true,
		Completion:   kb.completed,
	}
	return kb, nil
}

func (kb *kafkaGoBench) completed(messages []kafka.Message, err error) {
	kb.failures.record(err)
	for i := range messages {
		if kb.acked != nil {
			kb.acked(messages[i].WriterData.(int64), err)
		}
		kb.pending.settle(len(messages[i].Key) + len(messages[i].Value))
	}
}

func (kb *kafkaGoBench) produce(ctx context.Context, seq int64, key, value []byte) error {
	if err := kb.pending.reserve(ctx, len(key)+len(value)); err != nil {
		return err
	}
	msg := kafka.Message{Key: key, Value: value}
	if kb.acked != nil {
		msg.WriterData = seq
	}
	if err := kb.w.WriteMessages(ctx, msg); err != nil {
		kb.pending.settle(len(key) + len(value))
		return err
	}
	return nil
}

func (kb *kafkaGoBench) flush(ctx context.Context) error {
	return errors.Join(kb.pending.drained(ctx), kb.failures.take())
}

func (kb *kafkaGoBench) close() { _ = kb.w.Close() } // every record was flushed and checked
