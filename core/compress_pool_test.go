//go:build linux

package core

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"testing"

	"github.com/perfproducer/perfproducer/arena"
	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestCompressionPoolKeepsEveryRecord: with many partitions, no linger and
// small batches, the pool has many batches at once; every batch read back
// carries the configured codec and every record arrives intact, once, in
// order.
func TestCompressionPoolKeepsEveryRecord(t *testing.T) {
	const topic, partitions, records = "pooled", 48, 30_000
	for _, codec := range []Compression{CompressionLZ4, CompressionZstd} {
		t.Run(codec.String(), func(t *testing.T) {
			c := kafkatest.NewCluster(t, 3, topic, partitions)
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.Compression = codec
				cfg.Linger = 0
				cfg.BatchSize = 2048
			})
			sent := sendAll(t, p, records, mixedRecord(topic, 120))
			if n := p.Stats().BatchesSent; n < partitions {
				t.Fatalf("%d batches sent for %d partitions: the pool was never busy", n, partitions)
			}
			got := kafkatest.Consume(t, c, topic, records)
			for _, r := range got {
				if r.Attrs.CompressionType() != uint8(codec) {
					t.Fatalf("record %d arrived in a batch with codec %d, want %d (%s)",
						binary.BigEndian.Uint64(r.Value), r.Attrs.CompressionType(), codec, codec)
				}
			}
			verifyReadBack(t, sent, got, partitions, true)
		})
	}
}

// poolBench is a sender driven by hand (no goroutine runs it) with an arena
// and one partition, whose compression pool has no workers: the test
// compresses the batches handed to the pool itself, one at a time, in the
// order it chooses.
type poolBench struct {
	s       *sender
	part    *partition
	arena   *arena.Arena
	worker  *wire.Compressor
	scratch []byte
	// jobs are the batches handed to the pool, oldest first.
	jobs []*batch
	// outcomes are the records' callbacks in the order they ran.
	outcomes []poolOutcome
}

type poolOutcome struct {
	opaque uint64
	err    error
}

// poolRecordsPerBatch fill a 1 KiB batch: three 300-byte values fit, a
// fourth does not.
const poolRecordsPerBatch = 3

// newPoolBench appends records for batches batches to the partition, takes
// them off its chain and leaves them with the pool.
func newPoolBench(t *testing.T, batches int) *poolBench {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Compression = CompressionLZ4
	cfg.BatchSize = 1024
	s := newBareSender(t, cfg)
	ar, err := arena.New(4*batches*cfg.BatchSize, cfg.BatchSize, arena.Options{})
	if err != nil {
		t.Fatal(err)
	}
	s.arena, s.clock = ar, newMonoClock()
	s.idem.current = producerSession{id: 7, epoch: 0, generation: 1}
	compressors, err := newCompressors(s.cfg, 2)
	if err != nil {
		t.Fatal(err)
	}
	s.compressor = compressors[0]
	s.pool = newCompressPool(ar.MaxSpans(), batches, ar, func() {})
	pb := &poolBench{s: s, part: newPartition(&topicState{name: "t"}, 0), arena: ar, worker: compressors[1]}
	s.partitions = []*partition{pb.part}
	acc := accumulator{arena: ar, batchSize: cfg.BatchSize, clock: s.clock, ready: s.readyList, wake: func() {},
		closeCtx: context.Background(), sender: &senderGoroutine{}}
	cb := func(md RecordMetadata, err error) { pb.outcomes = append(pb.outcomes, poolOutcome{md.Opaque, err}) }
	for i := range batches * poolRecordsPerBatch {
		r := Record{Topic: "t", Value: bytes.Repeat([]byte{byte(i)}, 300), Opaque: uint64(i)}
		payload := wire.RecordPayloadSize(r.Key, r.Value, r.Headers)
		if _, err := acc.append(context.Background(), pb.part, &r, 1_700_000_000_000, s.clock.now(), payload, cb, false, &blockedTime{}); err != nil {
			t.Fatal(err)
		}
	}
	s.pull(pb.part, s.meta.snapshot.Load(), s.clock.now(), closeAll)
	for range len(s.pool.jobs) {
		pb.jobs = append(pb.jobs, <-s.pool.jobs)
	}
	if len(pb.part.queue) != batches || !slices.Equal(pb.jobs, pb.part.queue) {
		t.Fatalf("%d batches queued, %d handed to the pool; want %d of each", len(pb.part.queue), len(pb.jobs), batches)
	}
	return pb
}

