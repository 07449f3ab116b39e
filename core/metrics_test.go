package core

import (
	"context"
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// metricSet indexes Metrics' answer: producer-wide values by name, and
// every node's by node id and name.
type metricSet struct {
	all      []Metric
	producer map[string]float64
	nodes    map[int32]map[string]float64
}

func readMetrics(t *testing.T, ms []Metric) metricSet {
	t.Helper()
	s := metricSet{all: ms, producer: map[string]float64{}, nodes: map[int32]map[string]float64{}}
	for _, m := range ms {
		switch m.Group {
		case MetricsGroup:
			s.producer[m.Name] = m.Value
		case NodeMetricsGroup:
			if s.nodes[m.Node] == nil {
				s.nodes[m.Node] = map[string]float64{}
			}
			s.nodes[m.Node][m.Name] = m.Value
		default:
			t.Fatalf("metric %s in an unknown group", m)
		}
	}
	return s
}

// get is a producer-wide metric, which must exist.
func (s metricSet) get(t *testing.T, name string) float64 {
	t.Helper()
	v, ok := s.producer[name]
	if !ok {
		t.Fatalf("no metric %s:%s", MetricsGroup, name)
	}
	return v
}

// nodeSum adds up a node metric over every node.
func (s metricSet) nodeSum(t *testing.T, name string) float64 {
	t.Helper()
	sum := 0.0
	for id, n := range s.nodes {
		v, ok := n[name]
		if !ok {
			t.Fatalf("node %d has no metric %s", id, name)
		}
		sum += v
	}
	return sum
}

// near reports whether a and b agree but for float rounding.
func near(a, b float64) bool {
	return math.Abs(a-b) <= 1e-9*math.Max(1, math.Max(math.Abs(a), math.Abs(b)))
}

// traceBatchBytes collects the wire size of every batch p acknowledges.
func traceBatchBytes(p *Producer) func() []int32 {
	var mu sync.Mutex
	var sizes []int32
	p.TraceBatches(func(b BatchStamps) {
		mu.Lock()
		sizes = append(sizes, b.Bytes)
		mu.Unlock()
	})
	return func() []int32 {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(sizes)
	}
}

func flushed(t *testing.T, p *Producer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	waitFor(t, ctx, "every batch's memory to come back", func() bool {
		st := p.Stats()
		return st.BufferFree == st.BufferTotal
	})
}

// TestMetricsAgreeWithWhatWasSent produces a bounded number of records
// without faults and checks Metrics against what the producer sent: the
// record and request counts, the batch sizes it acknowledged, the nodes'
// totals against the producer's, and the gauges once flushed.
func TestMetricsAgreeWithWhatWasSent(t *testing.T) {
	const topic, partitions, n = "metrics", 6, 3000
	cases := []struct {
		name        string
		compression Compression
	}{
		{"uncompressed", CompressionNone},
		{"lz4", CompressionLZ4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := kafkatest.NewCluster(t, 2, topic, partitions)
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.ClientID = "metrics-client"
				cfg.Compression = tc.compression
				cfg.Linger = time.Millisecond
			})
			batches := traceBatchBytes(p)
			sendAll(t, p, n, mixedRecord(topic, 100))
			flushed(t, p)
			st := p.Stats()
			s := readMetrics(t, p.Metrics())

			if !slices.IsSortedFunc(s.all, func(a, b Metric) int { return strings.Compare(a.String(), b.String()) }) {
				t.Errorf("Metrics is not sorted by name")
			}
			for name, want := range map[string]float64{
				"record-send-total":      n,
				"record-error-total":     0,
				"record-retry-total":     0,
				"requests-in-flight":     0,
				"waiting-threads":        0,
				"buffer-available-bytes": float64(st.BufferTotal),
				"buffer-total-bytes":     float64(st.BufferTotal),
			} {
				if got := s.get(t, name); got != want {
					t.Errorf("%s = %v, want %v", name, got, want)
				}
			}

			sizes := batches()
			if len(sizes) == 0 || int64(len(sizes)) != st.BatchesSent {
				t.Fatalf("%d batches traced, Stats counts %d", len(sizes), st.BatchesSent)
			}
			total, largest, records := 0.0, int32(0), 0.0
			for _, b := range sizes {
				total += float64(b)
				largest = max(largest, b)
				records += float64(b - wire.BatchHeaderSize)
			}
			if got, want := s.get(t, "batch-size-avg"), total/float64(len(sizes)); !near(got, want) {
				t.Errorf("batch-size-avg = %v, want %v (the acknowledged batches' average)", got, want)
			}
			if got := s.get(t, "batch-size-max"); got != float64(largest) {
				t.Errorf("batch-size-max = %v, want %d", got, largest)
			}
			if got, want := s.get(t, "records-per-request-avg"), float64(n)/float64(st.ProduceResponses); !near(got, want) {
				t.Errorf("records-per-request-avg = %v, want %v (%d records in %d requests)", got, want, n, st.ProduceResponses)
			}
			ratio, recordSize := s.get(t, "compression-rate-avg"), s.get(t, "record-size-avg")
			if tc.compression == CompressionNone {
				if ratio != 1 {
					t.Errorf("compression-rate-avg = %v without compression, want 1", ratio)
				}
				if want := records / n; !near(recordSize, want) {
					t.Errorf("record-size-avg = %v, want %v", recordSize, want)
				}
			} else if !(ratio > 0 && ratio < 1) || !(recordSize > 100) {
				t.Errorf("compression-rate-avg = %v, record-size-avg = %v: want a ratio in (0, 1) for these compressible records, and records larger than their 100-byte values", ratio, recordSize)
			}

			for _, name := range []string{"record-queue-time", "request-latency", "produce-throttle-time"} {
				avg, most := s.get(t, name+"-avg"), s.get(t, name+"-max")
				if !(avg >= 0 && most >= avg) {
					t.Errorf("%s-avg = %v, %s-max = %v: want 0 <= avg <= max", name, avg, name, most)
				}
			}
			if got := s.get(t, "produce-throttle-time-max"); got != 0 {
				t.Errorf("produce-throttle-time-max = %v; the broker throttled nothing", got)
			}

			if len(s.nodes) == 0 {
				t.Fatal("no per-node metrics")
			}
			for _, name := range []string{"request-total", "response-total", "outgoing-byte-total", "incoming-byte-total"} {
				if got, want := s.nodeSum(t, name), s.get(t, name); got != want || got == 0 {
					t.Errorf("%s: the nodes' add up to %v, the producer's is %v; want them equal, not 0", name, got, want)
				}
			}
			if got, want := s.get(t, "outgoing-byte-total"), total; got <= want {
				t.Errorf("outgoing-byte-total = %v, not more than the %v bytes of batches in it", got, want)
			}
			if resp, req := s.get(t, "response-total"), s.get(t, "request-total"); resp > req || resp < float64(st.ProduceResponses) {
				t.Errorf("%v responses to %v requests, %d of them Produce responses", resp, req, st.ProduceResponses)
			}
			latencyMax := math.Inf(-1)
			for id, m := range s.nodes {
				if avg, most := m["request-latency-avg"], m["request-latency-max"]; !math.IsNaN(avg) {
					latencyMax = max(latencyMax, most)
					if !(avg >= 0 && most >= avg) {
						t.Errorf("node %d: request-latency-avg = %v, -max = %v", id, avg, most)
					}
				}
			}
			if got := s.get(t, "request-latency-max"); got != latencyMax {
				t.Errorf("request-latency-max = %v, the nodes' largest is %v", got, latencyMax)
			}
		})
	}
}

