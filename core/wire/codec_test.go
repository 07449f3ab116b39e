package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kgo"
	"go.uber.org/goleak"
)

func TestNewCompressorLevels(t *testing.T) {
	cases := []struct {
		codec Codec
		level int
		want  error
	}{
		{CodecNone, 0, nil},
		{CodecNone, 1, ErrInvalidLevel},
		{CodecSnappy, 0, nil},
		{CodecSnappy, 3, ErrInvalidLevel},
		{CodecGzip, -1, nil},
		{CodecGzip, 1, nil},
		{CodecGzip, 9, nil},
		{CodecGzip, 0, ErrInvalidLevel},
		{CodecGzip, 10, ErrInvalidLevel},
		{CodecLZ4, 1, nil},
		{CodecLZ4, 9, nil},
		{CodecLZ4, 17, nil},
		{CodecLZ4, 0, ErrInvalidLevel},
		{CodecLZ4, 18, ErrInvalidLevel},
		{CodecZstd, -131072, nil},
		{CodecZstd, 3, nil},
		{CodecZstd, 22, nil},
		{CodecZstd, 23, ErrInvalidLevel},
		{Codec(5), 0, ErrUnknownCodec},
		{Codec(-1), 0, ErrUnknownCodec},
	}
	for _, c := range cases {
		_, err := NewCompressor(c.codec, c.level)
		if !errors.Is(err, c.want) || (err == nil) != (c.want == nil) {
			t.Errorf("%s level %d: %v, want %v", c.codec, c.level, err, c.want)
		}
	}
}

// TestCompressLevelsRoundTrip compresses with the extreme and default levels
// of every codec and reads the result back with ours and with an
// independent decoder.
func TestCompressLevelsRoundTrip(t *testing.T) {
	records := buildBatch(t, batchCases()[2], CodecNone)[BatchHeaderSize:][:16<<10]
	levels := map[Codec][]int{
		CodecNone: {0}, CodecSnappy: {0}, CodecGzip: {-1, 1, 9},
		CodecLZ4: {1, 8, 9, 17}, CodecZstd: {-5, 1, 3, 9, 22},
	}
	d := NewDecompressor(1 << 20)
	for _, codec := range allCodecs {
		for _, level := range levels[codec] {
			comp, err := NewCompressor(codec, level)
			if err != nil {
				t.Fatal(err)
			}
			dst := make([]byte, 2*len(records)+1024)
			n, err := comp.Compress(dst, records)
			if err != nil {
				t.Fatalf("%s level %d: %v", codec, level, err)
			}
			ours, err := d.Decompress(codec, dst[:n])
			if err != nil || !bytes.Equal(ours, records) {
				t.Errorf("%s level %d: our decoder: %v", codec, level, err)
			}
			if theirs := independentDecompress(t, codec, dst[:n]); !bytes.Equal(theirs, records) {
				t.Errorf("%s level %d: independent decoder disagrees", codec, level)
			}
		}
	}
}

// TestCompressStaysInDst compresses into every destination length around
// the output's size: each either succeeds with a correct result or reports
// ErrNoRoom, and never writes past len(dst).
func TestCompressStaysInDst(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	compressible := buildBatch(t, batchCases()[2], CodecNone)[BatchHeaderSize:]
	random := make([]byte, 70<<10) // more than one lz4 block, incompressible
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	d := NewDecompressor(1 << 20)
	for _, codec := range allCodecs {
		for name, src := range map[string][]byte{"compressible": compressible, "random": random} {
			comp, err := NewCompressor(codec, codec.DefaultLevel())
			if err != nil {
				t.Fatal(err)
			}
			full := make([]byte, 2*len(src)+1024)
			size, err := comp.Compress(full, src)
			if err != nil {
				t.Fatal(err)
			}
			for _, room := range []int{0, 1, 8, size / 2, size - 4, size - 1, size, size + 1, len(src), len(src) + 64} {
				if room < 0 {
					continue
				}
				buf := bytes.Repeat([]byte{0xEE}, room+64)
				n, err := comp.Compress(buf[:room], src)
				if bytes.Count(buf[room:], []byte{0xEE}) != 64 {
					t.Fatalf("%s %s into %d: wrote past the end", codec, name, room)
				}
				if err != nil {
					if !errors.Is(err, ErrNoRoom) {
						t.Fatalf("%s %s into %d: %v", codec, name, room, err)
					}
					if room >= size {
						t.Errorf("%s %s: no room in %d bytes for a %d-byte result", codec, name, room, size)
					}
					continue
				}
				if out, err := d.Decompress(codec, buf[:n]); err != nil || !bytes.Equal(out, src) {
					t.Fatalf("%s %s into %d: result does not decompress: %v", codec, name, room, err)
				}
			}
		}
	}
}

