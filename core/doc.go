// Package core is the Kafka producer that applications import.
//
// A Producer follows the Java producer's contract: user goroutines only
// append records (Send, SendSync); one sender goroutine owns every socket,
// drains ready batches grouped by leader broker into one Produce request per
// broker, and completes each record exactly once, with its offset or an
// error. Configuration uses Kafka's property names and Kafka 4.x defaults.
//
// Records are encoded once, in RecordBatch v2 form, straight into slots of a
// fixed arena (package arena) and written to the broker from there with no
// further copy: by package netpoll (epoll, the default) or package iouring
// (io_uring, with the property transport=iouring, where the kernel allows).
//
// The producer runs on Linux only; on other systems NewProducer returns an
// error matching ErrNotSupported.
package core
