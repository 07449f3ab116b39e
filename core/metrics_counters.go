package core

import (
	"math"
	"sync/atomic"

	"github.com/perfproducer/perfproducer/core/wire"
)

// sampled accumulates samples for an average and a maximum (Java's Avg and
// Max stats, kept over the producer's life rather than a sliding window).
// One goroutine writes it, the sender; any may read it.
type sampled struct {
	sum, count, max atomic.Int64
}

// add records count samples adding up to sum, the largest of them most.
func (s *sampled) add(sum, count, most int64) {
	if count == 0 {
		return
	}
	s.sum.Add(sum)
	s.count.Add(count)
	if most > s.max.Load() {
		s.max.Store(most) // one writer: no compare-and-swap needed
	}
}

// mean is the samples' average divided by unit, NaN without samples, as
// Java's Avg reports.
func (s *sampled) mean(unit float64) float64 {
	n := s.count.Load()
	if n == 0 {
		return math.NaN()
	}
	return float64(s.sum.Load()) / float64(n) / unit
}

// largest is the largest sample divided by unit, NaN without samples, as
// Java's Max reports.
func (s *sampled) largest(unit float64) float64 {
	if s.count.Load() == 0 {
		return math.NaN()
	}
	return float64(s.max.Load()) / unit
}

// atomicFloat is a float64 one goroutine adds to and any reads.
type atomicFloat struct{ bits atomic.Uint64 }

func (f *atomicFloat) add(x float64) { f.bits.Store(math.Float64bits(f.load() + x)) }
func (f *atomicFloat) load() float64 { return math.Float64frombits(f.bits.Load()) }

// sendMetrics are the counters behind the producer-level metrics of
// Java's Sender.SenderMetrics that Stats does not already keep. The sender
// updates them once per Produce request (drained batches) or per response,
// never per record.
type sendMetrics struct {
	// requestRecords samples the records of each Produce request; its sum
	// is record-send-total.
	requestRecords sampled
	// batchBytes and queueNanos sample every batch each time it is drained
	// into a request: its size on the wire, and the time from its opening
	// to the loop that drained it.
	batchBytes sampled
	queueNanos sampled
	// compressionRatios adds up compressed/uncompressed size per drained
	// batch; compressionSamples counts them (a split half of a compressed
	// batch has no known uncompressed size and is left out).
	compressionRatios  atomicFloat
	compressionSamples atomic.Int64
	// recordBytes and recordBytesOf are the uncompressed record bytes of
	// drained batches and how many records they hold.
	recordBytes, recordBytesOf atomic.Int64
	// recordRetries counts records put back for another attempt.
	recordRetries atomic.Int64
	// throttleMillis samples the throttle time of every Produce response.
	throttleMillis sampled
	// inFlight counts requests on every connection awaiting their answer.
	inFlight atomic.Int64
}

// countDrained records the batches of one Produce request as Java's
// Sender.updateProduceRequestMetrics does, at every attempt; now is the
// sender loop's clock read that drained them.
func (m *sendMetrics) countDrained(batches []*batch, now int64) {
	var records, bytes, largest, queued, longest, recordBytes, recordBytesOf, ratios int64
	var ratioSum float64
	for _, b := range batches {
		n, size := int64(b.recordCount), int64(len(b.wireBytes))
		records += n
		bytes += size
		largest = max(largest, size)
		q := max(now-b.createdNanos, 0) // clock reads may cross by nanoseconds
		queued += q
		longest = max(longest, q)
		uncompressed := size
		if b.header.Codec() != wire.CodecNone {
			// The arena's reservation ends where the uncompressed batch
			// does; a split half has none (0).
			_, _, end := b.settled()
			uncompressed = int64(end)
		}
		if uncompressed > 0 {
			ratioSum += float64(size) / float64(uncompressed)
			ratios++
			recordBytes += uncompressed - wire.BatchHeaderSize
			recordBytesOf += n
		}
	}
	m.requestRecords.add(records, 1, records)
	m.batchBytes.add(bytes, int64(len(batches)), largest)
	m.queueNanos.add(queued, int64(len(batches)), longest)
	m.compressionRatios.add(ratioSum)
	m.compressionSamples.Add(ratios)
	m.recordBytes.Add(recordBytes)
	m.recordBytesOf.Add(recordBytesOf)
}

// nodeMetrics are one connection's counters, Java's Selector per-node
// sensors ("node-N.requests-sent", ".responses-received", ".latency"). The
// sender writes them; Metrics reads them through Producer.nodes.
type nodeMetrics struct {
	node int32
	// requestBytes samples the size of every request fully written;
	// responseBytes of every response read, with its 4-byte size prefix as
	// Java counts it.
	requestBytes  sampled
	responseBytes atomic.Int64
	responses     atomic.Int64
	// latencyNanos samples Produce requests from the loop that staged them
	// to the read of their response.
	latencyNanos sampled
}

// nodeMetrics returns c's counters, registering them with the producer the
// first time, when the sender first connects to c's broker (Java registers
// a node's sensors on connection).
func (s *sender) nodeMetrics(c *brokerConn) *nodeMetrics {
	if c.metrics != nil {
		return c.metrics
	}
	c.metrics = &nodeMetrics{node: c.node}
	var nodes []*nodeMetrics
	if old := s.p.nodes.Load(); old != nil {
		nodes = append(nodes, *old...)
	}
	nodes = append(nodes, c.metrics)
	s.p.nodes.Store(&nodes)
	return c.metrics
}

// setInFlight publishes the change in c's number of requests in flight
// since it was last published.
func (s *sender) setInFlight(c *brokerConn) {
	n := int64(len(c.inFlight))
	s.p.metrics.inFlight.Add(n - c.inFlightPublished)
	c.inFlightPublished = n
}