func TestCompressBatchNoRoom(t *testing.T) {
	records := buildBatch(t, batchCases()[2], CodecNone)[BatchHeaderSize:]
	comp, err := NewCompressor(CodecZstd, DefaultZstdLevel)
	if err != nil {
		t.Fatal(err)
	}
	for _, room := range []int{0, BatchHeaderSize - 1, BatchHeaderSize + 10} {
		if _, err := comp.CompressBatch(make([]byte, room), records, producerHeader()); !errors.Is(err, ErrNoRoom) {
			t.Errorf("compress batch into %d bytes: %v, want ErrNoRoom", room, err)
		}
	}
}

func TestCompressDoesNotAllocateWhenWarm(t *testing.T) {
	records := buildBatch(t, batchCases()[2], CodecNone)[BatchHeaderSize:][:16<<10]
	for _, codec := range allCodecs {
		comp, err := NewCompressor(codec, codec.DefaultLevel())
		if err != nil {
			t.Fatal(err)
		}
		// An arena slot no larger than the input: the encoders that need
		// worst-case room go through their scratch buffer.
		for _, room := range []int{BatchHeaderSize + len(records), 2 * len(records)} {
			dst := make([]byte, room)
			allocs := testing.AllocsPerRun(20, func() {
				if _, err := comp.CompressBatch(dst, records, producerHeader()); err != nil {
					t.Fatal(err)
				}
			})
			if allocs != 0 {
				t.Errorf("%s into %d bytes: %v allocations per batch", codec, room, allocs)
			}
		}
	}
}

// TestDecompressBomb feeds each decoder a small input that expands far past
// the limit, from our encoders and from kgo's (whose lz4 frames declare 4 MiB
// blocks), and checks it is refused with memory the limit bounds: on a cold
// start, and again with the same Decompressor.
func TestDecompressBomb(t *testing.T) {
	const limit = 1 << 20
	// coldBudget: the output buffer may grow to limit+1 bytes, and the
	// buffers it outgrows on the way, doubling, sum to less than the limit;
	// codec state must fit in what is left.
	const coldBudget = 2*limit + limit/4
	// reusedBudget: refusing again reuses the output buffer and the codec
	// state, leaving little more than the error.
	const reusedBudget = 16 << 10
	zeros := make([]byte, 8*limit)
	type bomb struct {
		codec Codec
		data  []byte
	}
	bombs := map[string]bomb{
		// A raw snappy block claiming 2 GiB, refused from its header.
		"snappy raw claim": {CodecSnappy, []byte{0x80, 0x80, 0x80, 0x80, 0x08}},
	}
	kgoCodecs := map[Codec]kgo.CompressionCodec{
		CodecGzip: kgo.GzipCompression(), CodecSnappy: kgo.SnappyCompression(),
		CodecLZ4: kgo.Lz4Compression(), CodecZstd: kgo.ZstdCompression(),
	}
	for _, codec := range allCodecs[1:] {
		comp, err := NewCompressor(codec, codec.DefaultLevel())
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, len(zeros))
		n, err := comp.Compress(dst, zeros)
		if err != nil {
			t.Fatal(err)
		}
		bombs[codec.String()+" ours"] = bomb{codec, dst[:n:n]}
		kcomp, err := kgo.DefaultCompressor(kgoCodecs[codec])
		if err != nil {
			t.Fatal(err)
		}
		out, _ := kcomp.Compress(new(bytes.Buffer), zeros)
		bombs[codec.String()+" kgo"] = bomb{codec, out}
	}
	for name, b := range bombs {
		t.Run(name, func(t *testing.T) {
			var d *Decompressor
			var err error
			refuse := func() { _, err = d.Decompress(b.codec, b.data) }
			cold := allocatedBy(func() {
				// Two collections empty every sync.Pool, so what a
				// codec pools counts, as on a cold start, whatever
				// earlier work left there.
				runtime.GC()
				runtime.GC()
				d = NewDecompressor(limit)
			}, refuse)
			if !errors.Is(err, ErrDecompressedTooLarge) {
				t.Fatalf("got %v, want ErrDecompressedTooLarge", err)
			}
			if cold > coldBudget {
				t.Errorf("allocated %d bytes to refuse a bomb at a %d-byte limit", cold, limit)
			}
			if again := allocatedBy(func() {}, refuse); again > reusedBudget {
				t.Errorf("allocated %d bytes to refuse the bomb again", again)
			}
			if !errors.Is(err, ErrDecompressedTooLarge) {
				t.Fatalf("again: got %v, want ErrDecompressedTooLarge", err)
			}
		})
	}
}

