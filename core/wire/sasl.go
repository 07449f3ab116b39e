package wire

// SASLHandshakeRequest names the SASL mechanism a connection will
// authenticate with (SaslHandshake, key 17, v1: the tokens then travel in
// SaslAuthenticate requests, KIP-152).
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

// SASLAuthenticateRequest carries one token of the mechanism's exchange
// (SaslAuthenticate, key 36, v0-v2).
type SASLAuthenticateRequest struct {
	AuthBytes []byte
}

// APIKey returns APIKeySASLAuthenticate.
func (*SASLAuthenticateRequest) APIKey() APIKey { return APIKeySASLAuthenticate }

func (q *SASLAuthenticateRequest) appendBody(dst []byte, version int16) []byte {
	flexible := IsFlexible(APIKeySASLAuthenticate, version)
	dst = appendLenAs(dst, len(q.AuthBytes), flexible)
	dst = append(dst, q.AuthBytes...)
	return appendTagsAs(dst, flexible)
}

// SASLAuthenticateResponse carries the broker's token, or why it refused.
type SASLAuthenticateResponse struct {
	ErrorCode    int16
	ErrorMessage *string
	// AuthBytes aliases the decoded body.
	AuthBytes []byte
	// SessionLifetimeMillis (v1+) is how long the session may last before
	// the client must authenticate again (KIP-368); 0 means no limit.
	SessionLifetimeMillis int64
}

// Err returns the response's error as a *KafkaError, or nil.
func (p *SASLAuthenticateResponse) Err() error { return ErrorForCode(p.ErrorCode) }

// Decode reads the body of a response to a SaslAuthenticate request sent at
// version.
func (p *SASLAuthenticateResponse) Decode(body []byte, version int16) error {
	if err := checkVersion(APIKeySASLAuthenticate, version); err != nil {
		return err
	}
	flexible := IsFlexible(APIKeySASLAuthenticate, version)
	r := NewReader(body)
	p.ErrorCode = r.Int16("SaslAuthenticateResponse.ErrorCode")
	r.NullableStringInto("SaslAuthenticateResponse.ErrorMessage", flexible, &p.ErrorMessage)
	p.AuthBytes = r.bytes("SaslAuthenticateResponse.AuthBytes", flexible)
	p.SessionLifetimeMillis = 0
	if version >= 1 {
		p.SessionLifetimeMillis = r.Int64("SaslAuthenticateResponse.SessionLifetimeMs")
	}
	if flexible {
		r.SkipTaggedFields("SaslAuthenticateResponse.TaggedFields")
	}
	return r.Err()
}

// bytes reads a BYTES (COMPACT_BYTES when flexible) field without copying.
func (r *Reader) bytes(field string, flexible bool) []byte {
	var n int
	if flexible {
		n = int(r.Uvarint(field)) - 1
	} else {
		n = int(r.Int32(field))
	}
	if r.failKind != nil {
		return nil
	}
	if n < 0 || n > r.Remaining() {
		r.Fail(field, ErrInvalidLength)
		return nil
	}
	return r.take(field, n)
}
