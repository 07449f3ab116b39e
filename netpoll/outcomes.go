package netpoll

// ID names a connection. The caller chooses it (a broker's node id, or any
// other value unique among open connections).
type ID int64

// Completion says that a staged send has been handed to the kernel in full;
// its iovecs are the caller's again.
type Completion struct {
	ID    ID
	Token uint64
}

// Frame is one received size-prefixed frame, without its 4-byte prefix. Bytes
// is valid until the next call to Poll.
type Frame struct {
	ID    ID
	Bytes []byte
}

// Disconnect says that a connection is gone and why. Err is a *ConnError.
// Sends staged on it that had no Completion were not fully handed to the
// kernel and never will be.
type Disconnect struct {
	ID  ID
	Err error
}
