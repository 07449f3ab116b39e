package core

import (
	"testing"

	"github.com/perfproducer/perfproducer/core/wire"
)

// TestAnswerFinderFindsEveryAnswer: each batch gets its own partition's
// answer (told apart here by BaseOffset) whether the broker answers in the
// request's order or not, and a batch the response leaves out gets none.
func TestAnswerFinderFindsEveryAnswer(t *testing.T) {
	a, b := &topicState{name: "a", id: [16]byte{1}}, &topicState{name: "b", id: [16]byte{2}}
	batchOf := func(t *topicState, p int32) *batch { return &batch{part: &partition{topic: t, index: p}} }
	answer := func(p int32, offset int64) wire.ProducePartitionResponse {
		return wire.ProducePartitionResponse{Partition: p, BaseOffset: offset}
	}
	// What the batches' answers are: topic a's partition p at offset 100+p,
	// topic b's at 200+p.
	want := func(bt *batch) int64 {
		if bt.part.topic == a {
			return 100 + int64(bt.part.index)
		}
		return 200 + int64(bt.part.index)
	}
	batches := []*batch{batchOf(a, 0), batchOf(a, 1), batchOf(a, 2), batchOf(b, 0), batchOf(b, 5)}
	for name, topics := range map[string][]wire.ProduceTopicResponse{
		"request order": {
			{Name: "a", ID: a.id, Partitions: []wire.ProducePartitionResponse{answer(0, 100), answer(1, 101), answer(2, 102)}},
			{Name: "b", ID: b.id, Partitions: []wire.ProducePartitionResponse{answer(0, 200), answer(5, 205)}},
		},
		"shuffled": {
			{Name: "b", ID: b.id, Partitions: []wire.ProducePartitionResponse{answer(5, 205), answer(0, 200)}},
			{Name: "a", ID: a.id, Partitions: []wire.ProducePartitionResponse{answer(2, 102), answer(0, 100), answer(1, 101)}},
		},
	} {
		for _, version := range []int16{9, 13} {
			f := answerFinder{resp: &wire.ProduceResponse{Topics: topics}, version: version}
			for _, bt := range batches {
				got := f.find(bt)
				if got == nil || got.BaseOffset != want(bt) {
					t.Fatalf("%s, v%d: %s-%d got answer %+v; want base offset %d", name, version, bt.part.topic.name, bt.part.index, got, want(bt))
				}
			}
			if got := f.find(batchOf(b, 3)); got != nil {
				t.Fatalf("%s, v%d: a partition the response leaves out got answer %+v", name, version, got)
			}
		}
	}
}
