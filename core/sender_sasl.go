package core

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/perfproducer/perfproducer/netpoll"
)

// SASL runs per connection after ApiVersions, as Java's
// SaslClientAuthenticator does: SaslHandshake names the mechanism, then
// SaslAuthenticate requests carry its tokens until the broker accepts
// them; only then do other requests go on the connection.

func (s *sender) startSASL(c *brokerConn, now int64) {
	c.state = connAuthenticating
	v, _ := c.versions.Version(wire.APIKeySASLHandshake)
	r := s.newRequest(wire.APIKeySASLHandshake, v)
	s.send(c, r, &wire.SASLHandshakeRequest{Mechanism: s.cfg.SASLMechanism}, now)
}

func (s *sender) onSASLHandshake(c *brokerConn, r *request, body []byte, now int64) {
	var resp wire.SASLHandshakeResponse
	if err := resp.Decode(body, r.version); err != nil {
		s.dropConnection(c, fmt.Errorf("decoding SaslHandshake response: %w", err), now)
		return
	}
	if err := resp.Err(); err != nil {
		s.authenticationFailed(c, fmt.Errorf("%w: sasl.mechanism %s (the broker enables %v): %w", ErrAuthentication, s.cfg.SASLMechanism, resp.Mechanisms, err), now)
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	session, err := newSASLSession(ctx, s.cfg)
	if err != nil {
		s.authenticationFailed(c, err, now)
		return
	}
	c.sasl = session
	s.stepSASL(c, nil, now)
}

func (s *sender) onSASLAuthenticate(c *brokerConn, r *request, body []byte, now int64) {
	var resp wire.SASLAuthenticateResponse
	if err := resp.Decode(body, r.version); err != nil {
		s.dropConnection(c, fmt.Errorf("decoding SaslAuthenticate response: %w", err), now)
		return
	}
	if err := resp.Err(); err != nil {
		msg := ""
		if resp.ErrorMessage != nil {
			msg = " (" + *resp.ErrorMessage + ")"
		}
		s.authenticationFailed(c, fmt.Errorf("%w: %s as the configured user%s: %w", ErrAuthentication, s.cfg.SASLMechanism, msg, err), now)
		return
	}
	if c.sasl == nil {
		s.dropConnection(c, errNoSASLSession, now)
		return
	}
	c.sessionLifetime = time.Duration(resp.SessionLifetimeMillis) * time.Millisecond
	s.stepSASL(c, resp.AuthBytes, now)
}

// stepSASL sends the mechanism's answer to the broker's token, or makes c
// ready once the exchange is done.
func (s *sender) stepSASL(c *brokerConn, challenge []byte, now int64) {
	token, done, err := c.sasl.next(challenge)
	if err != nil {
		s.authenticationFailed(c, err, now)
		return
	}
	if done {
		c.sasl = nil
		c.reauthAtNanos = 0
		if c.sessionLifetime > 0 {
			c.reauthAtNanos = now + int64(reauthenticationDelay(c.sessionLifetime, rand.Float64()))
		}
		s.meta.failAuthentication(nil)
		s.log.Debug("authenticated", "node", c.node, "mechanism", s.cfg.SASLMechanism, "session_lifetime", c.sessionLifetime)
		s.connectionReady(c)
		return
	}
	v, _ := c.versions.Version(wire.APIKeySASLAuthenticate)
	r := s.newRequest(wire.APIKeySASLAuthenticate, v)
	s.send(c, r, &wire.SASLAuthenticateRequest{AuthBytes: token}, now)
}

// Re-authentication (KIP-368): a broker with connections.max.reauth.ms
// set grants each SASL session a lifetime and closes a connection whose
// session expired at its next request. The producer re-authenticates on
// the same connection before then, as Java's client does: it stops giving
// the connection new requests, sends SaslHandshake and SaslAuthenticate
// again behind the requests in flight (a broker answers a connection's
// requests in order, and their answers are handled as they come), and
// lets requests go again once the broker accepts. A refusal is an
// authentication failure like the first one.

// reauthenticationDelay is when to re-authenticate a session of the given
// lifetime: between 85% and 95% of it, spread by r in [0, 1), the window
// Java's SaslClientAuthenticator uses (0.85 for latency and clock drift,
// 0.10 of jitter so a client's connections do not all re-authenticate at
// once).
func reauthenticationDelay(lifetime time.Duration, r float64) time.Duration {
	return time.Duration(float64(lifetime) * (0.85 + 0.10*r))
}

// maybeReauthenticate starts re-authenticating c when its session is due;
// it returns when c next needs a look.
func (s *sender) maybeReauthenticate(c *brokerConn, now int64) int64 {
	if c.state != connReady || c.reauthAtNanos == 0 {
		return now + int64(time.Hour)
	}
	if now < c.reauthAtNanos {
		return c.reauthAtNanos
	}
	c.reauthAtNanos = 0
	s.log.Debug("re-authenticating", "node", c.node, "session_lifetime", c.sessionLifetime, "in_flight", len(c.inFlight))
	s.startSASL(c, now)
	return now + int64(time.Hour)
}

// authenticationFailed closes c: Sends waiting for metadata fail with err
// at once, and c is tried again after reconnect backoff.
func (s *sender) authenticationFailed(c *brokerConn, err error, now int64) {
	s.log.Error("authentication failed", "node", c.node, "address", c.addr, "error", err)
	s.dropConnection(c, err, now)
}

// isAuthenticationFailure reports whether a connection was lost to a
// failed authentication rather than to the network: SASL refused, or a TLS
// handshake that ended in an error other than a timeout.
func isAuthenticationFailure(cause error) bool {
	if errors.Is(cause, ErrAuthentication) {
		return true
	}
	return errors.Is(cause, netpoll.ErrTLSHandshake) && !errors.Is(cause, context.DeadlineExceeded)
}

// failQueuedFor fails the batches queued for node, whose authentication
// just failed, with err. Java's idempotent producer makes an
// authentication failure fatal and aborts every batch with it
// (TransactionManager.authenticationFailed, Sender.maybeAbortBatches);
// here only the batches bound for the broker that refused fail, and the
// producer keeps trying it, so a certificate or credential fixed on the
// broker side heals the producer. Batches still open on their partition's
// chain, and those in flight elsewhere, are left to their own outcome.
func (s *sender) failQueuedFor(node int32, err error) {
	s.endAllRoomWaits()
	snap := s.meta.snapshot.Load()
	for _, p := range s.active {
		if len(p.queue) > 0 && p.leader(snap) == node {
			s.failQueued(p, err)
		}
	}
}
