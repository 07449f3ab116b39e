package core

import (
	"context"
	"io"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/netpoll"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// testDeadline bounds every wait in the end-to-end tests: generous, since
// CI runs them under -race on two busy cores, and never a synchronisation.
const testDeadline = 2 * time.Minute

// newCluster starts an in-process Kafka cluster with one topic.
func newCluster(t testing.TB, brokers int, topic string, partitions int, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(brokers), kfake.SeedTopics(int32(partitions), topic)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("starting kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// newTestProducer starts a producer on c with Kafka's defaults changed by
// edit, and closes it when the test ends.
func newTestProducer(t testing.TB, c *kfake.Cluster, edit func(*Config)) *Producer {
	t.Helper()
	cfg := DefaultConfig()
	cfg.BootstrapServers = c.ListenAddrs()
	cfg.BufferMemory = 4 << 20
	if os.Getenv("PERFPRODUCER_TEST_LOG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	if edit != nil {
		edit(&cfg)
	}
	p, err := NewProducer(cfg)
	if err != nil {
		t.Fatalf("NewProducer: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
		defer cancel()
		p.Close(ctx)
	})
	return p
}

// consume reads exactly want records of topic from c with an independent
// client (franz-go), from the start, and fails the test if they do not all
// come within the deadline.
func consume(t testing.TB, c *kfake.Cluster, topic string, want int) []*kgo.Record {
	t.Helper()
	return consumeBetween(t, c, topic, want, want)
}

// consumeBetween reads the records of topic from c, at least least of them
// and at most most, as consume does.
func consumeBetween(t testing.TB, c *kfake.Cluster, topic string, least, most int) []*kgo.Record {
	t.Helper()
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(c.ListenAddrs()...),
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond),
	)
	if err != nil {
		t.Fatalf("kgo client: %v", err)
	}
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	var got []*kgo.Record
	for len(got) < least {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read back %d of %d records before the deadline", len(got), least)
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Fatalf("fetching %s-%d: %v", topic, p, err)
		})
		got = append(got, fs.Records()...)
	}
	// Anything past most would be a duplicate: give the broker time to show it.
	short, cancelShort := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancelShort()
	for short.Err() == nil {
		got = append(got, cl.PollFetches(short).Records()...)
	}
	if len(got) > most {
		t.Fatalf("read %d records, at most %d were sent", len(got), most)
	}
	return got
}

// setTopicConfig sets one configuration property of topic on c, as an
// administrator would (IncrementalAlterConfigs).
func setTopicConfig(t testing.TB, c *kfake.Cluster, topic, key, value string) {
	t.Helper()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatalf("kgo client: %v", err)
	}
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
