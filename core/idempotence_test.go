package core

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// failProduceOnce answers the nth Produce request (1-based) with code for
// every partition in it, without writing anything.
func failProduceOnce(c *kfake.Cluster, nth int64, code int16) *atomic.Int64 {
	var seen atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if seen.Add(1) != nth {
			c.KeepControl()
			return nil, nil, false
		}
		return produceErrorResponse(req, code), nil, true
	})
	return &seen
}

// produceErrorResponse answers every partition of a Produce request with
// code, as a broker that wrote nothing would.
func produceErrorResponse(req kmsg.Request, code int16) *kmsg.ProduceResponse {
	pr := req.(*kmsg.ProduceRequest)
	resp := pr.ResponseKind().(*kmsg.ProduceResponse)
	for _, rt := range pr.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition, sp.ErrorCode = rp.Partition, code
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}

func TestUnknownProducerIDBumpsEpoch(t *testing.T) {
	const topic, n = "bump", 20_000
	c := kafkatest.NewCluster(t, 1, topic, 3)
	inits := countRequests(c, kmsg.InitProducerID)
	failProduceOnce(c, 5, 59 /* UNKNOWN_PRODUCER_ID */)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.RetryBackoff = time.Millisecond })
	sent := sendAll(t, p, n, mixedRecord(topic, 32))
	if got := inits.Load(); got != 2 {
		t.Fatalf("%d InitProducerId requests, want 2 (the first, and the epoch bump)", got)
	}
	verifyReadBack(t, sent, kafkatest.Consume(t, c, topic, n), 3, true)
}

func TestDuplicateSequenceIsSuccess(t *testing.T) {
	const topic = "dup"
	c := kafkatest.NewCluster(t, 1, topic, 1)
	failProduceOnce(c, 1, 46 /* DUPLICATE_SEQUENCE_NUMBER */)
	p := newTestProducer(t, c, nil)
	r := Record{Topic: topic, Value: []byte("already there")}
	if _, err := p.SendSync(context.Background(), &r); err != nil {
		t.Fatalf("a batch the broker calls a duplicate must count as delivered, got %v", err)
	}
}

func TestNonRetriableErrorFailsTheRecords(t *testing.T) {
	const topic = "denied"
	c := kafkatest.NewCluster(t, 1, topic, 1)
	failProduceOnce(c, 1, 29 /* TOPIC_AUTHORIZATION_FAILED */)
	p := newTestProducer(t, c, nil)
	r := Record{Topic: topic, Value: []byte("x")}
	_, err := p.SendSync(context.Background(), &r)
	if !errorsIsCode(err, 29) {
		t.Fatalf("SendSync = %v, want TOPIC_AUTHORIZATION_FAILED", err)
	}
	// The producer carries on: the next record takes the failed one's
	// sequence number.
	r = Record{Topic: topic, Value: []byte("y")}
	if _, err := p.SendSync(context.Background(), &r); err != nil {
		t.Fatalf("the record after a failed one: %v", err)
	}
	got := kafkatest.Consume(t, c, topic, 1)
	if string(got[0].Value) != "y" {
		t.Fatalf("read back %q, want only the second record", got[0].Value)
	}
}

func TestDeliveryTimeoutFailsRecordsABrokerNeverAnswers(t *testing.T) {
	c := kafkatest.NewCluster(t, 1, "t", 1)
	silenceProduce(c)
	var o outcomes
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Linger = 0
		cfg.RequestTimeout = 200 * time.Millisecond
		cfg.DeliveryTimeout = 500 * time.Millisecond
	})
	const n = 50
	value := binary.BigEndian.AppendUint64(nil, 1)
	for i := range n {
		r := Record{Topic: "t", Value: value, Opaque: uint64(i)}
		if err := p.Send(context.Background(), &r, o.callback); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush did not end after delivery.timeout.ms: %v", err)
	}
	if len(o.calls) != n || len(o.errs) != n {
		t.Fatalf("%d callbacks, %d errors; want %d failures", len(o.calls), len(o.errs), n)
	}
	for _, err := range o.errs {
		if !errors.Is(err, ErrTimeout) {
			t.Fatalf("record failed with %v, want ErrTimeout", err)
		}
	}
}

