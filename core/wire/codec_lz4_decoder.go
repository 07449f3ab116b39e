package wire

import (
	"encoding/binary"
	"fmt"

	"github.com/pierrec/lz4/v4"
)

// We read LZ4 frames ourselves, block by block with pierrec's block decoder,
// so that the memory a records section costs is what it decodes to, bounded
// by the Decompressor's limit. pierrec's frame Reader takes two buffers of
// the frame's declared block maximum, one for a compressed block and one for
// its decoded bytes, before it decodes anything: 8 MiB for the 4 MiB blocks
// franz-go writes, whatever the limit. We decode each block straight into
// the output. When the output has no room left for a block, we walk the
// sequences of the blocks left to learn what they decode to, without
// decoding them: the output then grows once, to what it needs, or a bomb is
// refused before anything is allocated.
//
// What we read is the LZ4 frame format
// (https://github.com/lz4/lz4/blob/dev/doc/lz4_Frame_format.md) as Kafka
// clients write it: any block maximum, independent or linked blocks, block
// and content checksums (verified) and a declared content size (checked),
// in one frame or several, skippable frames among them. Not the legacy
// format nor dictionaries, which no Kafka client writes and Java's
// KafkaLZ4BlockInputStream refuses.

// Frame descriptor bits: the FLG byte, then the BD byte.
const (
	lz4FlagVersionMask     = 0xC0
	lz4FlagVersion1        = 0x40
	lz4FlagIndependent     = 0x20
	lz4FlagBlockChecksum   = 0x10
	lz4FlagContentSize     = 0x08
	lz4FlagContentChecksum = 0x04
	lz4FlagReserved        = 0x02
	lz4FlagDictID          = 0x01
	lz4BlockMaxReserved    = 0x8F
	// lz4SkippableMagic is the first of 16 magics whose frames readers skip.
	lz4SkippableMagic = 0x184D2A50
	// lz4Window is how far back a match reaches, into earlier blocks when
	// the frame links them.
	lz4Window = 64 << 10
)

// lz4Frame is one frame cut from a records section; a skippable frame is
// one without blocks.
type lz4Frame struct {
	flags    byte
	blockMax int
	// size is the content size the descriptor declares, if its flags say so.
	size uint64
	// blocks holds the blocks with their size words and checksums, up to
	// the end mark; cutLZ4Frame checked their lengths.
	blocks []byte
	// checksum is the content's, if the flags say so.
	checksum uint32
}

// lz4Block is one block of a frame.
type lz4Block struct {
	data     []byte
	stored   bool // data is the content itself, not LZ4-compressed
	checksum uint32
}

// decodeLZ4 appends src, LZ4 frames, decoded to out, refusing to grow out
// past limit bytes.
func decodeLZ4(out, src []byte, limit int) ([]byte, error) {
	for len(src) > 0 {
		f, rest, err := cutLZ4Frame(src)
		if err != nil {
			return nil, err
		}
		if out, err = f.decode(out, limit); err != nil {
			return nil, err
		}
		src = rest
	}
	return out, nil
}

// cutLZ4Frame splits the first frame off src, checking its descriptor and
// the lengths of its blocks.
func cutLZ4Frame(src []byte) (f lz4Frame, rest []byte, err error) {
	if len(src) < 4 {
		return f, nil, fmt.Errorf("lz4 frame magic: %w", ErrTruncated)
	}
	switch magic := binary.LittleEndian.Uint32(src); {
	case magic == lz4FrameMagic:
	case magic&^0xF == lz4SkippableMagic:
		if len(src) < 8 {
			return f, nil, fmt.Errorf("lz4 skippable frame length: %w", ErrTruncated)
		}
		if size := binary.LittleEndian.Uint32(src[4:]); uint64(size) <= uint64(len(src)-8) {
			return f, src[8+size:], nil
		}
		return f, nil, fmt.Errorf("lz4 skippable frame longer than the %d bytes left: %w", len(src)-8, ErrInvalidLength)
	default:
		return f, nil, fmt.Errorf("lz4 frame magic %#x: %w", magic, ErrCorrupt)
	}
	p, err := f.readDescriptor(src)
	if err != nil {
		return f, nil, err
	}
	start := p
	for {
		if len(src)-p < 4 {
			return f, nil, fmt.Errorf("lz4 block length: %w", ErrTruncated)
		}
		word := binary.LittleEndian.Uint32(src[p:])
		if word == 0 { // end mark
			break
		}
		size := int(word &^ lz4Uncompressed)
		if size > f.blockMax {
			return f, nil, fmt.Errorf("lz4 block of %d bytes in a frame of %d-byte blocks: %w", size, f.blockMax, ErrInvalidLength)
		}
		if f.flags&lz4FlagBlockChecksum != 0 {
			size += 4
		}
		if len(src)-p-4 < size {
			return f, nil, fmt.Errorf("lz4 block of %d bytes with %d left: %w", size, len(src)-p-4, ErrTruncated)
		}
		p += 4 + size
	}
	f.blocks = src[start:p]
	p += 4
	if f.flags&lz4FlagContentChecksum != 0 {
		if len(src)-p < 4 {
			return f, nil, fmt.Errorf("lz4 content checksum: %w", ErrTruncated)
		}
		f.checksum = binary.LittleEndian.Uint32(src[p:])
		p += 4
	}
	return f, src[p:], nil
}

