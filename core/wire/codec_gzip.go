package wire

import (
	"fmt"

	"github.com/klauspost/compress/gzip"
)

// gzipEncoder writes a gzip stream with a reused writer.
type gzipEncoder struct {
	w    *gzip.Writer
	sink fixedWriter
}

func newGzipEncoder(level int) (*gzipEncoder, error) {
	if level == DefaultGzipLevel {
		// Kafka's -1 is zlib's default, level 6; klauspost's default
		// differs, so ask for 6 by name.
		level = 6
	}
	w, err := gzip.NewWriterLevel(nil, level)
	if err != nil {
		return nil, fmt.Errorf("gzip level %d: %w: %w", level, ErrInvalidLevel, err)
	}
	return &gzipEncoder{w: w}, nil
}

func (e *gzipEncoder) encode(dst, src []byte) (int, error) {
	e.sink = fixedWriter{buf: dst}
	e.w.Reset(&e.sink)
	_, err := e.w.Write(src)
	if err == nil {
		err = e.w.Close()
	}
	n := e.sink.n
	e.sink = fixedWriter{}
	if err != nil {
		return 0, err
	}
	return n, nil
}

// fixedWriter is an io.Writer over fixed memory: a write that does not fit
// fails with ErrNoRoom instead of growing anything.
type fixedWriter struct {
	buf []byte
	n   int
}

func (w *fixedWriter) Write(p []byte) (int, error) {
	if len(p) > len(w.buf)-w.n {
		return 0, ErrNoRoom
	}
	w.n += copy(w.buf[w.n:], p)
	return len(p), nil
}
