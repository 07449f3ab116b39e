package core

import (
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
)

// Header is one record header: a key and a value (nil is Kafka's null).
type Header = wire.Header

// Record is what Send appends. The producer encodes it before Send returns,
// so the caller may reuse the Record and every slice in it at once.
type Record struct {
	// Topic names the topic; required.
	Topic string
	// Key decides the partition (murmur2, like the Java client) unless
	// PartitionSet is true or partitioner.ignore.keys is set. nil is a null
	// key; an empty slice is an empty key.
	Key []byte
	// Value is the payload; nil is a null value (a tombstone).
	Value []byte
	// Headers travel with the record, in order.
	Headers []Header
	// Timestamp is the record's CreateTime; the zero value means now: the
	// millisecond time.Now would give during Send (read from the CPU's
	// time-stamp counter where the kernel times with it, which may place a
	// read within a microsecond of a millisecond's edge on its other side).
	// It must not be before the Unix epoch (ErrInvalidRecord).
	Timestamp time.Time
	// Partition is honoured when PartitionSet is true; it must name an
	// existing partition of Topic (ErrInvalidPartition otherwise).
	Partition    int32
	PartitionSet bool
	// Opaque is returned untouched in the record's RecordMetadata, so one
	// long-lived Callback can tell records apart without a closure (and an
	// allocation) per record.
	Opaque uint64
}

// RecordMetadata says where a record landed.
type RecordMetadata struct {
	Topic     string
	Partition int32
	// Offset is the record's offset in its partition, or -1 when the broker
	// does not say: with acks=0, or (rarely, with idempotence) when the
	// broker's answer was lost and the producer learnt from later answers
	// that the record was written without learning where.
	Offset int64
	// Timestamp is the record's CreateTime, or the broker's LogAppendTime
	// when the topic is configured for it.
	Timestamp time.Time
	// Opaque is the Record's Opaque.
	Opaque uint64
	// SendTime is when Send appended the record, and CompletionTime when
	// the producer settled its batch (the broker's answer, or the failure).
	// Both carry Go's monotonic clock reading and come from clock reads
	// the producer makes anyway (one per Send, one per network event), so
	// Latency costs a callback no clock read of its own.
	SendTime       time.Time
	CompletionTime time.Time
}

// Latency is the time from Send to the record's outcome.
func (md *RecordMetadata) Latency() time.Duration { return md.CompletionTime.Sub(md.SendTime) }

// Callback receives the outcome of one Send: metadata and a nil error, or
// the error that ended it (metadata then still names topic, partition and
// Opaque as far as they were known). It is called exactly once per accepted
// record.
//
// Callbacks run on the producer's sender goroutine, one at a time, in
// offset order within a partition: they hold up every other record, so they
// must be quick and must not block. Calls that would wait for the sender
// goroutine fail at once with ErrCalledFromCallback instead of deadlocking:
// Flush, Close, SendSync, and a Send that would have to wait for the topic's
// metadata or for buffer memory (a Send that needs neither works). A
// Callback that panics is recovered: the panic is logged (Config.Logger,
// Error level, with the topic and partition), the record counts as
// completed, and the batch's other records still get their callbacks.
type Callback func(RecordMetadata, error)