// readDescriptor reads the descriptor of the frame that opens src into f,
// returning where the blocks start.
func (f *lz4Frame) readDescriptor(src []byte) (int, error) {
	if len(src) < lz4FrameHeaderSize {
		return 0, fmt.Errorf("lz4 frame descriptor: %w", ErrTruncated)
	}
	f.flags = src[4]
	blockMax := src[5]
	end := 6 // of the fields the header checksum covers
	if f.flags&lz4FlagContentSize != 0 {
		end += 8
	}
	if f.flags&lz4FlagDictID != 0 {
		end += 4
	}
	if len(src) <= end {
		return 0, fmt.Errorf("lz4 frame descriptor: %w", ErrTruncated)
	}
	if sum := byte(xxh32(src[4:end]) >> 8); sum != src[end] {
		return 0, fmt.Errorf("lz4 frame descriptor checksum %#x, computed %#x: %w", src[end], sum, ErrCorrupt)
	}
	switch {
	case f.flags&lz4FlagVersionMask != lz4FlagVersion1:
		return 0, fmt.Errorf("lz4 frame version %d, want 1: %w", f.flags>>6, ErrCorrupt)
	case f.flags&lz4FlagReserved != 0 || blockMax&lz4BlockMaxReserved != 0:
		return 0, fmt.Errorf("lz4 frame descriptor %#x %#x sets reserved bits: %w", f.flags, blockMax, ErrCorrupt)
	case f.flags&lz4FlagDictID != 0:
		return 0, fmt.Errorf("lz4 frame needs a dictionary, which Kafka never uses: %w", ErrCorrupt)
	case blockMax>>4 < 4:
		return 0, fmt.Errorf("lz4 block maximum code %d, want 4 to 7: %w", blockMax>>4, ErrCorrupt)
	}
	f.blockMax = 1 << (8 + 2*int(blockMax>>4))
	if f.flags&lz4FlagContentSize != 0 {
		f.size = binary.LittleEndian.Uint64(src[6:])
	}
	return end + 1, nil
}

// cutBlock splits the first block off blocks, a suffix of f.blocks.
func (f *lz4Frame) cutBlock(blocks []byte) (b lz4Block, rest []byte) {
	word := binary.LittleEndian.Uint32(blocks)
	size := int(word &^ lz4Uncompressed)
	b.data = blocks[4 : 4+size]
	b.stored = word&lz4Uncompressed != 0
	rest = blocks[4+size:]
	if f.flags&lz4FlagBlockChecksum != 0 {
		b.checksum = binary.LittleEndian.Uint32(rest)
		rest = rest[4:]
	}
	return b, rest
}

// decode appends f's content to out, no longer than limit, refusing to grow
// it past limit bytes.
func (f *lz4Frame) decode(out []byte, limit int) ([]byte, error) {
	if f.flags&lz4FlagContentSize != 0 && f.size > uint64(limit-len(out)) {
		return nil, fmt.Errorf("lz4 frame declaring %d bytes: %w", f.size, ErrDecompressedTooLarge)
	}
	start := len(out)
	for rest := f.blocks; len(rest) > 0; {
		b, next := f.cutBlock(rest)
		if f.flags&lz4FlagBlockChecksum != 0 && xxh32(b.data) != b.checksum {
			return nil, fmt.Errorf("lz4 block checksum: %w", ErrCorrupt)
		}
		n, err := f.decodeBlock(out, start, limit, b)
		if err != nil {
			// Out of room or corrupt: what the blocks left decode to
			// tells which, and how much room they need.
			need, lenErr := f.decodedLen(rest, limit-len(out))
			if lenErr != nil {
				return nil, lenErr
			}
			if need <= cap(out)-len(out) {
				return nil, fmt.Errorf("lz4 block: %w: %w", ErrCorrupt, err)
			}
			grown := make([]byte, len(out), len(out)+need)
			copy(grown, out)
			out = grown
			if n, err = f.decodeBlock(out, start, limit, b); err != nil {
				return nil, fmt.Errorf("lz4 block: %w: %w", ErrCorrupt, err)
			}
		}
		out = out[:len(out)+n]
		rest = next
	}
	if f.flags&lz4FlagContentSize != 0 && f.size != uint64(len(out)-start) {
		return nil, fmt.Errorf("lz4 frame declares %d bytes and holds %d: %w", f.size, len(out)-start, ErrCorrupt)
	}
	if f.flags&lz4FlagContentChecksum != 0 && xxh32(out[start:]) != f.checksum {
		return nil, fmt.Errorf("lz4 content checksum: %w", ErrCorrupt)
	}
	return out, nil
}

