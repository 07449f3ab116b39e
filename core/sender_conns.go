package core

import (
	"fmt"
	"slices"
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
)

// apiVersionsFirst is the ApiVersions version every connection opens with;
// a broker that does not speak it answers in v0 with the versions it does.
const apiVersionsFirst = 3

// clientSoftware names this client to brokers (ApiVersions v3+).
const (
	clientSoftwareName    = "perfproducer"
	clientSoftwareVersion = "0.1.0"
)

// conn returns the connection state for a node, creating it on first use.
func (s *sender) conn(node int32, addr string) *brokerConn {
	c := s.conns[node]
	if c == nil {
		c = &brokerConn{node: node, addr: addr}
		s.conns[node] = c
	} else if addr != "" && c.addr != addr && c.state == connDown {
		c.addr = addr
	}
	return c
}

// ready reports whether c can take another request now, and starts
// connecting it when it is down and its backoff has passed.
func (s *sender) ready(c *brokerConn, now int64) bool {
	switch c.state {
	case connReady:
		return len(c.inFlight) < s.cfg.MaxInFlight
	case connDown:
		if now >= c.reconnectAtNanos {
			s.connect(c, now)
		}
	}
	return false
}

func (s *sender) connect(c *brokerConn, now int64) {
	c.state = connConnecting
	// A connection the transport still holds under this id (one whose
	// failure it has not reported yet) must not outlive our view of it.
	s.net.CloseConnection(int64(c.node))
	if err := s.net.Connect(s.ctx, int64(c.node), c.addr); err != nil {
		s.log.Warn("connect failed", "node", c.node, "address", c.addr, "error", err)
		s.markDown(c, now)
		// As when a connect fails later: the broker may have moved, and
		// only fresh metadata can say where to.
		s.meta.requestRefresh()
		return
	}
	s.log.Debug("connecting", "node", c.node, "address", c.addr)
}

// markDown records a failed or lost connection and when to try again
// (reconnect.backoff.ms growing to reconnect.backoff.max.ms).
func (s *sender) markDown(c *brokerConn, now int64) {
	c.state = connDown
	c.failures++
	c.reconnectAtNanos = now + int64(backoff(s.cfg.ReconnectBackoff, s.cfg.ReconnectBackoffMax, c.failures))
}

func (s *sender) onConnected(c *brokerConn, now int64) {
	s.log.Debug("connected", "node", c.node, "address", c.addr)
	s.nodeMetrics(c)
	c.state = connHandshake
	s.sendAPIVersions(c, apiVersionsFirst, now)
}

func (s *sender) sendAPIVersions(c *brokerConn, version int16, now int64) {
	r := s.newRequest(wire.APIKeyAPIVersions, version)
	s.send(c, r, &wire.APIVersionsRequest{ClientSoftwareName: clientSoftwareName, ClientSoftwareVersion: clientSoftwareVersion}, now)
}

func (s *sender) onAPIVersions(c *brokerConn, r *request, body []byte, now int64) {
	var resp wire.APIVersionsResponse
	if err := resp.Decode(body, r.version); err != nil {
		s.dropConnection(c, fmt.Errorf("decoding ApiVersions response: %w", err), now)
		return
	}
	if resp.ErrorCode != 0 {
		if v, ok := resp.RetryVersion(); ok && v < r.version {
			s.sendAPIVersions(c, v, now)
			return
		}
		s.dropConnection(c, fmt.Errorf("ApiVersions: %w", wire.ErrorForCode(resp.ErrorCode)), now)
		return
	}
	required := []wire.APIKey{wire.APIKeyProduce, wire.APIKeyMetadata}
	if s.cfg.EnableIdempotence {
		required = append(required, wire.APIKeyInitProducerID)
	}
	if s.cfg.SecurityProtocol.usesSASL() {
		required = append(required, wire.APIKeySASLHandshake, wire.APIKeySASLAuthenticate)
	}
	versions, err := wire.Negotiate(resp.Keys, required...)
	if err != nil {
		s.log.Error("broker speaks no usable version", "node", c.node, "error", err)
		s.dropConnection(c, err, now)
		return
	}
	c.versions = versions
	if s.cfg.SecurityProtocol.usesSASL() {
		s.startSASL(c, now)
		return
	}
	s.connectionReady(c)
}

// connectionReady lets requests go on c.
func (s *sender) connectionReady(c *brokerConn) {
	c.state = connReady
	c.failures = 0
	s.log.Debug("connection ready", "node", c.node)
}

