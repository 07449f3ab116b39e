package core

import (
	"context"
	"time"

	"github.com/perfproducer/perfproducer/iouring"
	"github.com/perfproducer/perfproducer/netpoll"
)

// transport is the network contract the sender drives, Kafka's Selectable:
// connect, stage sends, poll, then read what the poll brought. Every method
// but Wakeup is called from the sender goroutine only.
//
// Its types are builtin or unnamed, so the transports (netpoll over epoll,
// iouring over io_uring) satisfy it without importing core or each other:
// both alias the same shapes, declared once in their shared internal
// package (netpoll.Completion is sentRequest), and Go identifies unnamed
// struct types field by field. The results are the transports' own reused
// slices, so reading them copies and allocates nothing.
type transport interface {
	Connect(ctx context.Context, id int64, address string) error
	// Send stages one request; the iovecs stay untouched until Sent
	// reports the token.
	Send(id int64, iovecs [][]byte, token uint64) error
	Poll(timeout time.Duration) error
	Connected() []int64
	Sent() []sentRequest
	Received() []receivedFrame
	Disconnected() []lostConnection
	Wakeup()
	CloseConnection(id int64)
	Close() error
}

// sentRequest says that the request token on connection ID has been handed
// to the kernel in full; its iovecs are the sender's again.
type sentRequest = struct {
	ID    int64
	Token uint64
}

// receivedFrame is one response frame from connection ID, without its size
// prefix; Bytes is valid until the next Poll.
type receivedFrame = struct {
	ID    int64
	Bytes []byte
}

// lostConnection says that connection ID is gone and why; requests on it
// without a sentRequest never reached the kernel in full.
type lostConnection = struct {
	ID  int64
	Err error
}

var (
	_ transport = (*netpoll.Selector)(nil)
	_ transport = (*iouring.Transport)(nil)
)