// decodeBlock decodes b into out's spare capacity, as far as the frame's
// block maximum and limit allow, returning how many bytes it wrote there.
// The frame's content so far is out[start:], where linked blocks reach back.
func (f *lz4Frame) decodeBlock(out []byte, start, limit int, b lz4Block) (int, error) {
	room := out[len(out):min(cap(out), len(out)+f.blockMax, limit)]
	if room == nil {
		// pierrec's amd64 decoder (v4.1.33) writes through a nil
		// destination; an empty one it refuses as too short.
		room = []byte{}
	}
	if b.stored {
		if len(b.data) > len(room) {
			return 0, lz4.ErrInvalidSourceShortBuffer
		}
		return copy(room, b.data), nil
	}
	var window []byte
	if f.flags&lz4FlagIndependent == 0 {
		window = out[max(start, len(out)-lz4Window):]
	}
	return lz4.UncompressBlockWithDict(b.data, room, window)
}

// decodedLen is how many bytes blocks, a suffix of f.blocks, decode to,
// refusing more than budget.
func (f *lz4Frame) decodedLen(blocks []byte, budget int) (int, error) {
	total := 0
	for len(blocks) > 0 {
		var b lz4Block
		b, blocks = f.cutBlock(blocks)
		n := len(b.data)
		if !b.stored {
			var err error
			if n, err = lz4BlockDecodedLen(b.data, min(f.blockMax, budget-total)); err != nil {
				return 0, err
			}
		}
		if n > budget-total {
			return 0, fmt.Errorf("lz4: %w", ErrDecompressedTooLarge)
		}
		if n > f.blockMax {
			return 0, fmt.Errorf("lz4 block decodes past the frame's %d-byte blocks: %w", f.blockMax, ErrCorrupt)
		}
		total += n
	}
	return total, nil
}

// lz4BlockDecodedLen is the size an LZ4 block decodes to, the sum of its
// sequences' literal and match lengths, read without decoding. It stops
// counting once past most, returning a size that is then more than most.
// Offsets are left to the decoder.
func lz4BlockDecodedLen(block []byte, most int) (int, error) {
	n := 0
	for i := 0; i < len(block) && n <= most; {
		token := block[i]
		i++
		literals, next, ok := lz4Length(block, i, int(token>>4))
		if !ok || literals > len(block)-next {
			return 0, fmt.Errorf("lz4 block literals: %w", ErrCorrupt)
		}
		i = next + literals
		n += literals
		if i == len(block) {
			if token&0xF != 0 {
				return 0, fmt.Errorf("lz4 block ends inside a match: %w", ErrCorrupt)
			}
			break
		}
		if len(block)-i < 2 {
			return 0, fmt.Errorf("lz4 block match offset: %w", ErrCorrupt)
		}
		match, next, ok := lz4Length(block, i+2, int(token&0xF))
		if !ok {
			return 0, fmt.Errorf("lz4 block match length: %w", ErrCorrupt)
		}
		i = next
		n += match + 4 // the format's minimum match
	}
	return n, nil
}

// lz4Length reads a sequence's literal or match length: the token's nibble,
// and when that is 15, the bytes from i on added to it up to and including
// the first that is not 255. It returns the length and where it ends.
func lz4Length(block []byte, i, nibble int) (length, next int, ok bool) {
	length = nibble
	if nibble < 15 {
		return length, i, true
	}
	for ; i < len(block); i++ {
		length += int(block[i])
		if block[i] != 255 {
			return length, i + 1, true
		}
	}
	return 0, 0, false
}
