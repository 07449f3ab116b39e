package netpoll

// The outcome types are aliases of unnamed types, not types of their own:
// Go's interfaces match method signatures by type identity, and two unnamed
// struct types with the same exported fields are identical across packages.
// So a caller declares the same shapes where it uses them (the producer's
// transport contract) and any transport built on them satisfies it, without
// either package importing the other and with no conversion or copy.

// ID names a connection. The caller chooses it (a broker's node id, or any
// other value unique among open connections).
type ID = int64

// Completion says that a staged send has been handed to the kernel in full;
// its iovecs are the caller's again.
type Completion = struct {
	ID    int64
	Token uint64
}

// Frame is one received size-prefixed frame, without its 4-byte prefix. Bytes
// is valid until the next call to Poll.
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
