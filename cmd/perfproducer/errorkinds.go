package main

import (
	"context"
	"errors"
	"maps"
	"sync"

	"github.com/perfproducer/perfproducer/core"
)

// errorKinds counts failures by kind; it is safe for concurrent use.
type errorKinds struct {
	mu     sync.Mutex
	counts map[string]int64
}

func (k *errorKinds) count(err error) {
	kind := errorKind(err)
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.counts == nil {
		k.counts = map[string]int64{}
	}
	k.counts[kind]++
}

// snapshot returns the counts so far.
func (k *errorKinds) snapshot() map[string]int64 {
	k.mu.Lock()
	defer k.mu.Unlock()
	return maps.Clone(k.counts)
}

// producerErrors are core's sentinels of the producer's own errors, most
// specific first. They come before the broker's codes: a record the broker
// found too large matches ErrRecordTooLarge and MESSAGE_TOO_LARGE, and a
// Send out of max.block.ms ErrTimeout and the broker's error for the
// topic; each is counted as the former.
var producerErrors = []struct {
	name string
	err  error
}{
	{"core.ErrRecordTooLarge", core.ErrRecordTooLarge},
	{"core.ErrInvalidRecord", core.ErrInvalidRecord},
	{"core.ErrInvalidPartition", core.ErrInvalidPartition},
	{"core.ErrUnknownTopic", core.ErrUnknownTopic},
	{"core.ErrClosed", core.ErrClosed},
	{"core.ErrCalledFromCallback", core.ErrCalledFromCallback},
	{"core.ErrInvalidConfig", core.ErrInvalidConfig},
	{"core.ErrNotSupported", core.ErrNotSupported},
	{"core.ErrTimeout", core.ErrTimeout},
}

// errorKind names err's kind for the counts: the core sentinel it matches
// (core.ErrRecordTooLarge), else a broker's error code by Kafka's name for
// it (NOT_LEADER_OR_FOLLOWER), else the context's error, else "other". A
// record that may have been written anyway (core.ErrMaybeWritten) counts
// under its cause.
func errorKind(err error) string {
	for _, e := range producerErrors {
		if errors.Is(err, e.err) {
			return e.name
		}
	}
	var ke *core.KafkaError
	if errors.As(err, &ke) {
		return ke.Name
	}
	switch {
	case errors.Is(err, context.Canceled):
		return "context.Canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "context.DeadlineExceeded"
	}
	return "other"
}
