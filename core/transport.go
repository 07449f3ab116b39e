package core

import (
	"context"
	"time"

	"github.com/perfproducer/perfproducer/netpoll"
)

// transport is the network contract the sender drives: Java's Selector
// shape. netpoll.Selector satisfies it; every method but Wakeup is called
// from the sender goroutine only.
type transport interface {
	Connect(ctx context.Context, id netpoll.ID, address string) error
	// Send stages one request; the iovecs stay untouched until Sent
	// reports the token.
	Send(id netpoll.ID, iovecs [][]byte, token uint64) error
	Poll(timeout time.Duration) error
	Connected() []netpoll.ID
	Sent() []netpoll.Completion
	Received() []netpoll.Frame
	Disconnected() []netpoll.Disconnect
	Wakeup()
	CloseConnection(id netpoll.ID)
	Close() error
}

var _ transport = (*netpoll.Selector)(nil)
