//go:build !linux

package core_test

import (
	"errors"
	"testing"

	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/netpoll"
)

func TestNewProducerIsNotSupported(t *testing.T) {
	cfg := core.DefaultConfig()
	cfg.BootstrapServers = []string{"127.0.0.1:9092"}
	p, err := core.NewProducer(cfg)
	if p != nil {
		t.Fatal("NewProducer returned a producer")
	}
	for _, want := range []error{core.ErrNotSupported, netpoll.ErrNotSupported} {
		if !errors.Is(err, want) {
			t.Errorf("NewProducer error %v does not match %v", err, want)
		}
	}
}
