package netpoll

import "github.com/perfproducer/perfproducer/internal/stream"

// The outcome types are aliases of unnamed struct types, not types of their
// own (see package stream, which declares them for both transports): Go's
// interfaces match method signatures by type identity, and two unnamed
// struct types with the same exported fields are identical across
// packages. So a caller declares the same shapes where it uses them (the
// producer's transport contract) and any transport built on them satisfies
// it, without either package importing the other and with no conversion or
// copy.

// ID names a connection. The caller chooses it (a broker's node id, or any
// other value unique among open connections).
type ID = int64

// Completion says that a staged send has been handed to the kernel in full;
// its iovecs are the caller's again. It is struct{ ID int64; Token uint64 }.
type Completion = stream.Completion

// Frame is one received size-prefixed frame, without its 4-byte prefix.
// Bytes is valid until the next call to Poll. It is
// struct{ ID int64; Bytes []byte }.
type Frame = stream.Frame

// Disconnect says that a connection is gone and why. Err is a *ConnError.
// Sends staged on it that had no Completion were not fully handed to the
// kernel and never will be. It is struct{ ID int64; Err error }.
type Disconnect = stream.Disconnect
