// Package netpoll is the producer's network selector: one epoll instance that
// drives every broker connection from a single goroutine, as Kafka's Selector
// does.
//
// # Use
//
// The sender goroutine opens connections with Connect, stages requests with
// Send and calls Poll in a loop. After each Poll, Connected, Sent, Received
// and Disconnected say what happened; reading them allocates nothing.
//
//	sel, err := netpoll.New(netpoll.Config{})
//	err = sel.Connect(ctx, 1, "broker-1:9092")
//	for {
//		err = sel.Send(1, [][]byte{header, batch}, correlationID) // waits if not yet connected
//		err = sel.Poll(100 * time.Millisecond)
//		for _, f := range sel.Received() { ... } // f.Bytes valid until the next Poll
//	}
//
// # Threading contract
//
// A Selector belongs to one goroutine: every method except Wakeup must be
// called from it (or from goroutines it hands the selector to, one at a time,
// with a happens-before edge between them). Wakeup is safe from any goroutine
// and makes a blocked or upcoming Poll return, so a new batch goes out without
// waiting for Poll's timeout; a burst of Wakeups costs one eventfd write.
//
// The only goroutines the selector starts are host-name look-ups (see
// Connections): one per Connect to a name, ending with its look-up. Each
// hands its outcome back through a queue and the same eventfd; sockets are
// touched only by the selector's goroutine.
//
// # Memory the caller keeps alive
//
// The iovecs given to Send are written straight from where they lie (writev,
// no copy): the caller must leave the list and the memory it points to
// untouched until their Completion. A
// frame returned by Received is a slice of the connection's receive buffer,
// valid until the next Poll; the caller copies what it keeps longer. One
// receive buffer per connection (16 KiB at first, grown to the largest frame
// seen, never past Config.MaxFrameBytes) means no allocation per frame.
//
// # Connections
//
// Sockets are non-blocking and close-on-exec, with TCP_NODELAY and the
// configured SO_SNDBUF / SO_RCVBUF. An IP literal is connected to at once. A
// host name is looked up off the selector's goroutine, so a slow DNS server
// stalls no other connection's reads and writes: Connect returns at once, the
// look-up runs within Config.ConnectionSetupTimeout and Connect's context,
// and the first Poll after it finishes starts the connect (a look-up that
// fails or times out is reported in Disconnected with ErrResolve). The name
// resolves to all its addresses, tried in turn (Kafka's
// client.dns.lookup=use_all_dns_ips); each connect attempt gets
// Config.ConnectionSetupTimeout too. A connect completes when the
// socket turns writable and SO_ERROR is zero. A connection with no read or
// write for Config.ConnectionsMaxIdle is closed with ErrIdle; Poll shortens
// its wait so that happens on time. A refused connect, a reset, the peer's
// close (with or without a frame half read), an invalid frame size prefix
// close only that connection and are reported in Disconnected with a
// *ConnError that errors.Is matches against the reason (ErrConnectionRefused,
// ErrPeerClosed, ...) and the errno. Staged sends without a Completion on a
// disconnected connection never reach the kernel in full; the caller fails
// or retries them.
//
// # Interest and level-triggered epoll
//
// A connecting socket waits for EPOLLOUT; a ready one always has EPOLLIN, and
// EPOLLOUT only while staged bytes remain after a write came up short
// (epoll_ctl MOD adds it, and removes it once the last byte is out). Send
// writes at once when nothing waits ahead, so a socket with room costs no
// epoll_ctl at all.
//
// Registrations are level-triggered, not edge-triggered, on purpose. With
// level triggering the selector may stop reading a connection before it
// would block (when its receive buffer is full of frames handed out in this
// Poll, which also bounds what one busy connection takes from the others)
// and the kernel reports it again at the next Poll. With edge triggering every readable socket would
// have to be read until EAGAIN within the same Poll, forcing the receive
// buffer to grow or frames to be copied, and a missed edge would hang a
// connection. The price, an epoll_ctl when a write first blocks and when it
// drains, is paid only under back-pressure.
//
// # Waiting without holding a thread
//
// The epoll descriptor itself sits in Go's runtime poller (an epoll
// descriptor turns readable when it has events). Poll runs epoll_wait with a
// zero timeout only; when nothing is ready it parks its goroutine until the
// runtime sees the descriptor readable, Wakeup's eventfd fires, or the
// deadline passes (exact to the nanosecond, through the file's read
// deadline). So a waiting sender holds no OS thread in a blocking system
// call, and a round trip costs what it costs with the net package. The
// runtime watches the descriptor edge-triggered, but Poll always looks with
// epoll_wait before it parks, so readiness left over from an earlier Poll is
// never missed. A parked Poll resumes as promptly as any goroutine waiting
// on a net.Conn: the runtime looks at its poller whenever a processor runs
// out of work, and at least every 10 ms when none does.
//
// # A stage between socket and framing
//
// Each connection reads and writes through a stage (the unexported stage
// interface in stage.go): framing asks it for bytes and hands it iovecs.
// Plain TCP is the identity stage: writev straight from the caller's
// memory.
//
// With Config.TLS set, every connection is TLS (Go's crypto/tls). The
// handshake cannot be stepped a message at a time, so it runs in a
// goroutine of its own on a blocking duplicate of the socket, out of the
// epoll set and bounded by Config.ConnectionSetupTimeout; Connected is
// reported only once it is done, and a failure is reported in
// Disconnected with an error matching ErrTLSHandshake and its cause (an
// x509 error, say). From then on the selector's goroutine alone drives the
// record layer over the non-blocking socket: the TLS stage seals a
// request's small iovecs (framing, headers) together into one record and
// large ones (batches) from where they lie, so the only copy of plaintext
// is the encryption itself, and ciphertext is copied only when the socket
// is full (it waits in a backlog, and the send completes once its last
// record is in the kernel). Reads open records and copy their plaintext
// into the framing's receive buffer; plaintext crypto/tls holds already is
// read before epoll is asked again. Kernel TLS (kTLS) fits behind the same seam: after the handshake
// the stage would give the session's keys to the socket and become the
// plain stage.
//
// SASL is not a stage: its messages are Kafka requests (SaslHandshake,
// SaslAuthenticate), which the caller sends and answers on a connection
// before any other request, and again to re-authenticate, like any
// request.
//
// # Systems
//
// The selector is Linux-only (epoll, eventfd); on other systems New
// returns an error matching ErrNotSupported.
//
// This package imports only one package of the project, internal/stream:
// the leaf it shares with package iouring (frame assembly, the send queue,
// host-name look-ups, the wakeup eventfd, the settings' defaults, the
// disconnect reasons and the outcome types).
package netpoll
