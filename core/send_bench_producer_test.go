//go:build linux

package core

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
)

// BenchmarkSend's workload: Kafka's producer defaults, 100-byte records
// into one topic of a 3-broker cluster. The comparisons with other clients
// live in the bench module.
const (
	benchTopic      = "bench"
	benchBrokers    = 3
	benchPartitions = 12
	benchValueSize  = 100
)

// benchProducer is the producer under BenchmarkSend.
type benchProducer interface {
	// flush waits until every record sent so far is acknowledged and
	// returns the first delivery error since the last flush.
	flush(ctx context.Context) error
	close()
}

// benchValues are the records' values: 100 bytes of words drawn from a
// small vocabulary with a fixed seed, so they compress about as well as
// short text or JSON does.
func benchValues() [][]byte {
	words := []string{"order", "id", "customer", "amount", "EUR", "status", "shipped", "pending",
		"2024-05-17T10:32:11Z", "warehouse", "berlin", "sku", "qty", "price", "note", "gift"}
	rng := rand.New(rand.NewPCG(1, 2))
	values := make([][]byte, 1024)
	for i := range values {
		v := make([]byte, 0, benchValueSize+32)
		for len(v) < benchValueSize {
			v = append(v, words[rng.IntN(len(words))]...)
			v = append(v, ' ')
			v = fmt.Appendf(v, "%d ", rng.IntN(100000))
		}
		values[i] = v[:benchValueSize]
	}
	return values
}

// benchFailures remembers the first delivery error of a run. The lock is
// taken only for an error, and no pointer to the callback's error argument
// is taken, which would move every call's argument to the heap.
type benchFailures struct {
	mu    sync.Mutex
	first error
}

func (f *benchFailures) record(err error) {
	if err == nil {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.first == nil {
		f.first = err
	}
}

// take returns and forgets the first error recorded.
func (f *benchFailures) take() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	err := f.first
	f.first = nil
	return err
}

// perfproducerBench is a Producer with one long-lived callback: nothing is
// allocated per record by the caller.
type perfproducerBench struct {
	p        *Producer
	cb       Callback
	failures benchFailures
}

func openPerfproducer(brokers []string, codec Compression) (benchProducer, error) {
	cfg := DefaultConfig()
	cfg.BootstrapServers = brokers
	cfg.Compression = codec
	p, err := NewProducer(cfg)
	if err != nil {
		return nil, err
	}
	pb := &perfproducerBench{p: p}
	pb.cb = func(_ RecordMetadata, err error) { pb.failures.record(err) }
	return pb, nil
}

func (pb *perfproducerBench) flush(ctx context.Context) error {
	return errors.Join(pb.p.Flush(ctx), pb.failures.take())
}

func (pb *perfproducerBench) close() {
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	_ = pb.p.Close(ctx) // the benchmark has flushed and checked every record
}