// finish compresses the batches handed to the pool with the given indexes,
// in that order, and lets the sender take them back.
func (pb *poolBench) finish(indexes ...int) {
	for _, i := range indexes {
		pb.s.pool.compress(pb.worker, &pb.scratch, pb.jobs[i])
	}
	pb.s.takeCompressed()
}

// inUse is how many arena slots are taken.
func (pb *poolBench) inUse() int {
	st := pb.arena.Stats()
	return st.Slots - st.FreeSlots
}

// TestBatchesWithThePoolOutliveExpiryAndForcedClose: a batch expires
// (delivery.timeout.ms) or is failed by a forced Close only once the pool
// has handed it back, and the batches behind it of its partition wait for
// it, so callbacks still run in order; every record completes once and
// every arena span is freed once (the arena refuses a second free, and the
// sender panics on that; Close refuses while a span is taken).
func TestBatchesWithThePoolOutliveExpiryAndForcedClose(t *testing.T) {
	const batches = 3
	cases := []struct {
		name    string
		act     func(s *sender, p *partition, now int64)
		wantErr error
	}{
		{"delivery.timeout.ms passed", func(s *sender, p *partition, now int64) {
			if next := s.expireQueued(p, now); next <= now {
				t.Errorf("expireQueued asks to look again at %d, not after now (%d): the sender would spin while the pool works", next, now)
			}
		}, ErrTimeout},
		{"forced Close", func(s *sender, _ *partition, _ int64) { s.failEverything(ErrClosed) }, ErrClosed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pb := newPoolBench(t, batches)
			late := pb.s.clock.now() + int64(pb.s.cfg.DeliveryTimeout) + 1
			// The newest batches come back first; the oldest stays with
			// the pool and holds up the rest.
			pb.finish(2, 1)
			tc.act(pb.s, pb.part, late)
			if len(pb.outcomes) != 0 || len(pb.part.queue) != batches || pb.inUse() != batches {
				t.Fatalf("with the oldest batch in the pool: %d callbacks ran, %d batches queued, %d slots taken; want 0, %d, %d",
					len(pb.outcomes), len(pb.part.queue), pb.inUse(), batches, batches)
			}
			pb.finish(0)
			tc.act(pb.s, pb.part, late)
			if len(pb.outcomes) != batches*poolRecordsPerBatch {
				t.Fatalf("%d callbacks ran, want %d", len(pb.outcomes), batches*poolRecordsPerBatch)
			}
			for i, o := range pb.outcomes {
				if o.opaque != uint64(i) || !errors.Is(o.err, tc.wantErr) {
					t.Fatalf("callback %d was for record %d with %v; want record %d with %v", i, o.opaque, o.err, i, tc.wantErr)
				}
			}
			if len(pb.part.queue) != 0 || pb.inUse() != 0 {
				t.Fatalf("%d batches still queued, %d slots still taken", len(pb.part.queue), pb.inUse())
			}
			if err := pb.arena.Close(); err != nil {
				t.Fatalf("closing the arena: %v", err)
			}
		})
	}
}

// batchCRCFrom is where the bytes a RecordBatch v2's CRC32C covers begin:
// after base offset, length, leader epoch, magic and the CRC itself.
const batchCRCFrom = 8 + 4 + 4 + 1 + 4

