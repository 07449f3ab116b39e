package core

import "sync/atomic"

// producerStats are the counters Stats reads; the sender goroutine writes
// them.
type producerStats struct {
	recordsSent   atomic.Int64
	recordsFailed atomic.Int64
	bytesSent     atomic.Int64
	batchesSent   atomic.Int64
	requests      atomic.Int64
	retries       atomic.Int64
	// splits counts batches split after MESSAGE_TOO_LARGE;
	// sequenceRestarts counts partitions whose idempotent sequences
	// restarted under a new producer id.
	splits           atomic.Int64
	sequenceRestarts atomic.Int64
}

// Stats is a snapshot of what a producer has done and holds. Metrics
// reports the same and more under the Java producer's metric names.
type Stats struct {
	// RecordsSent and RecordsFailed count completed records by outcome.
	RecordsSent, RecordsFailed int64
	// RecordsPending counts records accepted and not yet completed.
	RecordsPending int64
	// BatchesSent and BytesSent count acknowledged batches and their wire
	// size (after compression).
	BatchesSent, BytesSent int64
	// ProduceResponses counts Produce responses received; Retries counts
	// batches put back for another attempt.
	ProduceResponses, Retries int64
	// Buffer* describe the arena (buffer.memory): bytes in all, free
	// (slots not in use; a slot shared by small batches counts as in use),
	// Sends waiting for memory now, and Sends that ever had to wait.
	BufferTotal, BufferFree int64
	BufferWaiters           int
	BufferWaits             uint64
	// MetadataVersion counts metadata updates.
	MetadataVersion uint64
	// BatchSplits counts batches split in two after the broker refused
	// them as too large (MESSAGE_TOO_LARGE).
	BatchSplits int64
	// SequenceRestarts counts partitions whose sequence numbers restarted
	// under a new producer id (idempotence), after the broker lost track of
	// them or a batch of unknown fate left a gap.
	SequenceRestarts int64
	// Transport is the transport in use: Config.Transport, or
	// TransportEpoll when io_uring was asked for and the kernel refused it.
	Transport Transport
}

// Stats reads the producer's counters; it takes no lock.
func (p *Producer) Stats() Stats {
	a := p.arena.Stats()
	return Stats{
		RecordsSent:      p.stats.recordsSent.Load(),
		RecordsFailed:    p.stats.recordsFailed.Load(),
		RecordsPending:   p.pending.Load(),
		BatchesSent:      p.stats.batchesSent.Load(),
		BytesSent:        p.stats.bytesSent.Load(),
		ProduceResponses: p.stats.requests.Load(),
		Retries:          p.stats.retries.Load(),
		BufferTotal:      int64(a.Total),
		BufferFree:       int64(a.Free),
		BufferWaiters:    a.Waiters,
		BufferWaits:      a.Waits,
		MetadataVersion:  p.meta.snapshot.Load().version,
		BatchSplits:      p.stats.splits.Load(),
		SequenceRestarts: p.stats.sequenceRestarts.Load(),
		Transport:        p.transport,
	}
}
