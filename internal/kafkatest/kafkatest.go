// Package kafkatest starts in-process Kafka clusters (franz-go's kfake) for
// the module's tests and reads records back from them with an independent
// client (franz-go's kgo), so a test checks what a broker holds rather than
// what the producer says it wrote. Only tests import it.
package kafkatest

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Deadline bounds every wait of a test on a cluster: generous, since CI runs
// the tests under -race on two busy cores, and never a synchronisation.
const Deadline = 2 * time.Minute

// duplicateWindow is how long ConsumeBetween keeps reading once it has the
// least it wants, for records beyond the most to show up.
const duplicateWindow = 300 * time.Millisecond

// NewCluster starts a cluster of brokers with one topic of partitions
// partitions, and opts after those, and closes it when the test ends.
func NewCluster(t testing.TB, brokers int, topic string, partitions int, opts ...kfake.Opt) *kfake.Cluster {
	t.Helper()
	opts = append([]kfake.Opt{kfake.NumBrokers(brokers), kfake.SeedTopics(int32(partitions), topic)}, opts...)
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		t.Fatalf("starting kfake: %v", err)
	}
	t.Cleanup(c.Close)
	return c
}

// NewClient returns a franz-go client of c with opts; the caller closes it.
func NewClient(t testing.TB, c *kfake.Cluster, opts ...kgo.Opt) *kgo.Client {
	t.Helper()
	cl, err := kgo.NewClient(append([]kgo.Opt{kgo.SeedBrokers(c.ListenAddrs()...)}, opts...)...)
	if err != nil {
		t.Fatalf("kgo client: %v", err)
	}
	return cl
}

// Consume reads exactly want records of topic from c, from the start, and
// fails the test if they do not all come within Deadline or more come.
func Consume(t testing.TB, c *kfake.Cluster, topic string, want int) []*kgo.Record {
	t.Helper()
	return ConsumeBetween(t, c, topic, want, want)
}

// ConsumeBetween reads the records of topic from c, at least least of them
// and at most most, as Consume does. It fetches up to 8 MiB of a partition
// at a time, room for the largest batch a test writes.
func ConsumeBetween(t testing.TB, c *kfake.Cluster, topic string, least, most int) []*kgo.Record {
	t.Helper()
	return ConsumeWith(t, c, topic, least, most)
}

// ConsumeWith is ConsumeBetween with more client options, such as the TLS
// and SASL settings of a secured cluster.
func ConsumeWith(t testing.TB, c *kfake.Cluster, topic string, least, most int, opts ...kgo.Opt) []*kgo.Record {
	t.Helper()
	cl := NewClient(t, c, append([]kgo.Opt{
		kgo.ConsumeTopics(topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100 * time.Millisecond),
		kgo.FetchMaxPartitionBytes(8 << 20),
	}, opts...)...)
	defer cl.Close()
	ctx, cancel := context.WithTimeout(context.Background(), Deadline)
	defer cancel()
	var got []*kgo.Record
	seen := make(map[logPosition]*kgo.Record)
	reread := 0
	// keep adds the records of a poll that are new to got. A record the
	// client hands back at a (partition, offset) it already gave is the
	// client reading the log again (after an offset reset, say), not a
	// second copy in the log: it must match the first reading, and counts
	// once.
	keep := func(fs kgo.Fetches) {
		for _, r := range fs.Records() {
			pos := logPosition{r.Partition, r.Offset}
			if first, ok := seen[pos]; ok {
				if !sameRecord(first, r) {
					t.Fatalf("%s-%d offset %d read twice with different contents", r.Topic, r.Partition, r.Offset)
				}
				reread++
				continue
			}
			seen[pos] = r
			got = append(got, r)
		}
	}
	for len(got) < least {
		fs := cl.PollFetches(ctx)
		if err := ctx.Err(); err != nil {
			t.Fatalf("read back %d of %d records before the deadline", len(got), least)
		}
		fs.EachError(func(topic string, p int32, err error) {
			t.Fatalf("fetching %s-%d: %v", topic, p, err)
		})
		keep(fs)
	}
	// Anything past most would be a duplicate: give the broker time to show it.
	short, cancelShort := context.WithTimeout(context.Background(), duplicateWindow)
	defer cancelShort()
	for short.Err() == nil {
		fs := cl.PollFetches(short)
		fs.EachError(func(topic string, p int32, err error) {
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("fetching %s-%d: %v", topic, p, err)
			}
		})
		keep(fs)
	}
	if reread > 0 {
		t.Logf("the consumer read %d records again at offsets it had read (counted once)", reread)
	}
	if len(got) > most {
		t.Fatalf("read %d records at distinct offsets, at most %d were sent", len(got), most)
	}
	return got
}

// logPosition is where a record lies in a topic's log.
type logPosition struct {
	partition int32
	offset    int64
}

// sameRecord reports whether two readings of one log position agree.
func sameRecord(a, b *kgo.Record) bool {
	if !bytes.Equal(a.Key, b.Key) || !bytes.Equal(a.Value, b.Value) || !a.Timestamp.Equal(b.Timestamp) || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !bytes.Equal(a.Headers[i].Value, b.Headers[i].Value) {
			return false
		}
	}
	return true
}