// TestPooledBatchIsSealedWhenDrained: a batch with the pool is not
// sendable, and its partition waits for it even when a later batch is
// back; once back, the batch is sealed at drain time under its producer id
// and sequence, with the codec bits and a CRC over the compressed form, and
// its records read back intact. A retry goes out byte for byte the same.
func TestPooledBatchIsSealedWhenDrained(t *testing.T) {
	pb := newPoolBench(t, 2)
	s, p := pb.s, pb.part
	now := s.clock.now()
	pb.finish(1)
	if s.sendable(p, p.queue[0], now) {
		t.Fatal("the partition's oldest batch is with the pool, yet it is sendable")
	}
	pb.finish(0)
	if !s.sendable(p, p.queue[0], now) {
		t.Fatal("the pool handed the oldest batch back, yet it is not sendable")
	}
	dec := wire.NewDecompressor(1 << 20)
	for i, want := range []int32{0, poolRecordsPerBatch} {
		b, err := s.sealFront(p)
		if err != nil {
			t.Fatal(err)
		}
		p.queue = p.queue[1:]
		first := slices.Clone(b.wireBytes)
		var got kmsg.RecordBatch
		if err := got.ReadFrom(b.wireBytes); err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		if crc := int32(crc32.Checksum(b.wireBytes[batchCRCFrom:], crc32.MakeTable(crc32.Castagnoli))); crc != got.CRC {
			t.Fatalf("batch %d: crc %#x, computed %#x", i, got.CRC, crc)
		}
		h := wire.BatchHeader{Attributes: got.Attributes, ProducerID: got.ProducerID, BaseSequence: got.FirstSequence, RecordCount: got.NumRecords}
		if h.Codec() != wire.CodecLZ4 || h.ProducerID != 7 || h.BaseSequence != want || h.RecordCount != poolRecordsPerBatch {
			t.Fatalf("batch %d sealed with codec %v, producer id %d, base sequence %d, %d records; want lz4, 7, %d, %d",
				i, h.Codec(), h.ProducerID, h.BaseSequence, h.RecordCount, want, poolRecordsPerBatch)
		}
		records, err := dec.Decompress(h.Codec(), got.Records)
		if err != nil {
			t.Fatalf("batch %d: %v", i, err)
		}
		var rr wire.RecordReader
		rr.Reset(records, h.RecordCount)
		var rec wire.Record
		for j := range h.RecordCount {
			if err := rr.Next(&rec); err != nil {
				t.Fatalf("batch %d record %d: %v", i, j, err)
			}
			index := int(want + j)
			if !bytes.Equal(rec.Value, bytes.Repeat([]byte{byte(index)}, 300)) {
				t.Fatalf("batch %d record %d read back with another value", i, j)
			}
		}
		if err := s.seal(b); err != nil || !bytes.Equal(b.wireBytes, first) {
			t.Fatalf("sealing batch %d again (a retry): %v, same bytes %v", i, err, bytes.Equal(b.wireBytes, first))
		}
		s.completeBatch(b, -1, -1, nil)
	}
	if pb.inUse() != 0 {
		t.Fatalf("%d slots still taken", pb.inUse())
	}
}

// TestForcedCloseWithCompression: Close with its context ended while
// compressed batches are queued, with the pool and in flight (the broker
// holds its answers): every record completes exactly once, those not
// acknowledged fail, nothing is lost or doubled on the broker, and the
// buffer is whole again (Close reports a span never freed).
func TestForcedCloseWithCompression(t *testing.T) {
	const topic, partitions, records = "forced", 24, 5_000
	c := kafkatest.NewCluster(t, 1, topic, partitions)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Compression = CompressionLZ4
		cfg.Linger = 0
		cfg.BatchSize = 2048
		cfg.BufferMemory = 32 << 20 // every record's batch waits: none is acknowledged
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	release := make(chan struct{})
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		c.SleepControl(func() { <-release })
		return nil, nil, false
	})
	sent := make([]sentRecord, records)
	calls := make([]int, records)
	mk := mixedRecord(topic, 120)
	for i := range records {
		r := mk(i)
		r.Opaque = uint64(i)
		sent[i].rec = r
		err := p.Send(ctx, &r, func(md RecordMetadata, err error) {
			calls[md.Opaque]++
			sent[md.Opaque].md, sent[md.Opaque].err = md, err
		})
		if err != nil {
			t.Fatalf("Send %d: %v", i, err)
		}
	}
	ended, end := context.WithCancel(context.Background())
	end()
	err := p.Close(ended)
	if !errors.Is(err, context.Canceled) || errors.Is(err, arena.ErrInUse) {
		t.Fatalf("Close = %v; want the context's error alone", err)
	}
	close(release)
	failed := 0
	for i := range sent {
		if calls[i] != 1 {
			t.Fatalf("record %d: callback ran %d times, want once", i, calls[i])
		}
		if err := sent[i].err; err != nil {
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("record %d failed with %v, want ErrClosed", i, err)
			}
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("no record failed: the forced Close found nothing to fail")
	}
	least, most := readBackBounds(sent)
	verifyReadBack(t, sent, kafkatest.ConsumeBetween(t, c, topic, least, most), partitions, true)
}

