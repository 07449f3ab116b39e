package wire_test

import (
	"fmt"
	"io"

	"github.com/perfproducer/perfproducer/core/wire"
)

// A batch is built in memory the caller owns, sealed, optionally compressed
// into a second buffer, and its records read back, as a producer does to
// split a batch the broker refused as too large.
func Example() {
	slot := make([]byte, 16<<10) // an arena slot, in the producer
	var b wire.BatchBuilder
	b.Reset(slot, 1_700_000_000_000)
	for i := range 3 {
		headers := []wire.Header{{Key: "n", Value: []byte{byte('0' + i)}}}
		if err := b.Append(1_700_000_000_000+int64(i), []byte("key"), []byte("value"), headers); err != nil {
			panic(err)
		}
	}
	h := wire.BatchHeader{
		PartitionLeaderEpoch: wire.NoPartitionLeaderEpoch,
		ProducerID:           wire.NoProducerID,
		ProducerEpoch:        wire.NoProducerEpoch,
		BaseSequence:         wire.NoSequence,
	}
	codec := wire.CodecLZ4
	comp, err := wire.NewCompressor(codec, wire.DefaultLZ4Level)
	if err != nil {
		panic(err)
	}
	h = b.Complete(h)
	batch, err := comp.CompressBatch(make([]byte, 16<<10), b.Records(), h)
	if err != nil {
		// ErrNoRoom: send the batch uncompressed with b.Seal(h) instead.
		panic(err)
	}

	records, err := wire.NewDecompressor(1<<20).Decompress(codec, batch[wire.BatchHeaderSize:])
	if err != nil {
		panic(err)
	}
	var rr wire.RecordReader
	rr.Reset(records, h.RecordCount)
	for {
		var rec wire.Record
		if err := rr.Next(&rec); err == io.EOF {
			break
		} else if err != nil {
			panic(err)
		}
		fmt.Printf("%s %d %s=%s %s\n", codec, rec.OffsetDelta, rec.Key, rec.Value, rec.Headers[0].Value)
	}
	// Output:
	// lz4 0 key=value 0
	// lz4 1 key=value 1
	// lz4 2 key=value 2
}
