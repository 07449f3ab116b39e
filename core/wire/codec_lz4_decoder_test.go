package wire

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/pierrec/lz4/v4"
)

// lz4TestContent is compressible text with an incompressible stretch, so
// frames of it hold both compressed and stored blocks.
func lz4TestContent() []byte {
	rng := rand.New(rand.NewPCG(5, 6))
	content := bytes.Repeat([]byte("records, records and more records; "), 6000)
	for i := 100 << 10; i < 180<<10; i++ {
		content[i] = byte(rng.Uint32())
	}
	return content
}

// pierrecFrame is content as pierrec's Writer frames it with opts.
func pierrecFrame(t testing.TB, content []byte, opts ...lz4.Option) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := lz4.NewWriter(&buf)
	if err := w.Apply(opts...); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(content); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// lz4Header is a frame's magic and descriptor, its checksum computed.
func lz4Header(flags, blockMax byte, optional ...byte) []byte {
	h := binary.LittleEndian.AppendUint32(nil, lz4FrameMagic)
	h = append(append(h, flags, blockMax), optional...)
	return append(h, byte(xxh32(h[4:])>>8))
}

// lz4HandFrame is header, then blocks (each with its length word), then an
// end mark.
func lz4HandFrame(header []byte, blocks ...[]byte) []byte {
	frame := bytes.Clone(header)
	for _, b := range blocks {
		frame = append(frame, b...)
	}
	return binary.LittleEndian.AppendUint32(frame, 0)
}

func lz4StoredBlock(content string) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(content))|lz4Uncompressed), content...)
}

func lz4CompressedBlock(data []byte) []byte {
	return append(binary.LittleEndian.AppendUint32(nil, uint32(len(data))), data...)
}

// lz4LinkedFrame links its blocks: the second block's match copies from the
// first, "hello world, hello " then "hello world!!!!!".
func lz4LinkedFrame(flags byte) []byte {
	return lz4HandFrame(lz4Header(flags, 0x40),
		lz4StoredBlock("hello world, hello "),
		// An 11-byte match 19 bytes back, then 5 literals.
		lz4CompressedBlock([]byte{0x07, 19, 0, 0x50, '!', '!', '!', '!', '!'}))
}

// lz4ReferenceFrames are frames of content other writers produce: pierrec's
// (as franz-go uses it) with each block maximum and every optional field,
// linked blocks, concatenated frames and a skippable frame.
func lz4ReferenceFrames(t testing.TB, content []byte) map[string][]byte {
	frames := map[string][]byte{
		"linked blocks": lz4LinkedFrame(lz4FlagVersion1),
		"empty frame":   pierrecFrame(t, nil),
	}
	for _, size := range []lz4.BlockSize{lz4.Block64Kb, lz4.Block256Kb, lz4.Block1Mb, lz4.Block4Mb} {
		for _, all := range []bool{false, true} {
			opts := []lz4.Option{lz4.BlockSizeOption(size), lz4.ChecksumOption(all), lz4.BlockChecksumOption(all)}
			name := fmt.Sprintf("%d KiB blocks", size>>10)
			if all {
				opts = append(opts, lz4.SizeOption(uint64(len(content))))
				name += ", checksums and size"
			}
			frames[name] = pierrecFrame(t, content, opts...)
		}
	}
	skippable := binary.LittleEndian.AppendUint32(nil, lz4SkippableMagic+7)
	skippable = append(binary.LittleEndian.AppendUint32(skippable, 3), "abc"...)
	frames["concatenated, skippable between"] = bytes.Join([][]byte{frames["64 KiB blocks"], skippable, frames["4096 KiB blocks, checksums and size"]}, nil)
	return frames
}

// TestLZ4ReadsReferenceFrames reads frames other writers produce and checks
// them against pierrec's Reader, with a fresh Decompressor, whose output
// grows, and with one whose output has room from earlier frames.
func TestLZ4ReadsReferenceFrames(t *testing.T) {
	reused := NewDecompressor(1 << 20)
	for name, frame := range lz4ReferenceFrames(t, lz4TestContent()) {
		if ok, err := lz4.ValidFrameHeader(frame); !ok || err != nil {
			t.Errorf("%s: pierrec refuses the header: %v", name, err)
		}
		want := independentDecompress(t, CodecLZ4, frame)
		for _, d := range []*Decompressor{NewDecompressor(1 << 20), reused} {
			out, err := d.Decompress(CodecLZ4, frame)
			if err != nil || !bytes.Equal(out, want) {
				t.Errorf("%s: decoded %d bytes, pierrec %d: %v", name, len(out), len(want), err)
			}
		}
	}
	if out, _ := reused.Decompress(CodecLZ4, lz4LinkedFrame(lz4FlagVersion1)); string(out) != "hello world, hello hello world!!!!!" {
		t.Errorf("linked blocks decode to %q", out)
	}
}