// onWritten handles a request fully handed to the kernel: an acks=0
// Produce is complete then.
func (s *sender) onWritten(c *brokerConn, corr int32, now int64) {
	for i, r := range c.answeredUnwritten {
		if r.correlation == corr {
			c.answeredUnwritten = slices.Delete(c.answeredUnwritten, i, i+1)
			s.recycle(r)
			return
		}
	}
	for _, r := range c.inFlight {
		if r.correlation != corr {
			continue
		}
		r.writtenNanos = now
		size := int64(0)
		for _, seg := range r.segments {
			size += int64(len(seg))
		}
		s.nodeMetrics(c).requestBytes.add(size, 1, size)
		if r.noResponse {
			c.take(corr)
			s.setInFlight(c)
			s.wakeHeldAfterAnswer(c)
			s.answer(r, now)
			for _, b := range r.batches {
				s.batchWritten(b, -1, -1)
			}
			s.answered()
			s.recycle(r)
		}
		return
	}
}

// onFrame matches a response to its request and dispatches it.
func (s *sender) onFrame(c *brokerConn, frame []byte, now int64) {
	m := s.nodeMetrics(c)
	m.responses.Add(1)
	m.responseBytes.Add(int64(4 + len(frame)))
	corr, err := wire.ReadCorrelationID(frame)
	if err != nil {
		s.dropConnection(c, err, now)
		return
	}
	r := c.take(corr)
	s.setInFlight(c)
	s.wakeHeldAfterAnswer(c)
	if r == nil {
		s.dropConnection(c, fmt.Errorf("response with correlation id %d matches no request", corr), now)
		return
	}
	_, body, err := wire.ReadResponseHeader(frame, r.key, r.version)
	if err != nil {
		c.inFlight = append([]*request{r}, c.inFlight...)
		s.dropConnection(c, err, now)
		return
	}
	switch r.key {
	case wire.APIKeyAPIVersions:
		s.onAPIVersions(c, r, body, now)
	case wire.APIKeySASLHandshake:
		s.onSASLHandshake(c, r, body, now)
	case wire.APIKeySASLAuthenticate:
		s.onSASLAuthenticate(c, r, body, now)
	case wire.APIKeyMetadata:
		s.onMetadata(c, r, body, now)
	case wire.APIKeyInitProducerID:
		s.idem.onResponse(s, r, body, now)
	case wire.APIKeyProduce:
		s.onProduce(c, r, body, now)
	}
	s.retire(c, r)
}

// retire recycles an answered request once the transport is done with its
// segments (see brokerConn.answeredUnwritten). Its batches are settled
// already: their bytes were all sealed into TLS records before the broker
// could answer, so only the segment list itself must stay as it was.
func (s *sender) retire(c *brokerConn, r *request) {
	if r.writtenNanos == 0 {
		c.answeredUnwritten = append(c.answeredUnwritten, r)
		return
	}
	s.recycle(r)
}

// recycleAnsweredUnwritten recycles the answered requests of c that the
// transport, having lost or closed the connection, no longer holds.
func (s *sender) recycleAnsweredUnwritten(c *brokerConn) {
	for _, r := range c.answeredUnwritten {
		s.recycle(r)
	}
	clear(c.answeredUnwritten)
	c.answeredUnwritten = c.answeredUnwritten[:0]
}

// dropConnection closes c on purpose (bad response, request timeout) and
// fails its in-flight requests as a lost connection would.
func (s *sender) dropConnection(c *brokerConn, cause error, now int64) {
	s.net.CloseConnection(int64(c.node))
	s.onDisconnected(c, cause, now)
}

