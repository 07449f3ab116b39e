package wire

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestBrokerRoundTrip sends our sealed batches, one per codec, through a
// real (in-process) broker in a produce request, consumes them back with
// kgo, which verifies each batch's CRC and decompresses it, and checks every
// record.
func TestBrokerRoundTrip(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cluster := kafkatest.NewCluster(t, 1, "t", 1,
		// The large-value case is a 1 MiB record; Kafka's default limit
		// is just over 1 MiB for the whole batch.
		kfake.BrokerConfigs(map[string]string{"message.max.bytes": "4194304"}))

	var cases []batchCase
	for _, c := range batchCases() {
		if len(c.records) > 0 {
			cases = append(cases, c)
		}
	}
	producer := kafkatest.NewClient(t, cluster)
	defer producer.Close()
	topicID := metadataTopicID(ctx, t, producer, "t")

	var want []testRecord
	for _, codec := range allCodecs {
		for _, c := range cases {
			req := kmsg.NewProduceRequest()
			req.Acks = -1
			req.TimeoutMillis = 10_000
			topic := kmsg.NewProduceRequestTopic()
			topic.Topic, topic.TopicID = "t", topicID
			part := kmsg.NewProduceRequestTopicPartition()
			part.Records = buildBatch(t, c, codec)
			topic.Partitions = append(topic.Partitions, part)
			req.Topics = append(req.Topics, topic)
			resp, err := req.RequestWith(ctx, producer)
			if err != nil {
				t.Fatalf("%s/%s: produce: %v", c.name, codec, err)
			}
			if code := resp.Topics[0].Partitions[0].ErrorCode; code != 0 {
				t.Fatalf("%s/%s: produce error code %d", c.name, codec, code)
			}
			want = append(want, c.records...)
		}
	}

	got := kafkatest.Consume(t, cluster, "t", len(want))
	if len(got) != len(want) {
		t.Fatalf("consumed %d records, produced %d", len(got), len(want))
	}
	for i, r := range got {
		w := want[i]
		what := fmt.Sprintf("record %d (offset %d)", i, r.Offset)
		if r.Offset != int64(i) {
			t.Errorf("%s: out of order", what)
		}
		checkBytes(t, what+" key", r.Key, w.key)
		checkBytes(t, what+" value", r.Value, w.value)
		if !r.Timestamp.Equal(time.UnixMilli(w.timestamp)) {
			t.Errorf("%s: timestamp %v, want %v", what, r.Timestamp, time.UnixMilli(w.timestamp))
		}
		if len(r.Headers) != len(w.headers) {
			t.Fatalf("%s: %d headers, want %d", what, len(r.Headers), len(w.headers))
		}
		for j, h := range r.Headers {
			if h.Key != w.headers[j].Key {
				t.Errorf("%s header %d: key %q, want %q", what, j, h.Key, w.headers[j].Key)
			}
			checkBytes(t, fmt.Sprintf("%s header %d value", what, j), h.Value, w.headers[j].Value)
		}
	}
}

// metadataTopicID asks the broker for topic's id, which produce v13 names
// topics by.
func metadataTopicID(ctx context.Context, t *testing.T, cl *kgo.Client, topic string) [16]byte {
	t.Helper()
	req := kmsg.NewMetadataRequest()
	rt := kmsg.NewMetadataRequestTopic()
	rt.Topic = kmsg.StringPtr(topic)
	req.Topics = append(req.Topics, rt)
	resp, err := req.RequestWith(ctx, cl)
	if err != nil {
		t.Fatalf("metadata: %v", err)
	}
	if len(resp.Topics) != 1 || resp.Topics[0].ErrorCode != 0 {
		t.Fatalf("metadata for %q: %+v", topic, resp.Topics)
	}
	return resp.Topics[0].TopicID
}
