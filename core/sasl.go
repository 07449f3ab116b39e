package core

import (
	"context"
	"errors"
	"fmt"

	"github.com/xdg-go/scram"
)

// saslSession is one connection's run of a SASL mechanism: next takes the
// broker's last token (nil at the start) and returns the client's next one,
// or done once the broker's last token completes the exchange.
type saslSession interface {
	next(challenge []byte) (response []byte, done bool, err error)
}

// newSASLSession starts cfg's mechanism for one connection.
func newSASLSession(ctx context.Context, cfg *Config) (saslSession, error) {
	switch cfg.SASLMechanism {
	case SASLPlain:
		user, password := cfg.saslCredentials()
		return &plainSession{token: []byte("\x00" + user + "\x00" + password)}, nil
	case SASLScramSHA256, SASLScramSHA512:
		hash := scram.SHA256
		if cfg.SASLMechanism == SASLScramSHA512 {
			hash = scram.SHA512
		}
		user, password := cfg.saslCredentials()
		client, err := hash.NewClient(user, password, "")
		if err != nil {
			// The library's message names the step (SASLprep), not the
			// credentials.
			return nil, fmt.Errorf("%w: preparing %s credentials: %w", ErrAuthentication, cfg.SASLMechanism, err)
		}
		return &scramSession{conversation: client.NewConversation()}, nil
	case SASLOAuthBearer:
		token, err := cfg.SASLTokenProvider(ctx)
		if err != nil {
			return nil, fmt.Errorf("%w: the OAUTHBEARER token provider failed: %w", ErrAuthentication, err)
		}
		// RFC 7628's initial client response, without an authorization id.
		return &plainSession{token: []byte("n,,\x01auth=Bearer " + token + "\x01\x01")}, nil
	}
	return nil, fmt.Errorf("%w: sasl.mechanism %s is not supported", ErrInvalidConfig, cfg.SASLMechanism)
}

// plainSession sends one token and is done at the broker's answer: PLAIN
// (RFC 4616) and OAUTHBEARER's initial response.
type plainSession struct {
	token []byte
	sent  bool
}

func (p *plainSession) next([]byte) ([]byte, bool, error) {
	if p.sent {
		return nil, true, nil
	}
	p.sent = true
	return p.token, false, nil
}

// scramSession runs SCRAM's client side (RFC 5802, RFC 7677) with
// github.com/xdg-go/scram: client-first, client-final, then the server's
// signature checked.
type scramSession struct {
	conversation *scram.ClientConversation
}

func (s *scramSession) next(challenge []byte) ([]byte, bool, error) {
	if s.conversation.Done() {
		return nil, true, nil
	}
	out, err := s.conversation.Step(string(challenge))
	if err != nil {
		return nil, false, fmt.Errorf("%w: SCRAM: %w", ErrAuthentication, err)
	}
	if s.conversation.Done() {
		if !s.conversation.Valid() {
			return nil, false, fmt.Errorf("%w: SCRAM: the broker's signature does not match", ErrAuthentication)
		}
		return nil, true, nil
	}
	return []byte(out), false, nil
}

// errNoSASLSession is an answer to a SaslAuthenticate on a connection that
// is not authenticating.
var errNoSASLSession = errors.New("SaslAuthenticate response on a connection that is not authenticating")
