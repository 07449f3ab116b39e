package core

import (
	"context"
	"fmt"
	"github.com/perfproducer/perfproducer/core/wire"
	"sync"
	"sync/atomic"
	"time"
)

// metadata is the producer's view of the cluster (Java's ProducerMetadata).
//
// User goroutines read an immutable snapshot through an atomic pointer: no
// lock on the Send path. Only the sender goroutine builds new snapshots, from
// Metadata responses; each one has a version one higher than the last and
// closes the previous snapshot's changed channel, which is how a Send waiting
// for an unknown topic learns to look again.
type metadata struct {
	snapshot atomic.Pointer[clusterSnapshot]

	mu     sync.Mutex
	wanted map[string]struct{} // every topic a Send has asked about
	// refresh asks the sender for a Metadata request soon; newTopic says a
	// topic never asked about is among those wanted, which skips
	// retry.backoff.ms (see sender.maybeUpdateMetadata).
	refresh  atomic.Bool
	newTopic atomic.Bool
	// authErr is the last authentication failure, until a connection
	// authenticates (see failAuthentication).
	authErr atomic.Pointer[error]
	wake    func()
	// sender tells when a Send comes from a Callback: it must not wait
	// for metadata that only the sender goroutine it runs on can fetch.
	sender *senderGoroutine
}

// clusterSnapshot is one immutable version of the cluster view.
type clusterSnapshot struct {
	version   uint64
	clusterID string
	nodes     map[int32]string // broker id → host:port
	topics    map[string]*topicMeta
	// recent is the usable topic a Send looked up last: producers mostly
	// send to one topic, and comparing its name costs less than hashing it
	// for the map on every record.
	recent atomic.Pointer[topicMeta]
	// changed is closed when a newer snapshot replaces this one.
	changed chan struct{}
}

// topicMeta is one topic as of one snapshot.
type topicMeta struct {
	state *topicState
	// err is the broker's answer for the topic when it is not usable
	// (unknown, unauthorized...); partitions is then empty.
	err        error
	partitions []partitionMeta
	// available lists the partitions that have a leader, for the sticky
	// partitioner.
	available []int32
}

// partitionMeta is where one partition lives.
type partitionMeta struct {
	part        *partition
	leader      int32 // -1 when there is none, or the brokers list lacks it
	leaderEpoch int32
}

// topicState is what outlives snapshots: the partitions' batch chains and the
// sticky partitioner. A topic's partitions are created once and reused by
// every later snapshot, so batches never move when metadata changes.
type topicState struct {
	name   string
	sticky *stickyPartitioner
	// batchLimit, when not zero, is the most bytes a new batch of the
	// topic may take: the sender lowers it when the topic refuses batches
	// as too large (see sender.split), so the producer stops building
	// batches it would have to split. It never grows back.
	batchLimit atomic.Int32
	// id and parts are the sender's: the topic id (Produce v13 names
	// topics by it) and every partition made so far.
	id    [16]byte
	parts []*partition
}

func newMetadata(wake func(), sender *senderGoroutine) *metadata {
	m := &metadata{wanted: make(map[string]struct{}), wake: wake, sender: sender}
	m.snapshot.Store(&clusterSnapshot{
		nodes:   map[int32]string{},
		topics:  map[string]*topicMeta{},
		changed: make(chan struct{}),
	})
	return m
}

// topic returns the usable metadata of a topic, asking the sender for it and
// waiting (at most maxBlock, or until ctx ends) when the topic is not known
// yet. It also returns how long it waited, which the wait for buffer memory
// must not get again: both share one max.block.ms. The fast path is two
// atomic loads and a string comparison, and reads no clock.
func (m *metadata) topic(ctx context.Context, name string, maxBlock time.Duration, closeCtx context.Context) (*topicMeta, time.Duration, error) {
	snap := m.snapshot.Load()
	if t := snap.recent.Load(); t != nil && t.state.name == name {
		return t, 0, nil
	}
	if t := snap.topics[name]; t != nil && len(t.partitions) > 0 {
		snap.recent.Store(t)
		return t, 0, nil
	}
	return m.waitTopic(ctx, name, maxBlock, closeCtx)
}

func (m *metadata) waitTopic(ctx context.Context, name string, maxBlock time.Duration, closeCtx context.Context) (*topicMeta, time.Duration, error) {
	if m.sender.running() {
		return nil, 0, fmt.Errorf("%w: Send would wait for the metadata of topic %q, which only the sender goroutine running this callback can fetch",
			ErrCalledFromCallback, name)
	}
	start := time.Now()
	timer := time.NewTimer(maxBlock)
	defer timer.Stop()
	m.want(name)
	for {
		snap := m.snapshot.Load()
		t := snap.topics[name]
		if t != nil && len(t.partitions) > 0 {
			return t, time.Since(start), nil
		}
		if t != nil && t.err != nil && !wire.IsRetriable(t.err) {
			return nil, 0, fmt.Errorf("topic %q: %w", name, t.err)
		}
		if err := m.authErr.Load(); err != nil {
			return nil, time.Since(start), fmt.Errorf("metadata of topic %q: %w", name, *err)
		}
		m.requestRefresh()
		select {
		case <-snap.changed:
		case <-timer.C:
			cause := ErrUnknownTopic
			if t != nil && t.err != nil {
				cause = t.err
			}
			waited := time.Since(start)
			return nil, waited, &MaxBlockError{Topic: name, MaxBlock: maxBlock, Metadata: waited, Err: cause}
		case <-ctx.Done():
			return nil, 0, fmt.Errorf("waiting for metadata of topic %q: %w", name, ctx.Err())
		case <-closeCtx.Done():
			return nil, 0, fmt.Errorf("%w while waiting for metadata of topic %q", ErrClosed, name)
		}
	}
}

// want adds a topic to those every Metadata request asks about.
func (m *metadata) want(name string) {
	m.mu.Lock()
	_, known := m.wanted[name]
	if !known {
		m.wanted[name] = struct{}{}
	}
	m.mu.Unlock()
	if !known {
		m.newTopic.Store(true)
		m.requestRefresh()
	}
}

// wantedTopics appends the topics to ask about to dst.
func (m *metadata) wantedTopics(dst []string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	for name := range m.wanted {
		dst = append(dst, name)
	}
	return dst
}

func (m *metadata) requestRefresh() {
	if !m.refresh.Swap(true) {
		m.wake()
	}
}

// publish installs next as the current snapshot and wakes its waiters.
// Only the sender calls it.
func (m *metadata) publish(next *clusterSnapshot) {
	prev := m.snapshot.Load()
	next.version = prev.version + 1
	next.changed = make(chan struct{})
	m.snapshot.Store(next)
	close(prev.changed)
}

// failAuthentication records that the producer could not authenticate with
// a broker (err), so Sends waiting for metadata fail with err at once rather
// than after max.block.ms; nil records a success, which clears it. Only the
// sender calls it.
func (m *metadata) failAuthentication(err error) {
	if err == nil {
		if m.authErr.Load() != nil {
			m.authErr.Store(nil)
		}
		return
	}
	m.authErr.Store(&err)
	prev := m.snapshot.Load()
	m.publish(&clusterSnapshot{clusterID: prev.clusterID, nodes: prev.nodes, topics: prev.topics})
}
