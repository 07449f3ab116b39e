package core

import (
	"testing"

	"github.com/perfproducer/perfproducer/core/wire"
)

func TestStaleLeaderEpochKeepsTheNewerLeader(t *testing.T) {
	s := &sender{cfg: &Config{BatchSize: 16384}, topics: map[string]*topicState{}}
	answer := func(leader, epoch int32) *wire.MetadataTopic {
		return &wire.MetadataTopic{Name: "t", Partitions: []wire.MetadataPartition{{Partition: 0, Leader: leader, LeaderEpoch: epoch}}}
	}
	current := s.topicMetaFrom(answer(2, 7), nil)
	cases := []struct {
		name          string
		leader, epoch int32
		wantLeader    int32
		wantEpoch     int32
	}{
		{"newer epoch moves the leader", 3, 8, 3, 8},
		{"same epoch takes the answer", 1, 7, 1, 7},
		{"older epoch is stale", 1, 6, 2, 7},
		{"unknown epoch (old brokers) takes the answer", 1, -1, 1, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := s.topicMetaFrom(answer(tc.leader, tc.epoch), current)
			pm := got.partitions[0]
			if pm.leader != tc.wantLeader || pm.leaderEpoch != tc.wantEpoch {
				t.Fatalf("leader %d epoch %d, want %d and %d", pm.leader, pm.leaderEpoch, tc.wantLeader, tc.wantEpoch)
			}
			if pm.part != current.partitions[0].part {
				t.Fatal("a metadata update replaced the partition's batch queue")
			}
		})
	}
}
