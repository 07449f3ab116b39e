// Package stream holds what the producer's two transports (package netpoll
// over epoll, package iouring over io_uring) share above their system
// calls: assembling size-prefixed Kafka response frames from a TCP byte
// stream, queueing staged sends and gathering them into iovecs, the
// outcome types and lists a Poll publishes, host-name look-ups off the
// loop goroutine, the eventfd that wakes the loop, the connection
// settings with Kafka's defaults, and the reasons a connection is lost.
//
// Everything here belongs to one transport's loop goroutine unless its
// documentation says otherwise, and allocates nothing per frame or send
// once warm: the transports call it on their send and receive paths.
//
// The transports re-export what their users see (the outcome types, the
// sentinel errors, ConnError, Resolver, the defaults), so one sentinel
// serves both: errors.Is(err, netpoll.ErrPeerClosed) also matches a
// connection lost by the io_uring transport.
//
// This package imports no other package of the project.
package stream