// TestMetricsRatesAreTotalsOverLife: a rate is its total over the seconds
// since the producer started.
func TestMetricsRatesAreTotalsOverLife(t *testing.T) {
	const topic, n = "rates", 500
	c := kafkatest.NewCluster(t, 1, topic, 2)
	p := newTestProducer(t, c, nil)
	sendAll(t, p, n, mixedRecord(topic, 20))
	flushed(t, p)
	const life = 4 * time.Second
	s := readMetrics(t, p.metricsAt(int64(life)))
	checked := 0
	for _, m := range s.all {
		base, ok := strings.CutSuffix(m.Name, "-rate")
		if !ok || base == "compression" {
			continue
		}
		totals := s.producer
		if m.Group == NodeMetricsGroup {
			totals = s.nodes[m.Node]
		}
		total, ok := totals[base+"-total"]
		if !ok {
			t.Errorf("%s has no total", m)
			continue
		}
		if want := total / life.Seconds(); !near(m.Value, want) {
			t.Errorf("%s = %v, want %v (its total %v over %v)", m, m.Value, want, total, life)
		}
		checked++
	}
	if got := s.get(t, "record-send-rate"); got != n/life.Seconds() || checked < 10 {
		t.Fatalf("record-send-rate = %v over %v, want %v; %d rates checked", got, life, n/life.Seconds(), checked)
	}
}

