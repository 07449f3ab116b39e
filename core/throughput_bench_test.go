package core

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
)

// The throughput benchmark's workload and settings: Kafka's producer
// defaults, which every client below is configured to match.
const (
	benchTopic        = "bench"
	benchBrokers      = 3
	benchPartitions   = 12
	benchValueSize    = 100
	benchLinger       = 5 * time.Millisecond
	benchBatchSize    = 16384
	benchBufferMemory = 32 << 20
	// benchWarmup records go out (and are acknowledged) before the clock
	// starts, so connections, metadata and the producer id are in place.
	benchWarmup = 2000
)

// benchProducer is one client under BenchmarkThroughput.
type benchProducer interface {
	// produce sends one keyless record asynchronously; value is not
	// changed while the record may still need it.
	produce(ctx context.Context, value []byte) error
	// flush waits until every record produced so far is acknowledged and
	// returns the first delivery error since the last flush.
	flush(ctx context.Context) error
	close()
}

// benchClient opens a benchProducer on brokers with the benchmark's
// settings and the given compression.
type benchClient struct {
	name string
	open func(brokers []string, codec Compression) (benchProducer, error)
}

// throughputClients are compared side by side; builds with the peers tag
// add librdkafka.
var throughputClients = []benchClient{
	{"perfproducer", openPerfproducer},
	{"franz-go", openFranzGo},
}

// BenchmarkThroughput sends b.N keyless 100-byte records and waits for every
// acknowledgement, with each client in turn, into a kfake cluster (3
// brokers, 12 partitions) started afresh for every run, so no client meets
// a longer log than another. The broker runs in a child process on the same
// cores, so it competes with the client for CPU but its allocations are not
// counted as the client's; its CPU time per record is reported apart
// (broker-cpu-ns/op), since a client that sends smaller batches or more
// requests makes the broker work harder.
func BenchmarkThroughput(b *testing.B) {
	for _, codec := range []Compression{CompressionNone, CompressionLZ4} {
		for _, client := range throughputClients {
			b.Run(fmt.Sprintf("codec=%v/client=%s", codec, client.name), func(b *testing.B) {
				benchThroughput(b, client, codec)
			})
		}
	}
}

func benchThroughput(b *testing.B, client benchClient, codec Compression) {
	broker := startBrokerProcess(b, benchBrokers, benchPartitions, benchTopic)
	p, err := client.open(broker.addrs, codec)
	if err != nil {
		b.Fatalf("opening %s: %v", client.name, err)
	}
	defer p.close()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	values := benchValues()
	for i := range benchWarmup {
		if err := p.produce(ctx, values[i%len(values)]); err != nil {
			b.Fatalf("warm-up record %d: %v", i, err)
		}
	}
	if err := p.flush(ctx); err != nil {
		b.Fatalf("warm-up flush: %v", err)
	}
	b.ReportAllocs()
	b.SetBytes(benchValueSize)
	b.ResetTimer()
	allocs, cpu, brokerCPU := heapAllocs(), processCPU(), broker.cpu(b)
	for i := range b.N {
		if err := p.produce(ctx, values[i%len(values)]); err != nil {
			b.Fatalf("record %d: %v", i, err)
		}
	}
	if err := p.flush(ctx); err != nil {
		b.Fatalf("flush: %v", err)
	}
	b.StopTimer()
	b.ReportMetric(float64(heapAllocs()-allocs)*1000/float64(b.N), "allocs/1000op")
	b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(broker.cpu(b)-brokerCPU)/float64(b.N), "broker-cpu-ns/op")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// benchValues are the records' values: 100 bytes of words drawn from a
// small vocabulary with a fixed seed, so they compress about as well as
// short text or JSON does, and every client sends the same bytes.
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

// benchFailures remembers the first delivery error of a run; callbacks of
// every client record into it. The lock is taken only for an error, and no
// pointer to the callback's error argument is taken, which would move every
// call's argument to the heap.
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

// perfproducerBench is this module's Producer, with one long-lived callback
// and one reused Record: nothing is allocated per record by the caller.
type perfproducerBench struct {
	p        *Producer
	rec      Record
	cb       Callback
	failures benchFailures
}

func openPerfproducer(brokers []string, codec Compression) (benchProducer, error) {
	cfg := DefaultConfig()
	cfg.BootstrapServers = brokers
	cfg.Acks = AcksAll
	cfg.EnableIdempotence = true
	cfg.Linger = benchLinger
	cfg.BatchSize = benchBatchSize
	cfg.BufferMemory = benchBufferMemory
	cfg.Compression = codec
	p, err := NewProducer(cfg)
	if err != nil {
		return nil, err
	}
	pb := &perfproducerBench{p: p, rec: Record{Topic: benchTopic}}
	pb.cb = func(_ RecordMetadata, err error) { pb.failures.record(err) }
	return pb, nil
}

func (pb *perfproducerBench) produce(ctx context.Context, value []byte) error {
	pb.rec.Value = value
	return pb.p.Send(ctx, &pb.rec, pb.cb)
}

func (pb *perfproducerBench) flush(ctx context.Context) error {
	return errors.Join(pb.p.Flush(ctx), pb.failures.take())
}

func (pb *perfproducerBench) close() {
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	_ = pb.p.Close(ctx) // the benchmark has flushed and checked every record
}

// franzGoBench is franz-go's kgo client configured like Kafka's defaults:
// its own defaults differ (10 ms linger, 1 MB batches, a 64 KiB sticky
// switch, snappy, 50,000 buffered records). kgo needs a fresh *Record per
// Produce, as its users write it.
type franzGoBench struct {
	cl       *kgo.Client
	promise  func(*kgo.Record, error)
	failures benchFailures
}

func openFranzGo(brokers []string, codec Compression) (benchProducer, error) {
	compression := kgo.NoCompression()
	if codec == CompressionLZ4 {
		compression = kgo.Lz4Compression()
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(brokers...),
		kgo.DefaultProduceTopic(benchTopic),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		kgo.ProducerLinger(benchLinger),
		kgo.ProducerBatchMaxBytes(benchBatchSize),
		kgo.ProducerBatchCompression(compression),
		kgo.MaxBufferedBytes(benchBufferMemory),
		// The byte limit above is the one that binds, as buffer.memory
		// does for the other clients.
		kgo.MaxBufferedRecords(benchBufferMemory/benchValueSize),
		kgo.RecordPartitioner(kgo.UniformBytesPartitioner(benchBatchSize, true, true, nil)),
	)
	if err != nil {
		return nil, err
	}
	fb := &franzGoBench{cl: cl}
	fb.promise = func(_ *kgo.Record, err error) { fb.failures.record(err) }
	return fb, nil
}

func (fb *franzGoBench) produce(ctx context.Context, value []byte) error {
	fb.cl.Produce(ctx, &kgo.Record{Value: value}, fb.promise)
	return nil
}

func (fb *franzGoBench) flush(ctx context.Context) error {
	return errors.Join(fb.cl.Flush(ctx), fb.failures.take())
}

func (fb *franzGoBench) close() { fb.cl.Close() }
