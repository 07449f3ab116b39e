package core

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/perfproducer/perfproducer/iouring"
	"github.com/perfproducer/perfproducer/netpoll"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testDeadline bounds every wait in the end-to-end tests.
const testDeadline = kafkatest.Deadline

// newTestProducer starts a producer on c with Kafka's defaults changed by
// edit, and closes it when the test ends. It runs on the transport
// PERFPRODUCER_TEST_TRANSPORT names (epoll by default), so the end-to-end
// and fault tests run on either: where io_uring is asked for and the kernel
// refuses it, the test is skipped, except in CI, where it fails.
func newTestProducer(t testing.TB, c *kfake.Cluster, edit func(*Config)) *Producer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.BootstrapServers = c.ListenAddrs()
	cfg.BufferMemory = 4 << 20
	if name := os.Getenv("PERFPRODUCER_TEST_TRANSPORT"); name != "" {
		if err := cfg.Set("transport", name); err != nil {
			t.Fatalf("PERFPRODUCER_TEST_TRANSPORT: %v", err)
		}
		cfg.TransportFallback = false
	}
	if os.Getenv("PERFPRODUCER_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := NewProducer(cfg)
	if errors.Is(err, iouring.ErrNotSupported) && os.Getenv("CI") != "true" {
		t.Skipf("io_uring is unavailable here: %v", err)
	}
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	if got := p.Stats().Transport; !cfg.TransportFallback && got != cfg.Transport {
		t.Fatalf("the producer runs on the %s transport, want %s", got, cfg.Transport)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
		defer cancel()
		p.Close(ctx)
	})
	return p
}

// setTopicConfig sets one configuration property of topic on c, as an
// administrator would (IncrementalAlterConfigs).
func setTopicConfig(t testing.TB, c *kfake.Cluster, topic, key, value string) {
	t.Helper()
	cl := kafkatest.NewClient(t, c)
	defer cl.Close()
	req := kmsg.NewPtrIncrementalAlterConfigsRequest()
	res := kmsg.NewIncrementalAlterConfigsRequestResource()
	res.ResourceType, res.ResourceName = kmsg.ConfigResourceTypeTopic, topic
	cfg := kmsg.NewIncrementalAlterConfigsRequestResourceConfig()
	cfg.Name, cfg.Value = key, &value
	res.Configs = append(res.Configs, cfg)
	req.Resources = append(req.Resources, res)
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("setting %s=%s on %s: %v", key, value, topic, err)
	}
	for _, r := range resp.Resources {
		if err := kerr.ErrorForCode(r.ErrorCode); err != nil {
			t.Fatalf("setting %s=%s on %s: %v", key, value, topic, err)
		}
	}
}

// newBareSender is a sender with cfg and an idle network selector, for
// tests that drive its connection or sequence logic by hand: no producer
// goroutine runs it.
func newBareSender(t testing.TB, cfg Config) *sender {
	t.Helper()
	sel, err := netpoll.New(netpoll.Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sel.Close() })
	return &sender{
		p:   &Producer{},
		cfg: &cfg, net: sel, ctx: context.Background(),
		log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		meta:  newMetadata(func() {}, &senderGoroutine{}),
		conns: map[int32]*brokerConn{},
		idem:  newIdempotence(cfg.EnableIdempotence),
		clock: newMonoClock(),

		readyList: new(readyList),
	}
}