// onDisconnected fails every request in flight on c with a retriable
// network error and asks for fresh metadata: the broker may be gone.
func (s *sender) onDisconnected(c *brokerConn, cause error, now int64) {
	c.sasl = nil
	c.reauthAtNanos, c.sessionLifetime = 0, 0
	var authErr error
	switch {
	case isAuthenticationFailure(cause):
		authErr = fmt.Errorf("%w: broker %d (%s): %w", ErrAuthentication, c.node, c.addr, cause)
	case c.state == connAuthenticating:
		// Brokers before 1.0, and some since, close the connection
		// rather than answer SASL_AUTHENTICATION_FAILED.
		authErr = fmt.Errorf("%w: broker %d (%s) closed the connection during %s authentication, as brokers do for wrong credentials: %w",
			ErrAuthentication, c.node, c.addr, s.cfg.SASLMechanism, cause)
	}
	if authErr != nil {
		s.meta.failAuthentication(authErr)
		s.failQueuedFor(c.node, authErr)
	}
	if c.state == connReady || c.state == connHandshake || c.state == connAuthenticating {
		s.log.Info("disconnected", "node", c.node, "address", c.addr, "error", cause)
	} else {
		s.log.Debug("connect failed", "node", c.node, "address", c.addr, "error", cause)
	}
	s.markDown(c, now)
	s.wakeHeld(&c.held)
	s.recycleAnsweredUnwritten(c)
	inFlight := c.inFlight
	c.inFlight = nil
	s.setInFlight(c)
	err := fmt.Errorf("%w: connection to broker %d (%s) lost: %w", wire.ErrNetworkException, c.node, c.addr, cause)
	for _, r := range inFlight {
		s.abandon(r, err, now)
	}
	s.meta.requestRefresh()
}

// abandon settles a request that will get no answer.
func (s *sender) abandon(r *request, err error, now int64) {
	switch r.key {
	case wire.APIKeyMetadata:
		s.metadataInFlight = false
	case wire.APIKeyInitProducerID:
		s.idem.onFailure(s, err, now)
	case wire.APIKeyProduce:
		for _, b := range r.batches {
			// The broker may still act on this copy (a request it read
			// before the connection went is handled all the same).
			b.lostCopy = true
			b.part.staleUntil = max(b.part.staleUntil, now+int64(s.cfg.RequestTimeout))
			s.batchFailed(b, err, now)
		}
	}
	s.recycle(r)
}

// maintainConnections re-authenticates connections whose SASL session is
// due, and returns when the sender must next look at them (the earliest
// reconnect or re-authentication).
func (s *sender) maintainConnections(now int64) int64 {
	next := now + int64(time.Hour)
	for _, c := range s.conns {
		next = min(next, s.maybeReauthenticate(c, now))
		if c.state == connDown && len(c.inFlight) == 0 && c.reconnectAtNanos > now {
			next = min(next, c.reconnectAtNanos)
		}
	}
	return next
}

// expireRequests closes connections whose oldest request has waited longer
// than request.timeout.ms, as Java's NetworkClient does; the requests are
// then retried like any lost to a broken connection.
func (s *sender) expireRequests(now int64) int64 {
	timeout := int64(s.cfg.RequestTimeout)
	next := now + timeout
	for _, c := range s.conns {
		if len(c.inFlight) == 0 {
			continue
		}
		oldest := c.inFlight[0].sentNanos
		if now-oldest >= timeout {
			s.dropConnection(c, fmt.Errorf("%w: no response within request.timeout.ms (%v)", ErrTimeout, s.cfg.RequestTimeout), now)
			continue
		}
		next = min(next, oldest+timeout)
	}
	return next
}

// anyReady returns the ready connection with the fewest requests in flight
// (Java's leastLoadedNode), starting a connection when none is ready.
func (s *sender) anyReady(now int64) *brokerConn {
	var best *brokerConn
	for _, c := range s.conns {
		if c.state == connReady && len(c.inFlight) < s.cfg.MaxInFlight && (best == nil || len(c.inFlight) < len(best.inFlight)) {
			best = c
		}
	}
	if best != nil {
		return best
	}
	for _, c := range s.conns {
		if c.state == connConnecting || c.state == connHandshake || c.state == connAuthenticating {
			return nil // one is on its way
		}
	}
	s.connectSomewhere(now)
	return nil
}

// connectSomewhere starts a connection to a known broker, or to a bootstrap
// server when none is known or all known ones failed. Known brokers that
// are up but have max.in.flight.requests.per.connection out are waited
// for, as Java's leastLoadedNode does: a bootstrap connection would only
// be closed again by the next metadata update.
func (s *sender) connectSomewhere(now int64) {
	snap := s.meta.snapshot.Load()
	up := false
	for id, addr := range snap.nodes {
		c := s.conn(id, addr)
		if c.state != connDown {
			up = true
			continue
		}
		if now >= c.reconnectAtNanos {
			s.connect(c, now)
			return
		}
	}
	if up {
		return
	}
	for i, addr := range s.cfg.BootstrapServers {
		if c := s.conn(int32(-1-i), addr); c.state == connDown && now >= c.reconnectAtNanos {
			s.connect(c, now)
			return
		}
	}
}
