package wire

import (
	"fmt"
	"strconv"
)

// APIKey names a Kafka request type.
type APIKey int16

// The APIs a producer speaks.
const (
	APIKeyProduce          APIKey = 0
	APIKeyMetadata         APIKey = 3
	APIKeySASLHandshake    APIKey = 17
	APIKeyAPIVersions      APIKey = 18
	APIKeyInitProducerID   APIKey = 22
	APIKeySASLAuthenticate APIKey = 36
)

// VersionRange is an inclusive range of versions of one API.
type VersionRange struct {
	Min, Max int16
}

// Contains reports whether v lies in the range.
func (r VersionRange) Contains(v int16) bool { return r.Min <= v && v <= r.Max }

// apiSpec is what this package implements of one API.
type apiSpec struct {
	// name is Kafka's name for the API; "" for an API this package does
	// not implement.
	name     string
	versions VersionRange
	// flexibleFrom is the first version using compact encodings and tagged
	// fields (request header v2, response header v1): the "flexibleVersions"
	// of the API's message definitions in Kafka's
	// clients/src/main/resources/common/message. Every API here has one.
	flexibleFrom int16
}

// apiSpecs holds, at each API key, the implemented versions, and why they
// stop where they do:
//
//   - Produce 3-13: v3 is the first version carrying RecordBatch v2 (the
//     only format this producer writes) and the transactional id; v9 turns
//     flexible; v10 adds the current leader and node endpoints as tagged
//     fields; v13 (KIP-516) names topics by id. 13 is the newest kmsg and
//     kfake know.
//   - Metadata 4-13: v4 adds allow_auto_topic_creation, without which the
//     broker's choice cannot be expressed; v7 adds leader epochs, v9 turns
//     flexible, v10 topic ids, v12 nullable topic names, v13 (KIP-1102) a
//     top-level error code.
//   - ApiVersions 0-4: v3 sends the client software name and version and
//     turns flexible. v5 (KIP-1242) only adds the cluster and node the client
//     expects, for rebootstrapping, which this producer does not do yet.
//   - InitProducerId 0-5: v2 turns flexible, v3 lets a producer bump its
//     epoch, v4-v5 only widen the errors the broker may answer with.
var apiSpecs = [...]apiSpec{
	APIKeyProduce:        {"Produce", VersionRange{3, 13}, 9},
	APIKeyMetadata:       {"Metadata", VersionRange{4, 13}, 9},
	APIKeyAPIVersions:    {"ApiVersions", VersionRange{0, 4}, 3},
	APIKeyInitProducerID: {"InitProducerId", VersionRange{0, 5}, 2},
	// SaslHandshake v0 is the pre-KIP-152 exchange, whose tokens travel
	// without Kafka framing; v1 announces SaslAuthenticate.
	APIKeySASLHandshake: {"SaslHandshake", VersionRange{1, 1}, neverFlexible},
	// SaslAuthenticate v1 adds the session lifetime (KIP-368).
	APIKeySASLAuthenticate: {"SaslAuthenticate", VersionRange{0, 2}, 2},
}

// maxAPIKey is the largest key this package implements.
const maxAPIKey = APIKey(len(apiSpecs) - 1)

func specOf(key APIKey) (*apiSpec, bool) {
	if key < 0 || key > maxAPIKey || apiSpecs[key].name == "" {
		return nil, false
	}
	return &apiSpecs[key], true
}

// String returns the API's name as Kafka spells it, or its number.
func (k APIKey) String() string {
	if s, ok := specOf(k); ok {
		return s.name
	}
	return "ApiKey(" + strconv.Itoa(int(k)) + ")"
}

// Supported returns the versions of key this package can encode and decode.
func Supported(key APIKey) (VersionRange, bool) {
	s, ok := specOf(key)
	if !ok {
		return VersionRange{}, false
	}
	return s.versions, true
}

// IsFlexible reports whether version of key uses the flexible encoding.
func IsFlexible(key APIKey, version int16) bool {
	s, ok := specOf(key)
	return ok && version >= s.flexibleFrom
}

// checkVersion fails with ErrUnsupportedVersion unless this package
// implements version of key.
func checkVersion(key APIKey, version int16) error {
	if s, ok := specOf(key); ok && s.versions.Contains(version) {
		return nil
	}
	return fmt.Errorf("%w: %v v%d", ErrUnsupportedVersion, key, version)
}

// neverFlexible is the flexibleFrom of an API that has no flexible version
// (SaslHandshake).
const neverFlexible = 1<<15 - 1
