package stream

import (
	"encoding/binary"
	"fmt"
)

// InitialReceiveBuffer is a new connection's receive buffer size: room for
// many produce responses at once without growing.
const InitialReceiveBuffer = 16 << 10

// FrameReader assembles size-prefixed frames (a big-endian int32 length,
// then that many bytes) from reads of any size into one reused buffer.
//
// Frames are handed out as slices of the buffer, so the bytes before start
// stay untouched until Release: the caller calls Release once the frames it
// was given are no longer in use (at the next Poll), and never while a read
// into the buffer is in flight, since Release moves bytes.
type FrameReader struct {
	buf        []byte
	start, end int // buf[start:end] is read but not yet handed out
	max        int32
}

// NewFrameReader returns a reader of frames of at most max bytes; its
// buffer is allocated at the first Space.
func NewFrameReader(max int32) FrameReader { return FrameReader{max: max} }

// Space returns where the next read should land. It is empty when the
// buffer is full and frames handed out since the last Release pin its
// front: the rest waits for Release. It grows the buffer, at most doubling
// it and never past the pending frame's size, when one frame needs more
// than there is.
func (r *FrameReader) Space() []byte {
	if r.buf == nil {
		r.buf = make([]byte, InitialReceiveBuffer)
	}
	if r.end < len(r.buf) || r.start > 0 {
		return r.buf[r.end:]
	}
	// The buffer holds one partial frame from its first byte; its prefix
	// is already validated by Next, so need is bounded by max.
	need := 4 + int(binary.BigEndian.Uint32(r.buf))
	grown := make([]byte, min(need, 2*len(r.buf)))
	r.end = copy(grown, r.buf[:r.end])
	r.buf = grown
	return r.buf[r.end:]
}

// Filled records that n bytes were read into the slice Space returned.
func (r *FrameReader) Filled(n int) { r.end += n }

// Next returns the next complete frame, or false when the bytes read so far
// end inside one. An invalid size prefix is an error matching
// ErrNegativeFrameSize or ErrFrameTooLarge, and the reader must not be used
// again.
func (r *FrameReader) Next() ([]byte, bool, error) {
	pending := r.buf[r.start:r.end]
	if len(pending) < 4 {
		return nil, false, nil
	}
	size := int32(binary.BigEndian.Uint32(pending))
	switch {
	case size < 0:
		return nil, false, fmt.Errorf("%w: %d", ErrNegativeFrameSize, size)
	case size > r.max:
		return nil, false, fmt.Errorf("%w: %d bytes, the maximum is %d", ErrFrameTooLarge, size, r.max)
	case len(pending) < 4+int(size):
		return nil, false, nil
	}
	frame := pending[4 : 4+size : 4+size]
	r.start += 4 + int(size)
	return frame, true, nil
}

// Partial reports whether some bytes of an unfinished frame are held.
func (r *FrameReader) Partial() bool { return r.end > r.start }

// Lost is the cause to report when the peer closes the connection: nil
// after whole frames, or an error saying how many bytes of an unfinished
// frame were lost.
func (r *FrameReader) Lost() error {
	if !r.Partial() {
		return nil
	}
	return fmt.Errorf("%d bytes of an unfinished frame were lost", r.end-r.start)
}

// BufferSize is the size of the receive buffer, which grows for a frame
// larger than it.
func (r *FrameReader) BufferSize() int { return len(r.buf) }

// Release moves unread bytes to the front of the buffer; frames handed out
// before it must no longer be used.
func (r *FrameReader) Release() {
	if r.start == 0 {
		return
	}
	r.end = copy(r.buf, r.buf[r.start:r.end])
	r.start = 0
}
