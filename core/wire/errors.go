package wire

import "errors"

// Decoding errors. Every decoder wraps one of these with %w and says which
// field failed, so callers can test the kind with errors.Is and a human can
// read where it went wrong.
var (
	// ErrTruncated: the bytes end before the value being read does.
	ErrTruncated = errors.New("wire: message truncated")
	// ErrInvalidLength: a length or count read from the wire is negative
	// (where null is not allowed), or larger than the bytes that remain.
	ErrInvalidLength = errors.New("wire: invalid length")
	// ErrCorrupt: a checksum, magic byte or other invariant does not hold.
	ErrCorrupt = errors.New("wire: corrupt data")
	// ErrUnsupportedVersion: the version asked for is outside what this
	// package implements for that API.
	ErrUnsupportedVersion = errors.New("wire: unsupported version")
	// ErrUnknownCodec: a batch names a compression codec this package lacks.
	ErrUnknownCodec = errors.New("wire: unknown compression codec")
	// ErrNoRoom: an encoder was given a destination too small for what it
	// must write. Encoders that write into caller-provided memory (arena
	// slots) return it instead of growing the slice.
	ErrNoRoom = errors.New("wire: destination too small")
)
