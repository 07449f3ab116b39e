package wire_test

import (
	"errors"
	"fmt"

	"github.com/perfproducer/perfproducer/core/wire"
)

// A producer encodes each Produce request as segments for writev: the
// batches go to the socket from where they lie, never copied.
func ExampleProduceRequest_AppendSegments() {
	batchA, batchB := make([]byte, 1000), make([]byte, 2000) // sealed RecordBatch v2 bytes
	req := wire.ProduceRequest{
		Acks:          -1,
		TimeoutMillis: 30000,
		Topics: []wire.ProduceTopic{{
			Name: "events",
			Partitions: []wire.ProducePartition{
				{Partition: 0, Records: batchA},
				{Partition: 1, Records: batchB},
			},
		}},
	}
	var scratch []byte // reused from request to request
	var segs [][]byte  // likewise
	scratch, segs, err := req.AppendSegments(scratch[:0], segs[:0], 11, 42, "my-producer")
	if err != nil {
		panic(err)
	}
	total := 0
	for _, s := range segs {
		total += len(s)
	}
	fmt.Println(len(segs), "segments,", total, "bytes, of which", len(scratch), "framing")
	fmt.Println(&segs[1][0] == &batchA[0], &segs[3][0] == &batchB[0])
	// Output:
	// 5 segments, 3058 bytes, of which 58 framing
	// true true
}

// Negotiation picks per API the highest version both sides speak, and
// names the API that has none.
func ExampleNegotiate() {
	broker := []wire.APIVersionsKey{
		{Key: wire.APIKeyProduce, Versions: wire.VersionRange{Min: 0, Max: 11}},
		{Key: wire.APIKeyMetadata, Versions: wire.VersionRange{Min: 0, Max: 12}},
	}
	vs, err := wire.Negotiate(broker, wire.APIKeyProduce, wire.APIKeyMetadata)
	if err != nil {
		panic(err)
	}
	produce, _ := vs.Version(wire.APIKeyProduce)
	fmt.Println("Produce", produce)

	_, err = wire.Negotiate(broker, wire.APIKeyInitProducerID)
	fmt.Println(errors.Is(err, wire.ErrNoCommonVersion))
	// Output:
	// Produce 11
	// true
}

// Broker error codes become errors callers test with errors.Is.
func ExampleErrorForCode() {
	err := wire.ErrorForCode(6)
	fmt.Println(errors.Is(err, wire.ErrNotLeaderOrFollower), wire.IsRetriable(err))
	// Output: true true
}
