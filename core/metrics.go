package core

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// The metric groups of Java's producer that Metrics reports.
const (
	// MetricsGroup holds the producer-wide metrics (Java's
	// KafkaProducer, SenderMetricsRegistry, BufferPool and Selector).
	MetricsGroup = "producer-metrics"
	// NodeMetricsGroup holds one set of metrics per broker connection
	// (Java's Selector per-node sensors), tagged node-id=node-N.
	NodeMetricsGroup = "producer-node-metrics"
)

// Metric is one of the producer's statistics under the name the Java
// producer gives it.
type Metric struct {
	Group, Name string
	// ClientID is client.id, the client-id tag of every Java producer
	// metric.
	ClientID string
	// Node is the broker's id for metrics of NodeMetricsGroup (bootstrap
	// connections, before the broker ids are known: -1, -2, ...), and 0
	// for the others.
	Node  int32
	Value float64
}

// String is the metric's name as Java's tools print it, group, name and
// tags: "producer-metrics:record-send-rate:{client-id=X}", or
// "producer-node-metrics:request-latency-avg:{client-id=X, node-id=node-1}".
func (m Metric) String() string {
	if m.Group == NodeMetricsGroup {
		return fmt.Sprintf("%s:%s:{client-id=%s, node-id=node-%d}", m.Group, m.Name, m.ClientID, m.Node)
	}
	return fmt.Sprintf("%s:%s:{client-id=%s}", m.Group, m.Name, m.ClientID)
}

// Metrics returns the producer's statistics under the Java producer's
// metric names, sorted by String, in a slice the caller owns. It takes no
// lock: each value is read atomically, but values the sender updates
// meanwhile may come from either side of an update.
//
// The definitions follow Java's sensors, with these differences:
//   - A rate (name ending in -rate) is its total divided by the seconds
//     since NewProducer, and an average or maximum covers the producer's
//     whole life; Java's cover the last minute or so (two 30 s samples).
//     Callers that want a recent rate difference two totals.
//     bufferpool-wait-ratio, likewise, is the time Sends spent waiting for
//     buffer memory over the producer's life (above 1 when several wait).
//   - Times are milliseconds with a fraction (Java's are whole), measured
//     from clock reads the sender makes anyway: queue time from a batch's
//     opening to the start of the sender loop that drains it, request
//     latency from the start of the loop that sends a Produce request to
//     the read of its response.
//   - record-size-avg is the average encoded size of a record in its batch
//     (uncompressed, without the batch header); there is no record-size-max,
//     which only a look at every record could tell.
//   - bufferpool-wait-time-total is nanoseconds, as its successor
//     bufferpool-wait-time-ns-total.
//
// record-retry-total counts records, as Java's does (Stats.Retries counts
// batches); request-latency-* covers Produce requests answered, as Java's
// Sender records it, while the per-node request and response counts and
// bytes cover every request, as Java's Selector counts them.
//
// As in Java, batch and record counts of drained batches (record-send-*,
// batch-size-*, record-queue-time-*, compression-rate-avg,
// records-per-request-avg) count each attempt: a retried record counts
// again in record-send-total when it is sent again. An average or maximum
// without samples is NaN.
func (p *Producer) Metrics() []Metric {
	return p.metricsAt(p.clock.now())
}

