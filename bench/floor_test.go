package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/core/wire"
)

// floorBench is not a Kafka client: it is the part of a row's work that no
// producer can leave out, whatever its design, so the matrix can show how
// much of each row's CPU per record is there for every client. The CPU it
// costs is a lower bound (a floor) on any producer's CPU for the row that
// sends the row's bytes with the same codec library, at Kafka's default
// level, in batches of at most batch.size.
//
// For every record it does three things, each once: it encodes the record
// into its partition's batch (keyed records go to murmur2's partition,
// unkeyed ones fill one batch after another, as the sticky partitioner's
// do), and, when the batch is full, it compresses the batch's records with
// the row's codec and seals it (CRC32C). Then it drops the batch. It is
// kinder to itself than any client can be:
//   - its batches are as full as batch.size allows, since it sends nothing
//     and so never has a reason to close a batch early (linger.ms, a free
//     connection): codecs cost less per record in fuller batches;
//   - it opens no connection: the kernel's cost of writing the bytes to a
//     socket and reading the broker's answers is left out, as are request
//     headers, callbacks and retries;
//   - it reads the clock once per batch, not once per record.
//
// A row where the floor is more than half of franz-go's CPU per record
// cannot meet the goal of half franz-go's CPU with that codec library.
type floorBench struct {
	partitions int
	keyed      bool
	comp       *wire.Compressor // nil without a codec
	// batches are the open batches, one per partition when keyed, else one;
	// each is allocated at its first record.
	batches []*floorBatch
	// sticky is the partition of the unkeyed batch: the next one in turn
	// once a batch is sealed.
	sticky int
	// send, for floor-send, takes sealed batches to the broker; the floor
	// drops them.
	send *floorSender
	// out receives compressed batches; it is rewritten by every batch.
	out []byte
	// sealed counts the batches and records sealed, for tests.
	sealedBatches, sealedRecords int
	// check, when set, receives every sealed batch (tests only).
	check func(partition int, sealed []byte)
}

type floorBatch struct {
	buf []byte
	b   wire.BatchBuilder
	// ts is the timestamp of every record of the batch: the clock is read
	// when the batch starts.
	ts int64
}

// reset starts an empty batch in fb's memory.
func (fb *floorBatch) reset() {
	fb.ts = time.Now().UnixMilli()
	fb.b.Reset(fb.buf, fb.ts)
}

func openFloor(_ []string, r row, acked ackFunc) (benchProducer, error) {
	if acked != nil {
		return nil, errors.New("floor: sends nothing, so it has no outcome per record to report")
	}
	return newFloor(r)
}

// openFloorSend is the floor that also sends its batches, and reads the
// answers, as a producer must (see floorSender): the floor with the
// kernel's and the network's share of a row.
func openFloorSend(brokers []string, r row, acked ackFunc) (benchProducer, error) {
	if acked != nil {
		return nil, errors.New("floor-send: has no outcome per record to report")
	}
	f, err := newFloor(r)
	if err != nil {
		return nil, err
	}
	if f.send, err = newFloorSender(brokers, benchTopic, r.partitions, r.acksAll); err != nil {
		return nil, err
	}
	return f, nil
}

func newFloor(r row) (*floorBench, error) {
	f := &floorBench{partitions: r.partitions, keyed: r.keySize > 0, out: make([]byte, benchBatchSize)}
	if r.codec != core.CompressionNone {
		codec := wire.Codec(r.codec)
		comp, err := wire.NewCompressor(codec, codec.DefaultLevel())
		if err != nil {
			return nil, fmt.Errorf("floor: %w", err)
		}
		f.comp = comp
	}
	n := 1
	if f.keyed {
		n = r.partitions
	}
	f.batches = make([]*floorBatch, n)
	return f, nil
}

func (f *floorBench) produce(ctx context.Context, _ int64, key, value []byte) error {
	i := 0
	if f.keyed {
		i = int(core.KeyPartition(key, f.partitions))
	}
	fb := f.batches[i]
	if fb == nil {
		fb = &floorBatch{buf: make([]byte, benchBatchSize)}
		fb.reset()
		f.batches[i] = fb
	}
	err := fb.b.Append(fb.ts, key, value, nil)
	if errors.Is(err, wire.ErrNoRoom) && fb.b.Count() > 0 {
		if err := f.seal(ctx, i, fb); err != nil {
			return err
		}
		err = fb.b.Append(fb.ts, key, value, nil)
	}
	return err
}

// seal compresses and seals the batch fb of f.batches[i], hands it to the
// sender if there is one, then starts an empty batch.
func (f *floorBench) seal(ctx context.Context, i int, fb *floorBatch) error {
	p := i
	if !f.keyed {
		p = f.sticky
		f.sticky = (f.sticky + 1) % f.partitions
	}
	h := fb.b.Complete(wire.BatchHeader{
		PartitionLeaderEpoch: wire.NoPartitionLeaderEpoch, ProducerID: wire.NoProducerID,
		ProducerEpoch: wire.NoProducerEpoch, BaseSequence: wire.NoSequence,
	})
	var sealed []byte
	var err error
	compressed := false
	if f.comp != nil {
		sealed, err = f.comp.CompressBatch(f.out, fb.b.Records(), h)
		compressed = err == nil
	}
	if f.comp == nil || errors.Is(err, wire.ErrNoRoom) {
		// Without a codec, or when compression did not shrink the batch,
		// it goes as it is, as a producer would send it.
		sealed, err = fb.b.Seal(h)
	}
	if err != nil {
		return fmt.Errorf("floor: sealing a batch of %d records: %w", fb.b.Count(), err)
	}
	f.sealedBatches++
	f.sealedRecords += int(fb.b.Count())
	if f.check != nil {
		f.check(p, sealed)
	}
	if f.send != nil {
		// The sender keeps the memory under sealed until it has written
		// the request; the floor goes on in other memory.
		if compressed {
			f.out = f.send.buffer()
		} else {
			fb.buf = f.send.buffer()
		}
		if err := f.send.add(ctx, p, sealed); err != nil {
			return err
		}
	}
	fb.reset()
	return nil
}

func (f *floorBench) flush(ctx context.Context) error {
	for i, fb := range f.batches {
		if fb == nil || fb.b.Count() == 0 {
			continue
		}
		if err := f.seal(ctx, i, fb); err != nil {
			return err
		}
	}
	if f.send != nil {
		return f.send.flush(ctx)
	}
	return nil
}

func (f *floorBench) close() {
	if f.send != nil {
		f.send.close()
	}
}
