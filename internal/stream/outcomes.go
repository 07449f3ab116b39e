package stream

// The outcome types are aliases of unnamed types, not types of their own:
// Go's interfaces match method signatures by type identity, and two
// unnamed struct types with the same exported fields are identical across
// packages. So the transports alias them, a caller declares the same
// shapes where it uses them (the producer's transport contract), and any
// transport built on them satisfies it, without the caller and the
// transports importing each other and with no conversion or copy. They
// must stay aliases of unnamed struct types.

// Completion says that a staged send has been handed to the kernel in
// full; its iovecs are the caller's again.
type Completion = struct {
	ID    int64
	Token uint64
}

// Frame is one received size-prefixed frame, without its 4-byte prefix.
// Bytes is valid until the next call to Poll.
type Frame = struct {
	ID    int64
	Bytes []byte
}

// Disconnect says that a connection is gone and why. Err is a *ConnError.
// Sends staged on it that had no Completion were not fully handed to the
// kernel and never will be.
type Disconnect = struct {
	ID  int64
	Err error
}
