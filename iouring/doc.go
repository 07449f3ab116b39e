// Package iouring is the producer's second transport: the same contract as
// package netpoll, over an io_uring submission and completion ring.
//
// Where the kernel or its settings do not allow io_uring, constructors return
// an error that matches ErrNotSupported, and the producer falls back to
// netpoll.
//
// Status: not built yet; the producer uses netpoll and logs that it fell back
// when perfproducer.transport=iouring is asked for.
//
// This package imports no other package of the project.
package iouring
