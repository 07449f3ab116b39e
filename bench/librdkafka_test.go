//go:build peers

package bench

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/confluentinc/confluent-kafka-go/v2/kafka"
)

// librdkafka joins BenchmarkMatrix only in builds with the peers tag:
// confluent-kafka-go links a static librdkafka through cgo, which vetting
// and building the module without a C compiler must not need.
func init() {
	benchClients = append(benchClients, benchClient{name: "librdkafka", open: openLibrdkafka})
}

// librdkafkaBench is librdkafka through confluent-kafka-go, configured like
// Kafka's defaults (its own defaults differ: batch.size 1000000,
// queue.buffering.max.kbytes 1 GiB, 100,000 queued messages, and a
// consistent_random partitioner, CRC32 rather than Java's murmur2).
// Delivery reports come on Events(), drained by one goroutine, carrying no
// key or value back; one Message is reused, since Produce copies the key
// and value and keeps no reference without a delivery channel or opaque.
// When outcomes are wanted, a record's sequence number rides in the
// Message's Opaque, which the binding keeps in a map until the report.
type librdkafkaBench struct {
	p        *kafka.Producer
	msg      kafka.Message
	acked    ackFunc
	produced int64 // written by the producing goroutine only
	settled  atomic.Int64
	failures benchFailures
	drained  chan struct{}
}

func openLibrdkafka(brokers []string, r row, acked ackFunc) (benchProducer, error) {
	acks := "1"
	if r.acksAll {
		acks = "all"
	}
	p, err := kafka.NewProducer(&kafka.ConfigMap{
		"bootstrap.servers":            strings.Join(brokers, ","),
		"acks":                         acks,
		"enable.idempotence":           r.acksAll,
		"linger.ms":                    int(benchLinger / time.Millisecond),
		"batch.size":                   benchBatchSize,
		"compression.type":             r.codec.String(),
		"partitioner":                  "murmur2_random",
		"queue.buffering.max.kbytes":   benchBufferMemory >> 10,
		"queue.buffering.max.messages": benchBufferMemory / r.valueSize,
		"go.delivery.report.fields":    "none",
		"log_level":                    3,
	})
	if err != nil {
		return nil, err
	}
	topic := benchTopic
	lb := &librdkafkaBench{
		p:       p,
		msg:     kafka.Message{TopicPartition: kafka.TopicPartition{Topic: &topic, Partition: kafka.PartitionAny}},
		acked:   acked,
		drained: make(chan struct{}),
	}
	go lb.drain()
	return lb, nil
}

// drain settles every delivery report; it ends when Close closes Events().
func (lb *librdkafkaBench) drain() {
	defer close(lb.drained)
	for ev := range lb.p.Events() {
		switch e := ev.(type) {
		case *kafka.Message:
			lb.failures.record(e.TopicPartition.Error)
			if lb.acked != nil {
				lb.acked(e.Opaque.(int64), e.TopicPartition.Error)
			}
			lb.settled.Add(1)
		case kafka.Error:
			if e.IsFatal() {
				lb.failures.record(e)
			}
		}
	}
}

// produce enqueues the record; when librdkafka's queue is full (its
// buffer.memory), it waits for deliveries to make room, as the other
// clients block in Produce or Send.
func (lb *librdkafkaBench) produce(ctx context.Context, seq int64, key, value []byte) error {
	if lb.acked != nil {
		lb.msg.Opaque = seq
	}
	lb.msg.Key = key
	lb.msg.Value = value
	for {
		err := lb.p.Produce(&lb.msg, nil)
		var kerr kafka.Error
		if !errors.As(err, &kerr) || kerr.Code() != kafka.ErrQueueFull {
			if err == nil {
				lb.produced++
			}
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		lb.p.Flush(1)
	}
}

// flush waits for librdkafka's queue to empty and for the drain goroutine
// to have settled every record produced.
func (lb *librdkafkaBench) flush(ctx context.Context) error {
	for lb.p.Flush(100) > 0 || lb.settled.Load() < lb.produced {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%d of %d records settled: %w", lb.settled.Load(), lb.produced, err)
		}
	}
	return lb.failures.take()
}

func (lb *librdkafkaBench) close() {
	lb.p.Close()
	<-lb.drained
}
