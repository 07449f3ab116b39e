package core

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
)

// TestFlushWaitsOnlyForEarlierRecords flushes while other goroutines keep
// sending: Flush must return once the records sent before it are complete
// (Java's flush), not wait for a producer that never goes idle.
func TestFlushWaitsOnlyForEarlierRecords(t *testing.T) {
	const topic = "flush"
	c := newCluster(t, 1, topic, 2)
	p := newTestProducer(t, c, nil)
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()

	stop := make(chan struct{})
	var sent atomic.Int64
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := Record{Topic: topic, Value: make([]byte, 100)}
			for {
				select {
				case <-stop:
					return
				default:
				}
				if p.Send(ctx, &r, nil) == nil {
					sent.Add(1)
				}
			}
		}()
	}
	waitFor(t, ctx, "background sends", func() bool { return sent.Load() > 10_000 })
	var done atomic.Int32
	mine := Record{Topic: topic, Value: []byte("before the flush")}
	if err := p.Send(ctx, &mine, func(_ RecordMetadata, err error) {
		if err == nil {
			done.Add(1)
		}
	}); err != nil {
		t.Fatal(err)
	}
	err := p.Flush(ctx)
	flushedWhileSending := sent.Load()
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("Flush while others kept sending: %v", err)
	}
	if done.Load() != 1 {
		t.Fatal("Flush returned before the record sent ahead of it completed")
	}
	t.Logf("Flush returned with %d records sent by others so far", flushedWhileSending)
}
