package wire

// SASL authentication: SaslHandshake (key 17, v0-v1) picks the mechanism;
// from v1 on, the mechanism's tokens then travel in SaslAuthenticate
// requests (key 36, v0-v2) instead of as raw frames.

// SASLHandshakeRequest names the SASL mechanism the client wants.
type SASLHandshakeRequest struct {
	Mechanism string
}

// APIKey returns APIKeySASLHandshake.
func (*SASLHandshakeRequest) APIKey() APIKey { return APIKeySASLHandshake }

func (q *SASLHandshakeRequest) appendBody(dst []byte, _ int16) []byte {
	return AppendString(dst, q.Mechanism)
}

// SASLHandshakeResponse says whether the broker accepts the mechanism, and
// which ones it enables.
type SASLHandshakeResponse struct {
	ErrorCode  int16
	Mechanisms []string
}

// APIKey returns APIKeySASLHandshake.
func (*SASLHandshakeResponse) APIKey() APIKey { return APIKeySASLHandshake }

// Err returns the response's error as a *KafkaError, or nil.
func (p *SASLHandshakeResponse) Err() error { return ErrorForCode(p.ErrorCode) }

// Decode reads the body of a response to a SaslHandshake request sent at
// version.
func (p *SASLHandshakeResponse) Decode(body []byte, version int16) error {
	if err := checkVersion(APIKeySASLHandshake, version); err != nil {
		return err
	}
	r := NewReader(body)
	p.ErrorCode = r.Int16("SaslHandshakeResponse.ErrorCode")
	n := r.ArrayLen("SaslHandshakeResponse.Mechanisms", false, 2)
	p.Mechanisms = resize(p.Mechanisms, max(n, 0))
	for i := range p.Mechanisms {
		r.StringInto("SaslHandshakeResponse.Mechanisms", false, &p.Mechanisms[i])
	}
	return r.Err()
}

// SASLAuthenticateRequest carries one token of the SASL exchange.
type SASLAuthenticateRequest struct {
	AuthBytes []byte
}

// APIKey returns APIKeySASLAuthenticate.
func (*SASLAuthenticateRequest) APIKey() APIKey { return APIKeySASLAuthenticate }

func (q *SASLAuthenticateRequest) appendBody(dst []byte, version int16) []byte {
	flexible := version >= 2
	dst = appendBytesAs(dst, q.AuthBytes, flexible)
	return appendTagsAs(dst, flexible)
}

// SASLAuthenticateResponse carries the broker's token, or why it refused.
type SASLAuthenticateResponse struct {
	ErrorCode    int16
	ErrorMessage *string
	// AuthBytes is a copy the response owns, reused by the next Decode.
	AuthBytes []byte
	// SessionLifetimeMillis (v1+) is how long the broker keeps the
	// session before the client must authenticate again; 0 for no limit.
	SessionLifetimeMillis int64
}

// APIKey returns APIKeySASLAuthenticate.
func (*SASLAuthenticateResponse) APIKey() APIKey { return APIKeySASLAuthenticate }

// Err returns the response's error as a *KafkaError, or nil.
func (p *SASLAuthenticateResponse) Err() error { return ErrorForCode(p.ErrorCode) }

// Decode reads the body of a response to a SaslAuthenticate request sent at
// version.
func (p *SASLAuthenticateResponse) Decode(body []byte, version int16) error {
	if err := checkVersion(APIKeySASLAuthenticate, version); err != nil {
		return err
	}
	flexible := version >= 2
	r := NewReader(body)
	p.ErrorCode = r.Int16("SaslAuthenticateResponse.ErrorCode")
	r.NullableStringInto("SaslAuthenticateResponse.ErrorMessage", flexible, &p.ErrorMessage)
	r.BytesInto("SaslAuthenticateResponse.AuthBytes", flexible, &p.AuthBytes)
	p.SessionLifetimeMillis = 0
	if version >= 1 {
		p.SessionLifetimeMillis = r.Int64("SaslAuthenticateResponse.SessionLifetimeMs")
	}
	if flexible {
		r.SkipTaggedFields("SaslAuthenticateResponse.TaggedFields")
	}
	return r.Err()
}