// TestDeliveryTimeoutBoundsBatchesInFlight: a batch whose
// delivery.timeout.ms passes while it is in flight (its retry is out to a
// silent broker) fails then, not when the request gives up; its memory
// comes back once the request ends.
func TestDeliveryTimeoutBoundsBatchesInFlight(t *testing.T) {
	c := kafkatest.NewCluster(t, 1, "t", 1)
	silenceProduce(c)
	var o outcomes
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Linger = 0
		// The retry goes out about 2 s in and would wait until 4 s.
		cfg.RequestTimeout = 2 * time.Second
		cfg.DeliveryTimeout = 3 * time.Second
		cfg.RetryBackoff = 50 * time.Millisecond
	})
	r := Record{Topic: "t", Value: []byte("never answered")}
	if err := p.Send(context.Background(), &r, o.callback); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(o.errs) != 1 || !errors.Is(o.errs[0], ErrTimeout) || !strings.Contains(o.errs[0].Error(), "in flight") {
		t.Fatalf("outcomes %v, want one ErrTimeout while the batch was in flight", o.errs)
	}
	if !errors.Is(o.errs[0], ErrMaybeWritten) {
		t.Fatalf("%v: a record failed while its request is out may have been written, and its error must say so", o.errs[0])
	}
	waitFor(t, ctx, "the batch's memory to come back when its request ends", func() bool {
		st := p.Stats()
		return st.BufferFree == st.BufferTotal
	})
}

// errorsIsCode reports whether err carries the broker error code.
func errorsIsCode(err error, code int16) bool {
	var ke *wire.KafkaError
	return errors.As(err, &ke) && ke.Code == code
}

// TestUnknownProducerIDRestartsOnlyItsPartition: the broker loses one
// partition's producer state mid-run (UNKNOWN_PRODUCER_ID, nothing
// written). That partition restarts its sequences under a new producer id;
// the others keep theirs, and every record arrives once, in order.
func TestUnknownProducerIDRestartsOnlyItsPartition(t *testing.T) {
	const topic, partitions, n, lost = "lost-state", 4, 20_000, 2
	c := kafkatest.NewCluster(t, 1, topic, partitions)
	inits := countRequests(c, kmsg.InitProducerID)
	// The fault comes mid-run, once half the records are sent and a batch
	// of the partition has been written: Sends may run far ahead of the
	// first requests, and a partition that lost its state before writing
	// anything has nothing to keep.
	var sent, lostWritten atomic.Int64
	fault := c.Fault(kfake.Fault{
		Keys: []kmsg.Key{kmsg.Produce}, Partitions: []int32{lost}, Err: kerr.UnknownProducerID,
		When: func(req kmsg.Request) bool {
			if !carriesPartition(req, lost) {
				return false
			}
			if sent.Load() < n/2 || lostWritten.Load() == 0 {
				lostWritten.Add(1)
				return false
			}
			return true
		},
	})
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger = 0 })
	mk := mixedRecord(topic, 32)
	records := sendAll(t, p, n, func(i int) Record {
		sent.Add(1)
		return mk(i)
	})
	got := kafkatest.Consume(t, c, topic, n)
	verifyReadBack(t, records, got, partitions, true)
	if fault.Hits() != 1 || inits.Load() != 2 || p.Stats().SequenceRestarts != 1 {
		t.Fatalf("%d faults, %d InitProducerId requests, %d sequence restarts; want 1, 2 (the first id, the restart's) and 1",
			fault.Hits(), inits.Load(), p.Stats().SequenceRestarts)
	}
	first := got[0].ProducerID
	for _, r := range got {
		if r.Partition != lost && r.ProducerID != first {
			t.Fatalf("partition %d has a record under producer id %d, want every one under %d", r.Partition, r.ProducerID, first)
		}
	}
	ids := map[int64]bool{}
	for _, r := range got {
		if r.Partition == lost {
			ids[r.ProducerID] = true
		}
	}
	if len(ids) != 2 {
		t.Fatalf("partition %d holds records under %d producer ids, want 2 (before and after its restart)", lost, len(ids))
	}
}