// BenchmarkCompressPoolRoundTrip hands one full default-sized batch of
// records to a running pool, waits for it to come back and takes it back,
// over and over: the pool's cost per batch, which must allocate nothing once
// warm.
func BenchmarkCompressPoolRoundTrip(b *testing.B) {
	for _, codec := range []Compression{CompressionLZ4, CompressionZstd} {
		b.Run(codec.String(), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Compression = codec
			s := newBareSender(b, cfg)
			back := make(chan struct{}, 1)
			s.pool = newCompressPool(1, 1, nil, func() {
				select {
				case back <- struct{}{}:
				default:
				}
			})
			compressors, err := newCompressors(s.cfg, 1)
			if err != nil {
				b.Fatal(err)
			}
			s.pool.start(compressors)
			defer s.pool.stop()
			bt := benchBatch(b, cfg.BatchSize)
			records := slices.Clone(bt.bytes())
			roundTrip := func() {
				copy(bt.bytes(), records) // the pool compressed them in place
				s.compressLater(bt)
				for bt.compressing {
					<-back
					s.takeCompressed()
				}
				if bt.compressErr != nil || bt.compressed == nil {
					b.Fatalf("compressing: %v", bt.compressErr)
				}
				bt.compressed = nil
			}
			roundTrip() // the worker's scratch and the codec's state
			b.ReportAllocs()
			b.SetBytes(int64(len(bt.bytes())))
			b.ResetTimer()
			for range b.N {
				roundTrip()
			}
		})
	}
}

// benchBatch is a closed, settled batch of size bytes filled with records
// of 100-byte values that compress like short text.
func benchBatch(b *testing.B, size int) *batch {
	buf := make([]byte, size)
	bt := newBatch(newPartition(&topicState{name: "t"}, 0), &batch{}, arena.Span{}, buf, 1_700_000_000_000, 0)
	value := make([]byte, 0, 128)
	for i := 0; ; i++ {
		value = fmt.Appendf(value[:0], "order %d customer %d amount %d.%02d EUR status shipped warehouse berlin sku %d qty %d note %-100d",
			i, i*7919%100000, i%1000, i%100, i*31%10000, i%9+1, i)
		r := Record{Value: value[:100]}
		if ok, _, _ := bt.tryAppend(&r, bt.baseTimestamp, 0, wire.RecordPayloadSize(r.Key, r.Value, r.Headers), nil); !ok {
			break
		}
	}
	if ok, count, _ := bt.settled(); !ok || count == 0 {
		b.Fatalf("the batch is not settled (%v) or empty (%d records)", ok, count)
	}
	return bt
}