// failProduceRequest answers the nth Produce request with code for every
// partition and a throttle time, handling nothing, and reports how many
// records that request carried.
func failProduceRequest(c *kfake.Cluster, nth int64, code int16, throttleMillis int32) *atomic.Int64 {
	var seen, records atomic.Int64
	c.ControlKey(int16(kmsg.Produce), func(req kmsg.Request) (kmsg.Response, error, bool) {
		if seen.Add(1) != nth {
			c.KeepControl()
			return nil, nil, false
		}
		for _, rt := range req.(*kmsg.ProduceRequest).Topics {
			for _, rp := range rt.Partitions {
				// RecordBatch v2: the record count is the header's last field.
				records.Add(int64(binary.BigEndian.Uint32(rp.Records[wire.BatchHeaderSize-4:])))
			}
		}
		resp := produceErrorResponse(req, code)
		resp.ThrottleMillis = throttleMillis
		return resp, nil, true
	})
	return &records
}

// TestMetricsCountRetries: a Produce request answered once with a
// retriable error is retried; its records count as retried, and again as
// sent.
func TestMetricsCountRetries(t *testing.T) {
	const topic, n, throttle = "retried", 2000, 25
	c := kafkatest.NewCluster(t, 1, topic, 3)
	failed := failProduceRequest(c, 2, 6 /* NOT_LEADER_OR_FOLLOWER */, throttle)
	p := newTestProducer(t, c, func(cfg *Config) { cfg.RetryBackoff = time.Millisecond })
	sendAll(t, p, n, mixedRecord(topic, 50))
	flushed(t, p)
	s := readMetrics(t, p.Metrics())
	retried, sent := s.get(t, "record-retry-total"), s.get(t, "record-send-total")
	if failed.Load() == 0 || retried < float64(failed.Load()) {
		t.Fatalf("record-retry-total = %v, want at least the %d records of the failed request", retried, failed.Load())
	}
	if sent != n+retried {
		t.Errorf("record-send-total = %v, want %d records plus %v sent again", sent, n, retried)
	}
	if got := s.get(t, "record-error-total"); got != 0 {
		t.Errorf("record-error-total = %v; every record was written", got)
	}
	if got := s.get(t, "produce-throttle-time-max"); got != throttle {
		t.Errorf("produce-throttle-time-max = %v, want the %d ms one response asked for", got, throttle)
	}
	if got, want := s.get(t, "produce-throttle-time-avg"), float64(throttle)/float64(p.Stats().ProduceResponses); !near(got, want) {
		t.Errorf("produce-throttle-time-avg = %v, want %v: one throttled response of %d", got, want, p.Stats().ProduceResponses)
	}
}

// TestMetricsCountErrors: a Produce request answered with an error that is
// not retriable fails its records, which record-error-total counts.
func TestMetricsCountErrors(t *testing.T) {
	const topic, n = "refused", 2000
	c := kafkatest.NewCluster(t, 1, topic, 3)
	failed := failProduceRequest(c, 2, 87 /* INVALID_RECORD */, 0)
	p := newTestProducer(t, c, nil)
	var callbackErrors atomic.Int64
	r := Record{Topic: topic, Value: []byte("some value")}
	for i := range n {
		err := p.Send(context.Background(), &r, func(_ RecordMetadata, err error) {
			if err != nil {
				callbackErrors.Add(1)
			}
		})
		if err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	flushed(t, p)
	s := readMetrics(t, p.Metrics())
	errs := s.get(t, "record-error-total")
	if failed.Load() == 0 || errs != float64(failed.Load()) || errs != float64(callbackErrors.Load()) {
		t.Fatalf("record-error-total = %v; the refused request held %d records, %d callbacks saw an error",
			errs, failed.Load(), callbackErrors.Load())
	}
	if got := s.get(t, "record-send-total"); got < n {
		t.Errorf("record-send-total = %v, fewer than the %d records sent", got, n)
	}
}

func TestMetricString(t *testing.T) {
	cases := []struct {
		m    Metric
		want string
	}{
		{Metric{Group: MetricsGroup, Name: "record-send-rate", ClientID: "c"}, "producer-metrics:record-send-rate:{client-id=c}"},
		{Metric{Group: NodeMetricsGroup, Name: "request-latency-avg", ClientID: "c", Node: 1},
			"producer-node-metrics:request-latency-avg:{client-id=c, node-id=node-1}"},
		{Metric{Group: NodeMetricsGroup, Name: "request-total", ClientID: "c", Node: -1},
			"producer-node-metrics:request-total:{client-id=c, node-id=node--1}"},
	}
	for _, tc := range cases {
		if got := tc.m.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}
