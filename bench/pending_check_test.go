package bench

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestPendingRecordsBoundsBytes(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p := newPendingRecords(100)
	for range 2 {
		if err := p.reserve(ctx, 50); err != nil {
			t.Fatal(err)
		}
	}
	reserved := make(chan error, 1)
	go func() { reserved <- p.reserve(ctx, 50) }()
	select {
	case err := <-reserved:
		t.Fatalf("a record past the limit was reserved at once (err %v)", err)
	default:
	}
	p.settle(50)
	select {
	case err := <-reserved:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("settling a record did not make room for the waiting one")
	}
	drained := make(chan error, 1)
	go func() { drained <- p.drained(ctx) }()
	p.settle(50)
	p.settle(50)
	select {
	case err := <-drained:
		if err != nil {
			t.Fatal(err)
		}
	case <-ctx.Done():
		t.Fatal("drained did not return once every record settled")
	}
}

func TestPendingRecordsWaitEndsWithContext(t *testing.T) {
	p := newPendingRecords(10)
	if err := p.reserve(context.Background(), 10); err != nil {
		t.Fatal(err)
	}
	for name, wait := range map[string]func(context.Context) error{
		"reserve": func(ctx context.Context) error { return p.reserve(ctx, 1) },
		"drained": p.drained,
	} {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- wait(ctx) }()
		cancel()
		select {
		case err := <-done:
			if !errors.Is(err, context.Canceled) {
				t.Errorf("%s after its context ended: %v, want context.Canceled", name, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("%s did not return when its context ended", name)
		}
	}
}