// TestLZ4RefusesMalformedFrames: each defect is refused with the error kind
// that names it.
func TestLZ4RefusesMalformedFrames(t *testing.T) {
	content := lz4TestContent()
	// Every optional field: FLG 0x7C, BD 0x40, 8-byte size, checksum at 14.
	full := pierrecFrame(t, content, lz4.BlockSizeOption(lz4.Block64Kb),
		lz4.ChecksumOption(true), lz4.BlockChecksumOption(true), lz4.SizeOption(uint64(len(content))))
	blocks := full[15:]
	withHeader := func(h []byte) []byte { return append(h, blocks...) }
	size := func(n int) []byte { return binary.LittleEndian.AppendUint64(nil, uint64(n)) }
	flipped := func(at int) []byte {
		b := bytes.Clone(full)
		b[(at+len(b))%len(b)] ^= 1
		return b
	}
	zeros := make([]byte, 100<<10)
	zerosBlock := make([]byte, lz4.CompressBlockBound(len(zeros)))
	n, err := lz4.CompressBlock(zeros, zerosBlock, nil)
	if err != nil || n == 0 {
		t.Fatalf("compress zeros: %d, %v", n, err)
	}
	cases := []struct {
		name  string
		frame []byte
		limit int
		want  error
	}{
		{"magic", flipped(0), 1 << 20, ErrCorrupt},
		{"legacy magic", append(binary.LittleEndian.AppendUint32(nil, 0x184C2102), full[4:]...), 1 << 20, ErrCorrupt},
		{"descriptor checksum", flipped(14), 1 << 20, ErrCorrupt},
		{"version 2", withHeader(lz4Header(0xBC, 0x40, size(len(content))...)), 1 << 20, ErrCorrupt},
		{"reserved flag", withHeader(lz4Header(0x7E, 0x40, size(len(content))...)), 1 << 20, ErrCorrupt},
		{"reserved block maximum bit", withHeader(lz4Header(0x7C, 0x41, size(len(content))...)), 1 << 20, ErrCorrupt},
		{"dictionary", withHeader(lz4Header(0x7D, 0x40, append(size(len(content)), 1, 2, 3, 4)...)), 1 << 20, ErrCorrupt},
		{"block maximum code 3", withHeader(lz4Header(0x7C, 0x30, size(len(content))...)), 1 << 20, ErrCorrupt},
		{"declared size off by one", withHeader(lz4Header(0x7C, 0x40, size(len(content)+1)...)), 1 << 20, ErrCorrupt},
		{"declared size past the limit", withHeader(lz4Header(0x7C, 0x40, size(math.MaxInt64)...)), 1 << 20, ErrDecompressedTooLarge},
		{"content past the limit", pierrecFrame(t, content), len(content) - 1, ErrDecompressedTooLarge},
		{"block checksum", flipped(15 + 4 + int(binary.LittleEndian.Uint32(full[15:])&^lz4Uncompressed)), 1 << 20, ErrCorrupt},
		{"content checksum", flipped(-1), 1 << 20, ErrCorrupt},
		{"block data", flipped(15 + 4 + 40), 1 << 20, ErrCorrupt},
		{"truncated descriptor", full[:10], 1 << 20, ErrTruncated},
		{"truncated block", full[:40], 1 << 20, ErrTruncated},
		{"truncated content checksum", full[:len(full)-2], 1 << 20, ErrTruncated},
		{"trailing bytes", append(bytes.Clone(full), 1, 2, 3, 4, 5), 1 << 20, ErrCorrupt},
		{"skippable frame past the end", binary.LittleEndian.AppendUint32(binary.LittleEndian.AppendUint32(nil, lz4SkippableMagic), 9), 1 << 20, ErrInvalidLength},
		{"block over the block maximum", lz4HandFrame(lz4Header(lz4FrameFlags, lz4FrameBlockMax), lz4StoredBlock(string(zeros[:64<<10+1]))), 1 << 20, ErrInvalidLength},
		{"block decoding past the block maximum", lz4HandFrame(lz4Header(lz4FrameFlags, lz4FrameBlockMax), lz4CompressedBlock(zerosBlock[:n])), 1 << 20, ErrCorrupt},
		{"match before an independent block", lz4LinkedFrame(lz4FlagVersion1 | lz4FlagIndependent), 1 << 20, ErrCorrupt},
		{"block ending inside a match", lz4HandFrame(lz4Header(lz4FrameFlags, lz4FrameBlockMax), lz4CompressedBlock([]byte{0x11, 'a'})), 1 << 20, ErrCorrupt},
	}
	for _, c := range cases {
		out, err := NewDecompressor(c.limit).Decompress(CodecLZ4, c.frame)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %d bytes, %v, want %v", c.name, len(out), err, c.want)
		}
	}
}

// TestLZ4BlockDecodedLen counts what blocks decode to without decoding them,
// and stops counting past the most it is asked about.
func TestLZ4BlockDecodedLen(t *testing.T) {
	content := lz4TestContent()
	for _, n := range []int{1, 15, 16, 300, 64 << 10, 150 << 10} {
		src := content[len(content)-n:]
		block := make([]byte, lz4.CompressBlockBound(n))
		z, err := lz4.CompressBlock(src, block, nil)
		if err != nil || z == 0 {
			t.Fatalf("compress %d bytes: %d, %v", n, z, err)
		}
		if got, err := lz4BlockDecodedLen(block[:z], math.MaxInt); got != n || err != nil {
			t.Errorf("%d-byte block: counted %d, %v", n, got, err)
		}
		if got, err := lz4BlockDecodedLen(block[:z], n/2); got <= n/2 || err != nil {
			t.Errorf("%d-byte block, asked about %d: counted %d, %v", n, n/2, got, err)
		}
	}
}

// TestXXH32 checks the hash against the vectors of its reference
// implementation, and the header checksum our LZ4 encoder writes.
func TestXXH32(t *testing.T) {
	cases := []struct {
		in   string
		want uint32
	}{
		{"", 0x02CC5D05},
		{"a", 0x550D7456},
		{"abc", 0x32D153FF},
		{"Nobody inspects the spammish repetition", 0xE2293B2F},
	}
	for _, c := range cases {
		if got := xxh32([]byte(c.in)); got != c.want {
			t.Errorf("xxh32(%q) = %#x, want %#x", c.in, got, c.want)
		}
	}
	if got := byte(xxh32([]byte{lz4FrameFlags, lz4FrameBlockMax}) >> 8); got != lz4FrameHeaderChecksum {
		t.Errorf("header checksum %#x, the encoder writes %#x", got, lz4FrameHeaderChecksum)
	}
}
