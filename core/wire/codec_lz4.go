package wire

import (
	"encoding/binary"

	"github.com/pierrec/lz4/v4"
)

// Kafka's lz4 is the LZ4 frame format. We write the frame around pierrec's
// block compressor ourselves, straight into the destination, with the
// descriptor Java's KafkaLZ4BlockOutputStream writes: independent 64 KiB
// blocks, no block or content checksums (the batch CRC covers the bytes),
// no content size.
const (
	lz4FrameMagic = 0x184D2204
	// lz4FrameFlags: version 01, independent blocks, nothing optional.
	lz4FrameFlags = 0x60
	// lz4FrameBlockMax: block maximum size code 4, 64 KiB.
	lz4FrameBlockMax = 0x40
	// lz4FrameHeaderChecksum is (xxh32(flags, blockMax) >> 8) & 0xff, a
	// constant for the fixed descriptor above.
	lz4FrameHeaderChecksum = 0x82
	lz4FrameHeaderSize     = 7
	lz4BlockSize           = 64 << 10
	// lz4Uncompressed marks a block stored as is, in its length word.
	lz4Uncompressed = 1 << 31
)

// lz4FrameEncoder writes one LZ4 frame per records section.
type lz4FrameEncoder struct {
	fast lz4.Compressor
	high lz4.CompressorHC
	// useHigh follows Java: Kafka's default level 9 means LZ4's fast
	// compressor, any other level the high-compression one.
	useHigh bool
}

func newLZ4FrameEncoder(level int) *lz4FrameEncoder {
	e := &lz4FrameEncoder{useHigh: level != DefaultLZ4Level}
	// pierrec's levels 1..9 are search depths 2^(8+level); Kafka's 10..17
	// go deeper than pierrec does, so they share its deepest.
	e.high.Level = lz4.CompressionLevel(1 << (8 + min(level, 9)))
	return e
}

func (e *lz4FrameEncoder) encode(dst, src []byte) (int, error) {
	if len(dst) < lz4FrameHeaderSize+4 {
		return 0, ErrNoRoom
	}
	binary.LittleEndian.PutUint32(dst, lz4FrameMagic)
	dst[4], dst[5], dst[6] = lz4FrameFlags, lz4FrameBlockMax, lz4FrameHeaderChecksum
	n := lz4FrameHeaderSize
	for len(src) > 0 {
		block := src[:min(len(src), lz4BlockSize)]
		src = src[len(block):]
		if len(dst)-n < 4 {
			return 0, ErrNoRoom
		}
		// Offer at most len(block)-1 bytes: a block that does not
		// shrink is stored as is.
		room := dst[n+4 : n+4+min(len(dst)-n-4, len(block)-1)]
		z, err := e.compressBlock(block, room)
		if z > 0 && err == nil {
			binary.LittleEndian.PutUint32(dst[n:], uint32(z))
			n += 4 + z
			continue
		}
		if len(dst)-n-4 < len(block) {
			return 0, ErrNoRoom
		}
		binary.LittleEndian.PutUint32(dst[n:], uint32(len(block))|lz4Uncompressed)
		n += 4 + copy(dst[n+4:], block)
	}
	if len(dst)-n < 4 {
		return 0, ErrNoRoom
	}
	binary.LittleEndian.PutUint32(dst[n:], 0) // end mark
	return n + 4, nil
}

func (e *lz4FrameEncoder) compressBlock(src, dst []byte) (int, error) {
	if e.useHigh {
		return e.high.CompressBlock(src, dst)
	}
	return e.fast.CompressBlock(src, dst)
}
