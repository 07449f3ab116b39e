package iouring

import "github.com/perfproducer/perfproducer/internal/stream"

// The transport's outcome types are aliases of unnamed struct types, as in
// package netpoll (both alias package stream's): the producer's transport
// contract declares the same shapes, and Go identifies unnamed struct types
// field by field, so a Transport satisfies it without either package
// importing the other.

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
