package core

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"

	"github.com/perfproducer/perfproducer/core/wire"
)

// maybeUpdateMetadata sends a Metadata request when one is due: asked for
// (unknown topic, leader lost, NOT_LEADER...), or older than
// metadata.max.age.ms. An update asked for waits retry.backoff.ms after the
// last attempt, except the producer's first and one for a topic never asked
// about, which go at once (Java's Metadata.requestUpdateForNewTopics lets
// such an update through the same way): the first Send to a topic waits for
// one round trip, not for the backoff. It returns when it next needs to look.
func (s *sender) maybeUpdateMetadata(now int64) int64 {
	maxAge := int64(s.cfg.MetadataMaxAge)
	due := s.metadataAtNanos + maxAge
	if s.meta.refresh.Load() || s.metadataAtNanos == 0 {
		due = s.metadataAttemptNanos + int64(s.cfg.RetryBackoff)
		if !s.metadataAttempted || s.meta.newTopic.Load() {
			due = now
		}
	}
	if s.metadataInFlight {
		return now + maxAge
	}
	if now < due {
		return due
	}
	c := s.anyReady(now)
	if c == nil {
		return now + int64(s.cfg.RetryBackoff)
	}
	version, _ := c.versions.Version(wire.APIKeyMetadata)
	// Cleared before the wanted topics are read: a topic wanted meanwhile
	// sets it again and gets its own request at once.
	s.meta.newTopic.Store(false)
	s.wantedScratch = s.meta.wantedTopics(s.wantedScratch[:0])
	req := wire.MetadataRequest{Topics: s.wantedScratch, AllowAutoTopicCreation: true}
	if req.Topics == nil {
		req.Topics = []string{} // brokers only: nil would ask for every topic
	}
	s.meta.refresh.Store(false)
	s.metadataAttemptNanos, s.metadataAttempted = now, true
	r := s.newRequest(wire.APIKeyMetadata, version)
	if s.send(c, r, &req, now) {
		s.metadataInFlight = true
	}
	return now + maxAge
}

// onMetadata builds and publishes a new snapshot from a Metadata response.
func (s *sender) onMetadata(c *brokerConn, r *request, body []byte, now int64) {
	s.metadataInFlight = false
	resp := &s.metadataResponse
	if err := resp.Decode(body, r.version); err != nil {
		s.log.Warn("bad metadata response", "node", c.node, "error", err)
		s.meta.requestRefresh()
		return
	}
	prev := s.meta.snapshot.Load()
	next := &clusterSnapshot{
		nodes:  make(map[int32]string, len(resp.Brokers)),
		topics: make(map[string]*topicMeta, len(resp.Topics)),
	}
	if resp.ClusterID != nil {
		next.clusterID = *resp.ClusterID
	}
	for _, b := range resp.Brokers {
		next.nodes[b.NodeID] = net.JoinHostPort(b.Host, strconv.Itoa(int(b.Port)))
	}
	// Keep what the answer did not mention (topics asked for after the
	// request went out).
	for name, t := range prev.topics {
		next.topics[name] = t
	}
	incomplete := false
	known := len(s.partitions)
	for i := range resp.Topics {
		mt := &resp.Topics[i]
		if mt.Name == "" {
			continue
		}
		t := s.topicMetaFrom(mt, prev.topics[mt.Name])
		if t.err != nil || len(t.available) < len(t.partitions) {
			incomplete = true
		}
		if old := prev.topics[mt.Name]; old != nil && t.err != nil && len(old.partitions) > 0 && wire.IsRetriable(t.err) {
			// A passing error (leader election) should not make a known
			// topic unknown to Send: keep its partitions, leaderless.
			t = leaderless(old)
		}
		next.topics[mt.Name] = t
	}
	if len(s.partitions) > known {
		s.shareBufferMemory()
	}
	if next.dropUnlistedLeaders() {
		incomplete = true
	}
	s.meta.publish(next)
	s.reconcileConnections(next, now)
	s.metadataAtNanos = now
	if prev.version == 0 || !sameLeaders(prev, next) {
		s.log.Debug("metadata updated", "version", next.version, "brokers", len(next.nodes), "topics", len(next.topics))
	}
	if incomplete {
		s.meta.refresh.Store(true)
	}
}

// shareBufferMemory sizes batches for the number of partitions that now
// share buffer.memory, those of every topic the producer knows: what the
// first batch of each partition that has had none yet asks for (see
// firstBatchMemory), and the least any batch asks for (see batchFloor).
// Called when a Metadata answer adds partitions.
func (s *sender) shareBufferMemory() {
	first := int32(firstBatchMemory(s.cfg, len(s.partitions)))
	for _, p := range s.partitions {
		if p.pulled == 0 {
			p.batchHint.Store(first)
		}
	}
	s.batchFloor = batchFloor(s.cfg, len(s.partitions))
}

