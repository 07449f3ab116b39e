package wire

import "fmt"

// Compressor compresses a batch's records section into memory the caller
// owns, such as a second arena slot. It keeps its codec's encoder state
// between calls, so once warm it does not allocate. It is not safe for
// concurrent use: give each goroutine that compresses one of its own.
type Compressor struct {
	codec Codec
	enc   encoder
}

// encoder writes src compressed into the front of dst and returns the bytes
// written, or ErrNoRoom when the result does not fit in len(dst).
type encoder interface {
	encode(dst, src []byte) (int, error)
}

// NewCompressor returns a Compressor for codec at level, which must be in
// the range Kafka accepts for that codec (see Codec.DefaultLevel for
// Kafka's defaults; none and snappy take 0).
func NewCompressor(codec Codec, level int) (*Compressor, error) {
	if err := codec.checkLevel(level); err != nil {
		return nil, err
	}
	c := &Compressor{codec: codec}
	switch codec {
	case CodecNone:
		c.enc = copyEncoder{}
	case CodecGzip:
		enc, err := newGzipEncoder(level)
		if err != nil {
			return nil, err
		}
		c.enc = enc
	case CodecSnappy:
		c.enc = new(xerialEncoder)
	case CodecLZ4:
		c.enc = newLZ4FrameEncoder(level)
	case CodecZstd:
		enc, err := newZstdEncoder(level)
		if err != nil {
			return nil, err
		}
		c.enc = enc
	}
	return c, nil
}

// Codec is the codec c compresses with.
func (c *Compressor) Codec() Codec { return c.codec }

// Compress writes src compressed into the front of dst and returns the bytes
// written. It returns ErrNoRoom when the result does not fit in len(dst);
// the caller then sends the batch uncompressed.
func (c *Compressor) Compress(dst, src []byte) (int, error) {
	n, err := c.enc.encode(dst, src)
	if err != nil {
		return 0, fmt.Errorf("compress %d bytes with %s into %d: %w", len(src), c.codec, len(dst), err)
	}
	return n, nil
}

// CompressBatch builds a complete compressed batch in dst: h's fields with
// the codec bits of the attributes set, then records compressed, sealed with
// the CRC of the compressed form. records is the uncompressed records
// section (the bytes after the header of a batch being sealed). It returns
// the finished batch, a prefix of dst, or ErrNoRoom when it does not fit in
// len(dst).
func (c *Compressor) CompressBatch(dst, records []byte, h BatchHeader) ([]byte, error) {
	if len(dst) < BatchHeaderSize {
		return nil, fmt.Errorf("compress batch into %d bytes: %w", len(dst), ErrNoRoom)
	}
	n, err := c.Compress(dst[BatchHeaderSize:], records)
	if err != nil {
		return nil, err
	}
	h.Attributes = h.Attributes&^AttrCodecMask | int16(c.codec)
	return SealBatch(dst[:BatchHeaderSize+n], h)
}

// copyEncoder is CodecNone: the records as they are.
type copyEncoder struct{}

func (copyEncoder) encode(dst, src []byte) (int, error) {
	if len(src) > len(dst) {
		return 0, ErrNoRoom
	}
	return copy(dst, src), nil
}

// encodeWithin runs an encoder that appends at most bound bytes to its
// argument, and writes nowhere else when given that much capacity. With
// room for the bound it encodes straight into dst; otherwise into scratch,
// copying the result to dst when it fits. Either way nothing is allocated
// once scratch has grown to the bound.
func encodeWithin(dst []byte, scratch *[]byte, bound int, appendTo func(out []byte) []byte) (int, error) {
	if len(dst) >= bound {
		return len(appendTo(dst[:0:len(dst)])), nil
	}
	if cap(*scratch) < bound {
		*scratch = make([]byte, 0, bound)
	}
	out := appendTo((*scratch)[:0])
	if len(out) > len(dst) {
		return 0, ErrNoRoom
	}
	return copy(dst, out), nil
}
