package bench

import (
	"context"
	"sync"
	"time"
)

// Every client is configured alike, with Kafka's producer defaults where
// the matrix does not vary a setting.
const (
	benchTopic        = "bench"
	benchLinger       = 5 * time.Millisecond
	benchBatchSize    = 16384
	benchBufferMemory = 32 << 20
)

// benchProducer is one client under BenchmarkMatrix or BenchmarkLatency.
type benchProducer interface {
	// produce sends record seq (0-based, counted by the caller)
	// asynchronously; key (nil for none) and value are not changed while
	// the record may still need them.
	produce(ctx context.Context, seq int64, key, value []byte) error
	// flush waits until every record produced so far is acknowledged and
	// returns the first delivery error since the last flush.
	flush(ctx context.Context) error
	close()
}

// ackFunc receives the outcome of record seq, once per record, on
// whichever goroutine the client delivers outcomes.
type ackFunc func(seq int64, err error)

// benchClient opens a benchProducer on brokers, configured for a row. With
// a nil acked, only the first delivery error matters (flush returns it) and
// the client carries no sequence number with its records, so the matrix
// measures what a user who needs no per-record outcome pays; otherwise
// acked gets every record's outcome.
type benchClient struct {
	name string
	open func(brokers []string, r row, acked ackFunc) (benchProducer, error)
	// throughputOnly: the client has no outcome per record to time, so
	// BenchmarkLatency leaves it out (the floor).
	throughputOnly bool
}

// benchClients are compared side by side; builds with the peers tag add
// librdkafka. The floors are no clients: they are the work every client
// must do for a row (see floorBench), without sending and with.
var benchClients = []benchClient{
	{name: "perfproducer", open: openPerfproducer},
	{name: "franz-go", open: openFranzGo},
	{name: "sarama", open: openSarama},
	{name: "kafka-go", open: openKafkaGo},
	{name: "floor", open: openFloor, throughputOnly: true},
	{name: "floor-send", open: openFloorSend, throughputOnly: true},
}

// clientNamed is the client of that name, if this build has it.
func clientNamed(name string) (benchClient, bool) {
	for _, c := range benchClients {
		if c.name == name {
			return c, true
		}
	}
	return benchClient{}, false
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
