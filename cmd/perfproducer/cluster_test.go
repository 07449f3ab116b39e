package main

import (
	"context"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestEmbeddedClusterShape starts the embedded cluster as --embedded-brokers
// 2 --partitions 5 --embedded-blackhole do: the metadata says 2 brokers
// and 5 partitions, and a record produced to it is acknowledged and not
// kept.
func TestEmbeddedClusterShape(t *testing.T) {
	const topic = "shaped"
	c, err := startEmbeddedCluster(topic, embeddedOptions{brokers: 2, partitions: 5, blackhole: true})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl := kafkatest.NewClient(t, c, kgo.DefaultProduceTopic(topic))
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), kafkatest.Deadline)
	defer cancel()
	req := kmsg.NewPtrMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Brokers) != 2 || len(resp.Topics) != 1 || len(resp.Topics[0].Partitions) != 5 {
		t.Fatalf("metadata: %d brokers, topics %d, want 2 brokers and one topic of 5 partitions", len(resp.Brokers), len(resp.Topics))
	}
	if err := cl.ProduceSync(ctx, &kgo.Record{Value: []byte("v")}).FirstErr(); err != nil {
		t.Fatalf("producing to the blackhole: %v", err)
	}
	if got := kafkatest.ConsumeBetween(t, c, topic, 0, 0); len(got) != 0 {
		t.Fatalf("the blackhole kept %d records", len(got))
	}
}
