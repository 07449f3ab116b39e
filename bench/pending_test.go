package bench

import (
	"context"
	"fmt"
	"sync"
)

// pendingRecords counts the records a client has accepted and not yet
// settled, and their bytes, for the clients that have neither a flush that
// waits for every outcome nor a bound on the memory they buffer (sarama's
// and kafka-go's asynchronous producers): reserve waits while the bytes
// would pass buffer.memory, as Kafka's producer blocks in send, and
// drained waits until none is left. Its lock is taken twice per record, a
// cost these two clients pay in the benchmarks and the others do not.
type pendingRecords struct {
	mu      sync.Mutex
	changed sync.Cond // signalled when records settle, or a waiter's ctx ends
	records int64
	bytes   int64
	limit   int64
}

func newPendingRecords(limit int64) *pendingRecords {
	p := &pendingRecords{limit: limit}
	p.changed.L = &p.mu
	return p
}

// reserve counts one record of size bytes, first waiting until it fits
// under the limit (a record larger than the limit goes alone).
func (p *pendingRecords) reserve(ctx context.Context, size int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.records > 0 && p.bytes+int64(size) > p.limit {
		stop := context.AfterFunc(ctx, p.wake)
		defer stop()
		for p.records > 0 && p.bytes+int64(size) > p.limit {
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("waiting for buffer memory: %w", err)
			}
			p.changed.Wait()
		}
	}
	p.records++
	p.bytes += int64(size)
	return nil
}

// settle uncounts one record of size bytes.
func (p *pendingRecords) settle(size int) {
	p.mu.Lock()
	p.records--
	p.bytes -= int64(size)
	p.mu.Unlock()
	p.changed.Broadcast()
}

// drained waits until every record reserved has settled, or ctx ends.
func (p *pendingRecords) drained(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.records == 0 {
		return nil
	}
	stop := context.AfterFunc(ctx, p.wake)
	defer stop()
	for p.records > 0 {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%d records not settled: %w", p.records, err)
		}
		p.changed.Wait()
	}
	return nil
}

func (p *pendingRecords) wake() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.changed.Broadcast()
}
