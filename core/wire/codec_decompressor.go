package wire

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

// Decompressor decompresses records sections, refusing any that would
// decompress to more than a fixed limit, so a decompression bomb costs at
// most that much memory. It reuses its output buffer and codec state
// between calls; it is not safe for concurrent use.
type Decompressor struct {
	limit int
	out   []byte
	src   bytes.Reader
	gzip  *gzip.Reader
	zstd  *zstd.Decoder
}

// NewDecompressor returns a Decompressor that refuses output larger than
// limit bytes. A zstd frame whose window exceeds limit is refused too (the
// zstd decoder bounds its window by the output limit), so limit should be at
// least the window producers declare: 2 MiB for zstd level 3 streams of
// unknown size, as Java writes them; our frames declare at most 1 MiB.
func NewDecompressor(limit int) *Decompressor {
	return &Decompressor{limit: max(limit, 0)}
}

// Decompress returns src decompressed with codec: the records section of a
// batch whose attributes name codec. CodecNone returns src itself. The
// result lives in a buffer the Decompressor reuses: it holds until the next
// call. Errors: ErrUnknownCodec, ErrDecompressedTooLarge, and for input the
// codec rejects ErrCorrupt (wrapping the codec's own error, if any),
// ErrTruncated or ErrInvalidLength.
func (d *Decompressor) Decompress(codec Codec, src []byte) ([]byte, error) {
	var out []byte
	var err error
	switch codec {
	case CodecNone:
		return src, nil
	case CodecGzip:
		out, err = d.decompressGzip(src)
	case CodecSnappy:
		out, err = decodeSnappy(d.out[:0], src, d.limit)
	case CodecLZ4:
		out, err = decodeLZ4(d.out[:0], src, d.limit)
	case CodecZstd:
		out, err = d.decompressZstd(src)
	default:
		return nil, fmt.Errorf("decompress codec %d: %w", codec, ErrUnknownCodec)
	}
	if err != nil {
		return nil, fmt.Errorf("decompress %s records: %w", codec, err)
	}
	d.out = out
	return out, nil
}

func (d *Decompressor) decompressGzip(src []byte) ([]byte, error) {
	if d.gzip == nil {
		d.gzip = new(gzip.Reader)
	}
	d.src.Reset(src)
	if err := d.gzip.Reset(&d.src); err != nil {
		return nil, fmt.Errorf("gzip header: %w: %w", ErrCorrupt, err)
	}
	return d.readAll(d.gzip)
}

func (d *Decompressor) decompressZstd(src []byte) ([]byte, error) {
	if d.zstd == nil {
		dec, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxMemory(uint64(max(d.limit, 1))),
		)
		if err != nil {
			return nil, fmt.Errorf("zstd decoder: %w", err)
		}
		d.zstd = dec
	}
	out, err := d.zstd.DecodeAll(src, d.out[:0])
	if errors.Is(err, zstd.ErrDecoderSizeExceeded) || errors.Is(err, zstd.ErrWindowSizeExceeded) {
		return nil, fmt.Errorf("%w: %w", ErrDecompressedTooLarge, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
	}
	if len(out) > d.limit {
		return nil, ErrDecompressedTooLarge
	}
	return out, nil
}

// readAll reads r to its end into the reused output buffer, doubling it but
// at most to limit+1 bytes: one more than allowed is how it tells too large.
// A grown buffer is kept even when the call fails, so refusing one bomb
// after another does not allocate each time.
func (d *Decompressor) readAll(r io.Reader) ([]byte, error) {
	out := d.out[:0]
	for {
		if len(out) == cap(out) {
			if cap(out) > d.limit {
				return nil, ErrDecompressedTooLarge
			}
			size := max(2*cap(out), 4<<10)
			if size >= d.limit {
				size = d.limit + 1
			}
			grown := make([]byte, len(out), size)
			copy(grown, out)
			out = grown
			d.out = out[:0]
		}
		n, err := r.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrCorrupt, err)
		}
	}
	if len(out) > d.limit {
		return nil, ErrDecompressedTooLarge
	}
	return out, nil
}
