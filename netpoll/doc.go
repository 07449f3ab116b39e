// Package netpoll is the producer's network selector: one epoll instance that
// drives every broker connection from a single goroutine, as Kafka's Selector
// does.
//
// Connects are non-blocking; read interest is kept once a connection is up;
// write interest is held only while staged bytes remain. A send is a list of
// iovecs (small header buffers plus batch bytes where they lie in the arena)
// written with writev; responses come back as size-prefixed frames.
//
// This package imports no other package of the project.
package netpoll
