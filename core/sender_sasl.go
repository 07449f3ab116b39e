package core

import (
	"context"
	"errors"
	"fmt"

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
		s.meta.failAuthentication(nil)
		s.log.Debug("authenticated", "node", c.node, "mechanism", s.cfg.SASLMechanism)
		s.connectionReady(c)
		return
	}
	v, _ := c.versions.Version(wire.APIKeySASLAuthenticate)
	r := s.newRequest(wire.APIKeySASLAuthenticate, v)
	s.send(c, r, &wire.SASLAuthenticateRequest{AuthBytes: token}, now)
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
