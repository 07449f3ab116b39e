package wire

// APIVersionsRequest asks a broker which versions of which APIs it speaks
// (ApiVersions, key 18). It is the first request on every connection.
type APIVersionsRequest struct {
	// ClientSoftwareName and ClientSoftwareVersion (v3+) identify the
	// client in broker metrics. Brokers reject values outside
	// [a-zA-Z0-9](?:[a-zA-Z0-9\-.]*[a-zA-Z0-9])? with INVALID_REQUEST.
	ClientSoftwareName    string
	ClientSoftwareVersion string
}

// APIKey returns APIKeyAPIVersions.
func (*APIVersionsRequest) APIKey() APIKey { return APIKeyAPIVersions }

func (q *APIVersionsRequest) appendBody(dst []byte, version int16) []byte {
	flexible := IsFlexible(APIKeyAPIVersions, version)
	if version >= 3 {
		dst = appendStringAs(dst, q.ClientSoftwareName, flexible)
		dst = appendStringAs(dst, q.ClientSoftwareVersion, flexible)
	}
	return appendTagsAs(dst, flexible)
}

// APIVersionsKey is one API a broker speaks and the versions it speaks of
// it.
type APIVersionsKey struct {
	Key      APIKey
	Versions VersionRange
}

// APIVersionsResponse is a broker's answer to ApiVersions. The supported and
// finalized feature tags (v3+) are skipped: a producer does not act on them.
type APIVersionsResponse struct {
	ErrorCode int16
	Keys      []APIVersionsKey
	// ThrottleMillis (v1+) is how long the broker throttles this client.
	ThrottleMillis int32
	// DecodedVersion is the version the body was read at. It is 0, whatever
	// version was asked, when the broker did not speak that version and
	// answered UNSUPPORTED_VERSION in the v0 format listing the ApiVersions
	// versions it does speak (KIP-511); see RetryVersion.
	DecodedVersion int16
}

// Decode reads an ApiVersions response to a request sent at version. A
// broker that does not speak that version answers UNSUPPORTED_VERSION with a
// v0 body; Decode reads such an answer as v0 and says so in DecodedVersion.
func (p *APIVersionsResponse) Decode(body []byte, version int16) error {
	if err := checkVersion(APIKeyAPIVersions, version); err != nil {
		return err
	}
	if version > 0 && len(body) >= 2 && int16(body[0])<<8|int16(body[1]) == ErrBrokerUnsupportedVersion.Code {
		if p.decodeAt(body, 0) == nil {
			return nil
		}
	}
	return p.decodeAt(body, version)
}

func (p *APIVersionsResponse) decodeAt(body []byte, version int16) error {
	flexible := IsFlexible(APIKeyAPIVersions, version)
	r := NewReader(body)
	p.DecodedVersion = version
	p.ErrorCode = r.Int16("ApiVersionsResponse.ErrorCode")
	// key, min, max, and a tagged-field section when flexible
	n := r.ArrayLen("ApiVersionsResponse.ApiKeys", flexible, 6)
	p.Keys = resize(p.Keys, max(n, 0))
	for i := range p.Keys {
		k := &p.Keys[i]
		k.Key = APIKey(r.Int16("ApiVersionsResponse.ApiKeys.ApiKey"))
		k.Versions.Min = r.Int16("ApiVersionsResponse.ApiKeys.MinVersion")
		k.Versions.Max = r.Int16("ApiVersionsResponse.ApiKeys.MaxVersion")
		if flexible {
			r.SkipTaggedFields("ApiVersionsResponse.ApiKeys.TaggedFields")
		}
	}
	p.ThrottleMillis = 0
	if version >= 1 {
		p.ThrottleMillis = r.Int32("ApiVersionsResponse.ThrottleTimeMs")
	}
	if flexible {
		r.SkipTaggedFields("ApiVersionsResponse.TaggedFields")
	}
	return r.Err()
}

// Versions returns the versions the broker lists for key.
func (p *APIVersionsResponse) Versions(key APIKey) (VersionRange, bool) {
	for _, k := range p.Keys {
		if k.Key == key {
			return k.Versions, true
		}
	}
	return VersionRange{}, false
}

// RetryVersion returns the ApiVersions version to ask again with when the
// broker answered UNSUPPORTED_VERSION: the highest it lists that this
// package implements. ok is false when the answer was not
// UNSUPPORTED_VERSION or names no version both sides speak. A broker that
// does not list ApiVersions at all is asked again at v0, which every broker
// speaks.
func (p *APIVersionsResponse) RetryVersion() (version int16, ok bool) {
	if p.ErrorCode != ErrBrokerUnsupportedVersion.Code {
		return 0, false
	}
	theirs, listed := p.Versions(APIKeyAPIVersions)
	if !listed {
		return 0, true
	}
	ours, _ := Supported(APIKeyAPIVersions)
	return highestCommon(ours, theirs)
}
