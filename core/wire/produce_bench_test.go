package wire

import (
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// benchProduceVersion is the version the benchmarks encode and decode: the
// newest that still names topics, so strings are part of the cost.
const benchProduceVersion = 11

// benchProduceRequest builds a request with one 16 KiB batch per partition.
func benchProduceRequest(partitions int) (*ProduceRequest, *kmsg.ProduceRequest) {
	ours := &ProduceRequest{Acks: -1, TimeoutMillis: 30000, Topics: []ProduceTopic{{Name: "bench-topic"}}}
	theirs := kmsg.NewPtrProduceRequest()
	theirs.SetVersion(benchProduceVersion)
	theirs.Acks, theirs.TimeoutMillis = -1, 30000
	kt := kmsg.NewProduceRequestTopic()
	kt.Topic = "bench-topic"
	for p := range partitions {
		batch := make([]byte, 16<<10)
		batch[0] = byte(p)
		ours.Topics[0].Partitions = append(ours.Topics[0].Partitions, ProducePartition{Partition: int32(p), Records: batch})
		kt.Partitions = append(kt.Partitions, kmsg.ProduceRequestTopicPartition{Partition: int32(p), Records: batch})
	}
	theirs.Topics = append(theirs.Topics, kt)
	return ours, theirs
}

func BenchmarkProduceRequest(b *testing.B) {
	for _, partitions := range []int{1, 16} {
		ours, theirs := benchProduceRequest(partitions)
		size := int64(partitions * 16 << 10)
		b.Run(fmt.Sprintf("wire-segments/%dp", partitions), func(b *testing.B) {
			var scratch []byte
			var segs [][]byte
			b.ReportAllocs()
			b.SetBytes(size)
			for i := range b.N {
				var err error
				scratch, segs, err = ours.AppendSegments(scratch[:0], segs[:0], benchProduceVersion, int32(i), "bench-client")
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("kmsg-AppendTo/%dp", partitions), func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			b.SetBytes(size)
			for range b.N {
				buf = theirs.AppendTo(buf[:0])
			}
		})
	}
}

func BenchmarkProduceResponseDecode(b *testing.B) {
	const partitions = 16
	resp := kmsg.NewPtrProduceResponse()
	resp.SetVersion(benchProduceVersion)
	t := kmsg.NewProduceResponseTopic()
	t.Topic = "bench-topic"
	for p := range partitions {
		sp := kmsg.NewProduceResponseTopicPartition()
		sp.Partition, sp.BaseOffset, sp.LogStartOffset = int32(p), int64(p)<<20, 0
		t.Partitions = append(t.Partitions, sp)
	}
	resp.Topics = append(resp.Topics, t)
	body := resp.AppendTo(nil)

	b.Run(fmt.Sprintf("wire/%dp", partitions), func(b *testing.B) {
		var got ProduceResponse
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for range b.N {
			if err := got.Decode(body, benchProduceVersion); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run(fmt.Sprintf("kmsg-ReadFrom/%dp", partitions), func(b *testing.B) {
		got := kmsg.NewPtrProduceResponse()
		got.SetVersion(benchProduceVersion)
		b.ReportAllocs()
		b.SetBytes(int64(len(body)))
		for range b.N {
			if err := got.ReadFrom(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestProduceHotPathsDoNotAllocate pins the 0 allocs/op the benchmarks
// show, so a change that adds one fails a test, not only a figure.
func TestProduceHotPathsDoNotAllocate(t *testing.T) {
	ours, _ := benchProduceRequest(16)
	scratch, segs, _ := ours.AppendSegments(nil, nil, benchProduceVersion, 1, "c")
	if a := testing.AllocsPerRun(50, func() {
		scratch, segs, _ = ours.AppendSegments(scratch[:0], segs[:0], benchProduceVersion, 1, "c")
	}); a != 0 {
		t.Errorf("warm AppendSegments: %v allocs", a)
	}
	body := kmsgProduceResponse(benchProduceVersion, 16).AppendTo(nil)
	var got ProduceResponse
	if err := got.Decode(body, benchProduceVersion); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(50, func() { _ = got.Decode(body, benchProduceVersion) }); a != 0 {
		t.Errorf("warm ProduceResponse.Decode: %v allocs", a)
	}
}
