package wire

import (
	"errors"
	"fmt"
	"strconv"
)

// Codec is a Kafka compression codec, as numbered in a batch's attributes.
type Codec int8

// The codecs Kafka defines.
const (
	CodecNone   Codec = 0
	CodecGzip   Codec = 1
	CodecSnappy Codec = 2
	CodecLZ4    Codec = 3
	CodecZstd   Codec = 4
)

// Kafka's default levels: compression.gzip.level, compression.lz4.level and
// compression.zstd.level.
const (
	DefaultGzipLevel = -1 // zlib's default, which is level 6
	DefaultLZ4Level  = 9  // Java uses LZ4's fast compressor at this level
	DefaultZstdLevel = 3
)

var (
	// ErrInvalidLevel: a compression level outside the range Kafka accepts
	// for that codec.
	ErrInvalidLevel = errors.New("wire: invalid compression level")
	// ErrDecompressedTooLarge: a records section would decompress to more
	// than the Decompressor's limit.
	ErrDecompressedTooLarge = errors.New("wire: decompressed records exceed the limit")
)

// String is the codec's name as compression.type spells it.
func (c Codec) String() string {
	switch c {
	case CodecNone:
		return "none"
	case CodecGzip:
		return "gzip"
	case CodecSnappy:
		return "snappy"
	case CodecLZ4:
		return "lz4"
	case CodecZstd:
		return "zstd"
	}
	return "codec(" + strconv.Itoa(int(c)) + ")"
}

// DefaultLevel is Kafka's default level for the codec; 0 for codecs without
// levels.
func (c Codec) DefaultLevel() int {
	switch c {
	case CodecGzip:
		return DefaultGzipLevel
	case CodecLZ4:
		return DefaultLZ4Level
	case CodecZstd:
		return DefaultZstdLevel
	}
	return 0
}

// checkLevel accepts the levels Kafka's configuration accepts: gzip 1..9 or
// -1, lz4 1..17, zstd -131072..22; none and snappy take only 0.
func (c Codec) checkLevel(level int) error {
	ok := false
	switch c {
	case CodecNone, CodecSnappy:
		ok = level == 0
	case CodecGzip:
		ok = level == -1 || level >= 1 && level <= 9
	case CodecLZ4:
		ok = level >= 1 && level <= 17
	case CodecZstd:
		ok = level >= -131072 && level <= 22
	default:
		return fmt.Errorf("codec %d: %w", c, ErrUnknownCodec)
	}
	if !ok {
		return fmt.Errorf("%s level %d: %w", c, level, ErrInvalidLevel)
	}
	return nil
}
