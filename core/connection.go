package core

import (
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
)

// connState is where a broker connection stands.
type connState uint8

const (
	connDown           connState = iota // no socket; may connect after backoff
	connConnecting                      // connect under way
	connHandshake                       // ApiVersions sent, answer awaited
	connAuthenticating                  // SASL exchange under way
	connReady                           // versions known; requests may go
)

// brokerConn is the sender's view of one broker connection (Java's
// NetworkClient connection state plus its in-flight requests).
type brokerConn struct {
	node  int32 // broker id; bootstrap connections use -1, -2, ...
	addr  string
	state connState
	// versions is what the broker and this client share, once connReady.
	versions wire.Versions
	// sasl is the SASL exchange while connAuthenticating.
	sasl saslSession
	// sessionLifetime is the lifetime the broker granted in its last
	// SaslAuthenticate answer (zero: unbounded), and reauthAtNanos when
	// the connection re-authenticates (zero: never; see
	// sender.maybeReauthenticate).
	sessionLifetime time.Duration
	reauthAtNanos   int64
	// inFlight holds the requests written or being written, oldest first;
	// a broker answers a connection's requests in the order it got them.
	inFlight []*request
	// answeredUnwritten holds requests the broker answered before the
	// transport reported them written, which happens over TLS: the last
	// bytes of a request can reach the broker from the record layer's
	// backlog before the transport accounts for them. The transport may
	// still read their segments until it reports them, so they are
	// recycled only then, or when the connection goes.
	answeredUnwritten []*request
	// held lists the partitions whose open batch, lingered, waits for this
	// broker's answer (see sender.holdFor).
	held heldBatches
	// failures counts connects in a row that failed, for reconnect backoff.
	failures         int
	reconnectAtNanos int64
	// metrics are the connection's counters, once it first connected;
	// inFlightPublished is len(inFlight) as last added to the producer's
	// requests-in-flight (see setInFlight).
	metrics           *nodeMetrics
	inFlightPublished int64
}

// request is one request on a connection, from staging to its answer.
type request struct {
	correlation int32
	key         wire.APIKey
	version     int16
	sentNanos   int64
	// writtenNanos is the sender's first clock reading after the transport
	// reported the request fully written; 0 until then.
	writtenNanos int64
	// noResponse marks an acks=0 Produce: done once written.
	noResponse bool
	batches    []*batch
	// frame is the encoded request: scratch holds the framing bytes,
	// segments the iovecs (framing plus batch bytes where they lie).
	scratch  []byte
	segments [][]byte
}

// take removes and returns the request with correlation id corr, or nil.
func (c *brokerConn) take(corr int32) *request {
	for i, r := range c.inFlight {
		if r.correlation == corr {
			c.inFlight = append(c.inFlight[:i], c.inFlight[i+1:]...)
			return r
		}
	}
	return nil
}
