// Package iouring is the producer's second transport: the same contract as
// package netpoll, over an io_uring submission and completion ring.
//
// The ring is built on golang.org/x/sys/unix alone (no cgo, no liburing):
// New sets the ring up (io_uring_setup and the mappings of both rings and
// the submission entries); Prepare methods fill submission entries for
// connect, writev, send, zero-copy send, fixed-buffer writes, recv, read,
// timeouts, linked timeouts and cancellation; Submit, SubmitAndWait and SubmitAndWaitTimeout
// hand them to the kernel with io_uring_enter; Completions reaps what
// completed, including completions the kernel kept aside when the completion
// queue overflowed, so none is lost. RegisterBuffers and RegisterFiles let
// writes name the producer's arena and its sockets by index. Close cancels
// what is in flight, waits for the kernel to finish with it, and releases
// the mappings and the descriptor.
//
// Each operation's memory (iovecs and the bytes they point to, receive
// buffers) belongs to the caller, who keeps it alive and unchanged until the
// operation's completion; the ring allocates nothing per operation. A Ring
// is owned by one goroutine, the producer's sender.
//
// On the ring, Transport is the producer's transport: connections
// (blocking sockets, so that io_uring waits for them; connects bounded by
// linked timeouts), writev of staged requests with short writes resumed,
// size-prefixed Kafka response frames assembled from receives, idle
// connections closed, Wakeup through an eventfd read kept posted on the
// ring. It has netpoll's contract and outcome types, and allocates nothing
// per request once warm. Unlike netpoll, whose waiting Poll parks its
// goroutine in Go's runtime poller, a waiting Poll here holds its thread in
// io_uring_enter.
//
// The ring can also send without copying (PrepareSendZC, IORING_OP_SEND_ZC,
// Linux 6.0) and write from registered buffers to registered files
// (PrepareWriteFixed). Transport uses neither: over loopback, with Produce
// requests of 16 KiB to 1 MiB, a zero-copy send was 15-80% slower than a
// copying one (the receiver copies anyway, and each send pays for pinning
// its pages and a second completion), and registered buffers and files
// saved nothing a copying send spends (BenchmarkSend). They remain for
// networks where they may pay, to be measured there.
//
// Where the kernel or its settings do not allow io_uring (a system other
// than Linux, Linux before 5.6, the kernel.io_uring_disabled sysctl, a
// seccomp policy refusing io_uring_setup), New returns an error that
// matches ErrNotSupported; so does NewTransport on a kernel before 5.11,
// whose io_uring_enter cannot wait with a timeout. The producer then falls
// back to epoll (package netpoll) unless told not to.
//
// This package imports only one package of the project, internal/stream:
// the leaf it shares with package netpoll (frame assembly, the send queue,
// host-name look-ups, the wakeup eventfd, the settings' defaults, the
// disconnect reasons and the outcome types).
package iouring
