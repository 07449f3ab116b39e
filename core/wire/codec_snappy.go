package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/snappy"
)

// Snappy in Kafka comes in two framings. The Java producer writes xerial's
// stream framing: a 16-byte header (magic, version 1, compatible version 1)
// then blocks of at most 32 KiB, each a big-endian int32 length and a raw
// snappy block. librdkafka writes one raw snappy block. Java's reader (and so
// the broker), librdkafka and franz-go read both.
//
// We write the xerial framing: it is what Java producers put on the wire,
// so any consumer that reads Java-produced snappy reads ours, including
// the few that never learned the raw form; and its 32 KiB blocks bound the
// memory a reader needs per block. It costs 16 bytes plus 4 per 32 KiB.
// We read both.

// xerialMagic opens a xerial-framed stream.
var xerialMagic = []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0}

// xerialHeader is the magic followed by version 1 and compatible version 1,
// the lowest Java's reader accepts.
var xerialHeader = append(append([]byte(nil), xerialMagic...), 0, 0, 0, 1, 0, 0, 0, 1)

// xerialBlockSize is the block size of Java's SnappyOutputStream.
const xerialBlockSize = 32 << 10

// xerialEncoder writes xerial-framed snappy.
type xerialEncoder struct {
	scratch []byte
}

func (e *xerialEncoder) encode(dst, src []byte) (int, error) {
	return encodeWithin(dst, &e.scratch, xerialBound(len(src)), func(out []byte) []byte {
		return appendXerial(out, src)
	})
}

// xerialBound is the most appendXerial can write for n bytes of input.
func xerialBound(n int) int {
	full, rest := n/xerialBlockSize, n%xerialBlockSize
	bound := len(xerialHeader) + full*(4+s2.MaxEncodedLen(xerialBlockSize))
	if rest > 0 || n == 0 {
		bound += 4 + s2.MaxEncodedLen(rest)
	}
	return bound
}

// appendXerial appends src as xerial-framed snappy to out. Given capacity
// for xerialBound(len(src)) more bytes, it encodes in place. Empty input
// still gets one (empty) block: some readers, franz-go's among them, take a
// bare header for a raw snappy block.
func appendXerial(out, src []byte) []byte {
	out = append(out, xerialHeader...)
	for first := true; first || len(src) > 0; first = false {
		n := min(len(src), xerialBlockSize)
		at := len(out)
		out = append(out, 0, 0, 0, 0)
		out = slices.Grow(out, s2.MaxEncodedLen(n))
		block := s2.EncodeSnappy(out[len(out):cap(out)], src[:n])
		binary.BigEndian.PutUint32(out[at:], uint32(len(block)))
		out = out[:len(out)+len(block)]
		src = src[n:]
	}
	return out
}

// decodeSnappy appends src, xerial-framed or one raw block, decoded to out,
// refusing to produce more than limit bytes in all.
func decodeSnappy(out, src []byte, limit int) ([]byte, error) {
	if len(src) < len(xerialHeader) || !bytes.HasPrefix(src, xerialMagic) {
		return decodeSnappyBlock(out, src, limit)
	}
	blocks := src[len(xerialHeader):]
	// Sum the decoded sizes the blocks claim first, so out grows once and
	// a hostile claim is refused before anything is allocated.
	total := len(out)
	for rest := blocks; len(rest) > 0; {
		block, next, err := xerialBlock(rest)
		if err != nil {
			return nil, err
		}
		n, err := snappy.DecodedLen(block)
		if err != nil {
			return nil, fmt.Errorf("snappy block: %w: %w", ErrCorrupt, err)
		}
		if total += n; total > limit {
			return nil, fmt.Errorf("snappy: %w", ErrDecompressedTooLarge)
		}
		rest = next
	}
	out = slices.Grow(out, total-len(out))
	for len(blocks) > 0 {
		block, next, _ := xerialBlock(blocks)
		var err error
		if out, err = decodeSnappyBlock(out, block, limit); err != nil {
			return nil, err
		}
		blocks = next
	}
	return out, nil
}

// xerialBlock splits the first length-prefixed block off b.
func xerialBlock(b []byte) (block, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("xerial block length: %w", ErrTruncated)
	}
	size := int32(binary.BigEndian.Uint32(b))
	if size < 0 || int(size) > len(b)-4 {
		return nil, nil, fmt.Errorf("xerial block length %d with %d bytes left: %w", size, len(b)-4, ErrInvalidLength)
	}
	return b[4 : 4+size], b[4+size:], nil
}

// decodeSnappyBlock appends one raw snappy block decoded to out, refusing to
// grow out past limit bytes.
func decodeSnappyBlock(out, block []byte, limit int) ([]byte, error) {
	n, err := snappy.DecodedLen(block)
	if err != nil {
		return nil, fmt.Errorf("snappy block: %w: %w", ErrCorrupt, err)
	}
	if n > limit-len(out) {
		return nil, fmt.Errorf("snappy: %w", ErrDecompressedTooLarge)
	}
	out = slices.Grow(out, n)
	if _, err := snappy.DecodeStrict(out[len(out):len(out)+n], block); err != nil {
		return nil, fmt.Errorf("snappy block: %w: %w", ErrCorrupt, err)
	}
	return out[:len(out)+n], nil
}