// TestRecordAboveMaxMessageBytesFailsAlone: the broker refuses a batch
// holding one record larger than the topic's max.message.bytes. The batch
// is split down to that record, which fails with ErrRecordTooLarge; its
// neighbours arrive, in order, with consecutive offsets.
func TestRecordAboveMaxMessageBytesFailsAlone(t *testing.T) {
	const topic, n, big = "limited", 21, 10
	c := kafkatest.NewCluster(t, 1, topic, 1)
	setTopicConfig(t, c, topic, "max.message.bytes", "2000")
	p := newTestProducer(t, c, func(cfg *Config) { cfg.Linger = time.Second })
	out := make([]sentRecord, n)
	var o outcomes
	for i := range n {
		size := 100
		if i == big {
			size = 3000
		}
		v := make([]byte, size)
		binary.BigEndian.PutUint64(v, uint64(i))
		out[i].rec = Record{Topic: topic, Value: v, Opaque: uint64(i)}
		if err := p.Send(context.Background(), &out[i].rec, func(md RecordMetadata, err error) {
			out[md.Opaque].md, out[md.Opaque].err = md, err
			o.callback(md, err)
		}); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for i, r := range out {
		if i == big {
			if !errors.Is(r.err, ErrRecordTooLarge) || !errors.Is(r.err, wire.ErrMessageTooLarge) {
				t.Fatalf("the %d-byte record failed with %v, want ErrRecordTooLarge and MESSAGE_TOO_LARGE", len(r.rec.Value), r.err)
			}
			continue
		}
		if r.err != nil {
			t.Fatalf("record %d failed: %v", i, r.err)
		}
	}
	if len(o.calls) != n {
		t.Fatalf("%d callbacks, want %d", len(o.calls), n)
	}
	if p.Stats().BatchSplits == 0 {
		t.Fatal("no batch was split")
	}
	verifyReadBack(t, out, kafkatest.Consume(t, c, topic, n-1), 1, true)
}

// TestRefusedProducerIDFailsARestartingPartition: a partition loses its
// producer state (UNKNOWN_PRODUCER_ID) and must restart under a new
// producer id, which the broker then refuses for good
// (CLUSTER_AUTHORIZATION_FAILED). The partition's waiting records fail at
// once with that error, not at delivery.timeout.ms; the other partition's
// arrive.
func TestRefusedProducerIDFailsARestartingPartition(t *testing.T) {
	const topic, lost = "refused-restart", 1
	c := kafkatest.NewCluster(t, 1, topic, 2)
	var inits atomic.Int64
	c.ControlKey(int16(kmsg.InitProducerID), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		if inits.Add(1) == 1 {
			return nil, nil, false
		}
		resp := req.(*kmsg.InitProducerIDRequest).ResponseKind().(*kmsg.InitProducerIDResponse)
		resp.ErrorCode = kerr.ClusterAuthorizationFailed.Code
		return resp, nil, true
	})
	var armed atomic.Bool
	fault := c.Fault(kfake.Fault{
		Keys: []kmsg.Key{kmsg.Produce}, Partitions: []int32{lost}, Err: kerr.UnknownProducerID,
		When: func(req kmsg.Request) bool { return armed.Load() && carriesPartition(req, lost) },
	})
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Linger = 0
		cfg.DeliveryTimeout = time.Hour // a wait for it would outlast the test's deadline
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	for part := range int32(2) {
		if _, err := p.SendSync(ctx, &Record{Topic: topic, Value: []byte("before"), Partition: part, PartitionSet: true}); err != nil {
			t.Fatal(err)
		}
	}
	armed.Store(true)
	_, lostErr := p.SendSync(ctx, &Record{Topic: topic, Value: []byte("lost"), Partition: lost, PartitionSet: true})
	if !errors.Is(lostErr, ErrClusterAuthorizationFailed) || errors.Is(lostErr, ErrTimeout) {
		t.Fatalf("the restarting partition's record failed with %v, want CLUSTER_AUTHORIZATION_FAILED", lostErr)
	}
	if _, err := p.SendSync(ctx, &Record{Topic: topic, Value: []byte("kept"), Partition: 0, PartitionSet: true}); err != nil {
		t.Fatalf("the other partition's record: %v", err)
	}
	if fault.Hits() != 1 || inits.Load() < 2 {
		t.Fatalf("%d faults, %d InitProducerId requests; want 1 and at least 2", fault.Hits(), inits.Load())
	}
	got := kafkatest.Consume(t, c, topic, 3)
	values := map[string]int{}
	for _, r := range got {
		values[string(r.Value)]++
	}
	if values["before"] != 2 || values["kept"] != 1 || values["lost"] != 0 {
		t.Fatalf("read back %v; want both partitions' first records and the kept one, and not the lost one", values)
	}
}
