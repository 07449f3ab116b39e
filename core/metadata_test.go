package core

import (
	"slices"
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

func TestLeaderMissingFromBrokersIsUnknown(t *testing.T) {
	s := &sender{cfg: &Config{BatchSize: 16384}, topics: map[string]*topicState{}}
	answer := func(epoch int32, leaders ...int32) *wire.MetadataTopic {
		mt := &wire.MetadataTopic{Name: "t"}
		for i, leader := range leaders {
			mt.Partitions = append(mt.Partitions, wire.MetadataPartition{Partition: int32(i), Leader: leader, LeaderEpoch: epoch})
		}
		return mt
	}
	all := map[int32]string{0: "b0:9092", 1: "b1:9092", 2: "b2:9092"}
	without1 := map[int32]string{0: "b0:9092", 2: "b2:9092"}
	listed := s.topicMetaFrom(answer(5, 0, 1, 2), nil)
	cases := []struct {
		name    string
		topic   *topicMeta
		brokers map[int32]string
		// wantLeaders nil: the topic is kept as it was.
		wantLeaders   []int32
		wantAvailable []int32
	}{
		{"every leader listed", listed, all, nil, nil},
		{"a leader left out of the brokers", listed, without1, []int32{0, -1, 2}, []int32{0, 2}},
		{"a stale answer keeps a leader no longer listed", s.topicMetaFrom(answer(4, 0, 2, 2), listed), without1, []int32{0, -1, 2}, []int32{0, 2}},
		{"no leader at all", s.topicMetaFrom(answer(5, -1, -1, -1), nil), without1, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := slices.Clone(tc.topic.partitions)
			snap := &clusterSnapshot{nodes: tc.brokers, topics: map[string]*topicMeta{"t": tc.topic}}
			dropped := snap.dropUnlistedLeaders()
			got := snap.topics["t"]
			if !slices.Equal(tc.topic.partitions, before) {
				t.Fatal("the topic an earlier snapshot may share was changed in place")
			}
			if tc.wantLeaders == nil {
				if dropped || got != tc.topic {
					t.Fatalf("dropped %v, topic replaced %v: want the topic kept", dropped, got != tc.topic)
				}
				return
			}
			if !dropped {
				t.Error("reported no leader dropped")
			}
			for i, want := range tc.wantLeaders {
				if leader := got.partitions[i].leader; leader != want {
					t.Errorf("partition %d: leader %d, want %d", i, leader, want)
				}
				if got.partitions[i].part != tc.topic.partitions[i].part {
					t.Errorf("partition %d: the batch queue was replaced", i)
				}
			}
			if !slices.Equal(got.available, tc.wantAvailable) {
				t.Errorf("available partitions %v, want %v", got.available, tc.wantAvailable)
			}
		})
	}
}