// topicMetaFrom turns one topic of a Metadata response into a topicMeta,
// creating or extending the topic's lasting state. A partition whose leader
// epoch is older than the one in prev (an answer from a broker that has not
// heard of the latest election) keeps prev's leader, as Java's Metadata does.
func (s *sender) topicMetaFrom(mt *wire.MetadataTopic, prev *topicMeta) *topicMeta {
	st := s.topics[mt.Name]
	if st == nil {
		st = &topicState{name: mt.Name, sticky: newStickyPartitioner(s.cfg.BatchSize, s.cfg.PartitionerAdaptive)}
		s.topics[mt.Name] = st
	}
	st.id = mt.ID
	if err := mt.Err(); err != nil {
		return &topicMeta{state: st, err: err}
	}
	n := 0
	for _, p := range mt.Partitions {
		n = max(n, int(p.Partition)+1)
	}
	for len(st.parts) < n {
		p := newPartition(st, int32(len(st.parts)))
		st.parts = append(st.parts, p)
		s.partitions = append(s.partitions, p)
	}
	t := &topicMeta{state: st, partitions: make([]partitionMeta, n)}
	for i := range t.partitions {
		t.partitions[i] = partitionMeta{part: st.parts[i], leader: -1, leaderEpoch: -1}
	}
	for _, p := range mt.Partitions {
		if p.Partition < 0 {
			continue
		}
		pm := &t.partitions[p.Partition]
		if prev != nil && int(p.Partition) < len(prev.partitions) {
			if known := prev.partitions[p.Partition]; p.LeaderEpoch >= 0 && p.LeaderEpoch < known.leaderEpoch {
				pm.leader, pm.leaderEpoch = known.leader, known.leaderEpoch
				continue
			}
		}
		if p.Err() == nil || errors.Is(p.Err(), wire.ErrReplicaNotAvailable) {
			pm.leader = p.Leader
		}
		pm.leaderEpoch = p.LeaderEpoch
	}
	for i, pm := range t.partitions {
		if pm.leader >= 0 {
			t.available = append(t.available, int32(i))
		}
	}
	return t
}

// leaderless copies a topic's partitions with no leader known.
func leaderless(old *topicMeta) *topicMeta {
	t := &topicMeta{state: old.state, partitions: slices.Clone(old.partitions)}
	for i := range t.partitions {
		t.partitions[i].leader = -1
	}
	return t
}

// dropUnlistedLeaders makes unknown (-1) every partition leader that snap
// does not list among its brokers, and reports whether there was one. Such
// a leader has no address to send to until a later answer lists it again
// (a broker that is down may be left out while its partitions still name
// it), so it is as good as none: Java's MetadataResponse.toPartitionInfo
// leaves it null. Afterwards every leader in snap is a key of snap.nodes.
// Topics are copied, never changed in place: an earlier snapshot may share
// them. Only the sender calls it, before publishing snap.
func (snap *clusterSnapshot) dropUnlistedLeaders() bool {
	dropped := false
	for name, t := range snap.topics {
		if !slices.ContainsFunc(t.partitions, func(pm partitionMeta) bool { return pm.leader >= 0 && !snap.lists(pm.leader) }) {
			continue
		}
		known := &topicMeta{state: t.state, err: t.err, partitions: slices.Clone(t.partitions)}
		for i := range known.partitions {
			if pm := &known.partitions[i]; snap.lists(pm.leader) {
				known.available = append(known.available, int32(i))
			} else {
				pm.leader = -1
			}
		}
		snap.topics[name] = known
		dropped = true
	}
	return dropped
}

// lists reports whether node is among snap's brokers.
func (snap *clusterSnapshot) lists(node int32) bool {
	_, ok := snap.nodes[node]
	return ok
}

func sameLeaders(a, b *clusterSnapshot) bool {
	if len(a.topics) != len(b.topics) {
		return false
	}
	for name, ta := range a.topics {
		tb := b.topics[name]
		if tb == nil || len(ta.partitions) != len(tb.partitions) {
			return false
		}
		for i := range ta.partitions {
			if ta.partitions[i].leader != tb.partitions[i].leader {
				return false
			}
		}
	}
	return true
}

// reconcileConnections closes connections that no longer lead where the
// new snapshot says: to brokers that left the cluster or moved to another
// address (a restarted broker), and bootstrap connections once real brokers
// are known. Their in-flight requests are retried like any lost to a broken
// connection.
func (s *sender) reconcileConnections(next *clusterSnapshot, now int64) {
	if len(next.nodes) == 0 {
		return
	}
	for id, c := range s.conns {
		if addr, ok := next.nodes[id]; ok && addr == c.addr {
			continue
		}
		if id < 0 && len(c.inFlight) > 0 {
			continue // a bootstrap connection still owes answers: retire it later
		}
		if c.state != connDown {
			s.dropConnection(c, fmt.Errorf("broker %d is no longer at %s in the cluster metadata", id, c.addr), now)
		}
		delete(s.conns, id)
	}
}
