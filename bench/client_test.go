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

// benchProducer is one client under BenchmarkMatrix.
type benchProducer interface {
	// produce sends one record asynchronously; key (nil for none) and
	// value are not changed while the record may still need them.
	produce(ctx context.Context, key, value []byte) error
	// flush waits until every record produced so far is acknowledged and
	// returns the first delivery error since the last flush.
	flush(ctx context.Context) error
	close()
}

// benchClient opens a benchProducer on brokers, configured for a row.
type benchClient struct {
	name string
	open func(brokers []string, r row) (benchProducer, error)
}

// benchClients are compared side by side; builds with the peers tag add
// librdkafka.
var benchClients = []benchClient{
	{"perfproducer", openPerfproducer},
	{"franz-go", openFranzGo},
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