// metricsAt is Metrics with now the producer clock's reading: its life so
// far, over which rates are taken.
func (p *Producer) metricsAt(now int64) []Metric {
	seconds := float64(max(now, 1)) / float64(time.Second)
	rate := func(total int64) float64 { return float64(total) / seconds }
	const ms = float64(time.Millisecond)
	m := &p.metrics
	a := p.arena.Stats()
	var nodes []*nodeMetrics
	if n := p.nodes.Load(); n != nil {
		nodes = *n
	}

	out := make([]Metric, 0, 48+14*len(nodes))
	add := func(group, name string, node int32, v float64) {
		out = append(out, Metric{Group: group, Name: name, ClientID: p.cfg.ClientID, Node: node, Value: v})
	}
	producer := func(name string, v float64) { add(MetricsGroup, name, 0, v) }
	counter := func(name string, total int64) {
		producer(name+"-total", float64(total))
		producer(name+"-rate", rate(total))
	}

	counter("record-send", m.requestRecords.sum.Load())
	producer("records-per-request-avg", m.requestRecords.mean(1))
	counter("record-retry", m.recordRetries.Load())
	counter("record-error", p.stats.recordsFailed.Load())
	counter("batch-split", p.stats.splits.Load())
	producer("batch-size-avg", m.batchBytes.mean(1))
	producer("batch-size-max", m.batchBytes.largest(1))
	producer("record-queue-time-avg", m.queueNanos.mean(ms))
	producer("record-queue-time-max", m.queueNanos.largest(ms))
	producer("compression-rate-avg", ratio(m.compressionRatios.load(), m.compressionSamples.Load()))
	producer("record-size-avg", ratio(float64(m.recordBytes.Load()), m.recordBytesOf.Load()))
	producer("produce-throttle-time-avg", m.throttleMillis.mean(1))
	producer("produce-throttle-time-max", m.throttleMillis.largest(1))
	producer("requests-in-flight", float64(m.inFlight.Load()))

	producer("buffer-total-bytes", float64(a.Total))
	producer("buffer-available-bytes", float64(a.Free))
	producer("waiting-threads", float64(a.Waiters))
	counter("buffer-exhausted", int64(a.Timeouts))
	producer("bufferpool-wait-time-total", float64(a.BlockedTime))
	producer("bufferpool-wait-time-ns-total", float64(a.BlockedTime))
	producer("bufferpool-wait-ratio", float64(a.BlockedTime)/float64(max(now, 1)))

	var all nodeMetrics // the producer's Selector metrics: every node's
	for _, n := range nodes {
		node := func(name string, v float64) { add(NodeMetricsGroup, name, n.node, v) }
		nodeCounter := func(name string, total int64) {
			node(name+"-total", float64(total))
			node(name+"-rate", rate(total))
		}
		requests, responses := n.requestBytes.count.Load(), n.responses.Load()
		nodeCounter("request", requests)
		nodeCounter("outgoing-byte", n.requestBytes.sum.Load())
		node("request-size-avg", n.requestBytes.mean(1))
		node("request-size-max", n.requestBytes.largest(1))
		nodeCounter("response", responses)
		nodeCounter("incoming-byte", n.responseBytes.Load())
		node("request-latency-avg", n.latencyNanos.mean(ms))
		node("request-latency-max", n.latencyNanos.largest(ms))
		all.requestBytes.add(n.requestBytes.sum.Load(), requests, n.requestBytes.max.Load())
		all.responses.Add(responses)
		all.responseBytes.Add(n.responseBytes.Load())
		all.latencyNanos.add(n.latencyNanos.sum.Load(), n.latencyNanos.count.Load(), n.latencyNanos.max.Load())
	}
	counter("request", all.requestBytes.count.Load())
	counter("outgoing-byte", all.requestBytes.sum.Load())
	producer("request-size-avg", all.requestBytes.mean(1))
	producer("request-size-max", all.requestBytes.largest(1))
	counter("response", all.responses.Load())
	counter("incoming-byte", all.responseBytes.Load())
	producer("request-latency-avg", all.latencyNanos.mean(ms))
	producer("request-latency-max", all.latencyNanos.largest(ms))

	return sortByName(out)
}

// sortByName sorts ms by String, as Java's tools print metrics.
func sortByName(ms []Metric) []Metric {
	type named struct {
		name string
		m    Metric
	}
	byName := make([]named, len(ms))
	for i, m := range ms {
		byName[i] = named{m.String(), m}
	}
	slices.SortFunc(byName, func(a, b named) int { return strings.Compare(a.name, b.name) })
	for i := range byName {
		ms[i] = byName[i].m
	}
	return ms
}

// ratio is sum/n, NaN when n is 0.
func ratio(sum float64, n int64) float64 {
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}