// TestCompressedBatchMovesToSmallerMemory: a batch whose compressed form
// fits in half its memory or less moves into the smallest arena piece that
// holds it, and its own memory goes back to the arena; the bytes that go
// out decompress to the records appended.
func TestCompressedBatchMovesToSmallerMemory(t *testing.T) {
	const slotSize = 16 << 10
	ar, err := arena.New(4*slotSize, slotSize, arena.Options{MinPiece: minBatchMemory})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ar.Close() })
	span, err := ar.TryAlloc(slotSize)
	if err != nil {
		t.Fatal(err)
	}
	b := newBatch(newPartition(&topicState{name: "t"}, 0), &batch{}, span, ar.Bytes(span), 1_700_000_000_000, 0)
	for i := range 40 {
		r := Record{Value: fmt.Appendf(nil, "order %d customer %d status shipped warehouse berlin", i, i%7)}
		if ok, _, _ := b.tryAppend(&r, b.baseTimestamp, 0, wire.RecordPayloadSize(r.Key, r.Value, r.Headers), nil); !ok {
			t.Fatalf("record %d did not fit", i)
		}
	}
	b.close()
	_, _, end := b.settled()
	records := bytes.Clone(b.bytes()[wire.BatchHeaderSize:end])
	compressors, err := newCompressors(&Config{Compression: CompressionZstd, ZstdLevel: 3}, 1)
	if err != nil {
		t.Fatal(err)
	}
	cp := newCompressPool(1, 1, ar, func() {})
	var scratch []byte
	cp.compress(compressors[0], &scratch, b)
	if b.compressErr != nil {
		t.Fatal(b.compressErr)
	}
	piece := ar.Bytes(b.span)
	if !b.span.Piece() || len(piece) >= slotSize || len(piece) < len(b.compressed) || &piece[0] != &b.compressed[0] {
		t.Fatalf("the compressed batch (%d bytes) is in %d bytes of memory, a piece %v; want the smallest piece that holds it",
			len(b.compressed), len(piece), b.span.Piece())
	}
	if err := ar.Free(span); !errors.Is(err, arena.ErrDoubleFree) {
		t.Fatalf("freeing the batch's first memory: %v, want arena.ErrDoubleFree (it went back already)", err)
	}
	got, err := wire.NewDecompressor(slotSize).Decompress(wire.CodecZstd, b.compressed[wire.BatchHeaderSize:])
	if err != nil || !bytes.Equal(got, records) {
		t.Fatalf("the moved batch decompresses to %d bytes (%v), want the %d bytes of records appended", len(got), err, len(records))
	}
	if err := ar.Free(b.span); err != nil {
		t.Fatal(err)
	}
}

// TestPartitionWaitingForThePoolIsNotRevisited: the sender stops looking at
// a partition whose oldest batch is with the compression pool, however
// often it loops, and looks again once the pool hands a batch of it back.
// Looking every loop made each batch cost the sender dozens of visits to
// cold partitions at 10,000 keyed partitions with a codec.
func TestPartitionWaitingForThePoolIsNotRevisited(t *testing.T) {
	pb := newPoolBench(t, 2)
	s, p := pb.s, pb.part
	visits := func() uint64 {
		before := s.visits
		s.sendReady(s.clock.now())
		return s.visits - before
	}
	if n := visits(); n != 1 {
		t.Fatalf("the loop after the batches went to the pool looked at %d partitions, want 1", n)
	}
	for loop := range 3 {
		if n := visits(); n != 0 {
			t.Fatalf("loop %d looked at %d partitions while the only one with batches waited for the pool", loop, n)
		}
	}
	// The newer batch comes back first: the partition is looked at, and
	// dropped again, since its oldest batch is still with the pool.
	pb.finish(1)
	if n := visits(); n != 1 {
		t.Fatalf("the loop after a batch came back looked at %d partitions, want 1", n)
	}
	if n := visits(); n != 0 {
		t.Fatalf("the next loop looked at %d partitions while the oldest batch was with the pool", n)
	}
	pb.finish(0)
	if n := visits(); n != 1 {
		t.Fatalf("the loop after the oldest batch came back looked at %d partitions, want 1", n)
	}
	if !slices.Contains(s.active, p) || len(p.queue) != 2 || p.queue[0].compressing || p.queue[1].compressing {
		t.Fatalf("after the pool handed both batches back: partition kept %t, %d batches queued; want kept, 2 queued and back",
			slices.Contains(s.active, p), len(p.queue))
	}
}