// allocatedBy is the least the heap grew by over a few runs of f, each
// after prepare. The count is process-wide: one run can include what other
// goroutines allocated meanwhile, the least of several hardly, and f's own
// allocation, the same each run, counts whole in every one.
func allocatedBy(prepare, f func()) uint64 {
	least := uint64(math.MaxUint64)
	for range 3 {
		prepare()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

func TestDecompressRejects(t *testing.T) {
	d := NewDecompressor(1 << 20)
	if _, err := d.Decompress(Codec(6), []byte{1}); !errors.Is(err, ErrUnknownCodec) {
		t.Errorf("codec 6: %v", err)
	}
	for _, codec := range allCodecs[1:] {
		if _, err := d.Decompress(codec, []byte("definitely not compressed data")); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s garbage: %v, want ErrCorrupt", codec, err)
		}
	}
}

// TestCodecsLeaveNoGoroutines: a Compressor and a Decompressor need no Close;
// the codec state they keep runs nothing in the background.
func TestCodecsLeaveNoGoroutines(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	records := buildBatch(t, batchCases()[2], CodecNone)[BatchHeaderSize:]
	d := NewDecompressor(1 << 20)
	for _, codec := range allCodecs {
		comp, err := NewCompressor(codec, codec.DefaultLevel())
		if err != nil {
			t.Fatal(err)
		}
		dst := make([]byte, 2*len(records))
		n, err := comp.Compress(dst, records)
		if err != nil {
			t.Fatal(err)
		}
		if out, err := d.Decompress(codec, dst[:n]); err != nil || !bytes.Equal(out, records) {
			t.Fatalf("%s round trip: %v", codec, err)
		}
	}
}

// TestFramingMatchesJava checks the frames we write byte by byte where Java's
// producer fixes them: the LZ4 frame descriptor (as pierrec's writer emits
// it for 64 KiB independent blocks without checksums, header checksum
// included) and the xerial snappy header and block lengths.
func TestFramingMatchesJava(t *testing.T) {
	src := bytes.Repeat([]byte("frame me "), 10_000) // 90 KB: two lz4 blocks, three xerial blocks

	var ref bytes.Buffer
	w := lz4.NewWriter(&ref)
	if err := w.Apply(lz4.BlockSizeOption(lz4.Block64Kb), lz4.ChecksumOption(false)); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(src); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	lz, err := NewCompressor(CodecLZ4, DefaultLZ4Level)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]byte, 2*len(src))
	n, err := lz.Compress(dst, src)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(dst[:lz4FrameHeaderSize], ref.Bytes()[:lz4FrameHeaderSize]) {
		t.Errorf("lz4 frame header %x, pierrec writes %x", dst[:lz4FrameHeaderSize], ref.Bytes()[:lz4FrameHeaderSize])
	}
	if !bytes.HasSuffix(dst[:n], []byte{0, 0, 0, 0}) {
		t.Errorf("lz4 frame does not end with an end mark")
	}

	sn, err := NewCompressor(CodecSnappy, 0)
	if err != nil {
		t.Fatal(err)
	}
	if n, err = sn.Compress(dst, src); err != nil {
		t.Fatal(err)
	}
	want := []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1}
	if !bytes.Equal(dst[:16], want) {
		t.Fatalf("xerial header %x, want %x", dst[:16], want)
	}
	blocks := 0
	for rest := dst[16:n]; len(rest) > 0; blocks++ {
		size := int(binary.BigEndian.Uint32(rest))
		if size > len(rest)-4 {
			t.Fatalf("xerial block %d claims %d bytes of %d", blocks, size, len(rest)-4)
		}
		rest = rest[4+size:]
	}
	if blocks != 3 {
		t.Errorf("%d xerial blocks for %d bytes, want 3 of at most 32 KiB", blocks, len(src))
	}
}
