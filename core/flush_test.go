package core

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// TestFlushWaitsOnlyForEarlierRecords flushes while other goroutines keep
// sending: Flush must return once the records sent before it are complete
// (Java's flush), not wait for a producer that never goes idle.
func TestFlushWaitsOnlyForEarlierRecords(t *testing.T) {
	const topic = "flush"
	c := kafkatest.NewCluster(t, 1, topic, 2)
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

// TestFlushOnceCloseHasBegun: Flush after Close, or while Close runs,
// returns ErrClosed at once instead of waiting for a sender that is gone or
// going.
func TestFlushOnceCloseHasBegun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()

	t.Run("after Close", func(t *testing.T) {
		p := newTestProducer(t, kafkatest.NewCluster(t, 1, "t", 1), nil)
		if err := p.Close(ctx); err != nil {
			t.Fatal(err)
		}
		if err := p.Flush(ctx); !errors.Is(err, ErrClosed) {
			t.Fatalf("Flush after Close = %v, want ErrClosed", err)
		}
	})

	t.Run("while Close runs", func(t *testing.T) {
		c := kafkatest.NewCluster(t, 1, "t", 1)
		silenceProduce(c) // Close cannot finish while the record is unanswered
		p := newTestProducer(t, c, nil)
		outcome := make(chan error, 1)
		r := Record{Topic: "t", Value: []byte("x")}
		if err := p.Send(ctx, &r, func(_ RecordMetadata, err error) { outcome <- err }); err != nil {
			t.Fatal(err)
		}
		closeCtx, stopClose := context.WithCancel(ctx)
		closed := make(chan error, 1)
		go func() { closed <- p.Close(closeCtx) }()
		waitFor(t, ctx, "Close to begin", p.closed.Load)
		if err := p.Flush(ctx); !errors.Is(err, ErrClosed) {
			t.Fatalf("Flush while Close runs = %v, want ErrClosed", err)
		}
		stopClose()
		if err := <-closed; !errors.Is(err, context.Canceled) {
			t.Fatalf("Close = %v, want its context's error", err)
		}
		if err := <-outcome; !errors.Is(err, ErrClosed) {
			t.Fatalf("the record ended with %v, want ErrClosed", err)
		}
	})
}
