package wire

import (
	"fmt"

	"github.com/klauspost/compress/zstd"
)

// zstdWindow bounds the encoder's history, and so its memory: batches up to
// max.request.size's default (1 MiB) still fit one window.
const zstdWindow = 1 << 20

// zstdEncoder writes one zstd frame per records section.
type zstdEncoder struct {
	enc     *zstd.Encoder
	scratch []byte
}

func newZstdEncoder(level int) (*zstdEncoder, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.EncoderLevelFromZstd(level)),
		zstd.WithEncoderConcurrency(1),
		zstd.WithWindowSize(zstdWindow),
		// The batch CRC already covers the compressed bytes.
		zstd.WithEncoderCRC(false),
		// An empty records section still needs a frame to be valid zstd.
		zstd.WithZeroFrames(true),
	)
	if err != nil {
		return nil, fmt.Errorf("zstd level %d: %w: %w", level, ErrInvalidLevel, err)
	}
	return &zstdEncoder{enc: enc}, nil
}

func (e *zstdEncoder) encode(dst, src []byte) (int, error) {
	return encodeWithin(dst, &e.scratch, e.enc.MaxEncodedSize(len(src)), func(out []byte) []byte {
		return e.enc.EncodeAll(src, out)
	})
}
