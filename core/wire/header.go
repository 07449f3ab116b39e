package wire

import (
	"encoding/binary"
)

// Every Kafka frame is an int32 size followed by that many bytes. A request
// frame holds a request header and a body, a response frame a response
// header and a body.
//
// Request header v1: api_key int16, api_version int16, correlation_id int32,
// client_id NULLABLE_STRING. v2, used by flexible request versions, adds a
// tagged-field section; its client_id keeps the int16 length.
//
// Response header v0: correlation_id int32. v1, used by flexible response
// versions, adds a tagged-field section. ApiVersions responses always use v0,
// because a client must be able to read the answer to a version it sent
// before it knows which versions the broker speaks.

// FrameSizeLen is the length of the int32 size that starts every frame.
const FrameSizeLen = 4

// RequestHeaderVersion returns the request header version for version of
// key: 2 when that version is flexible, else 1.
func RequestHeaderVersion(key APIKey, version int16) int16 {
	if IsFlexible(key, version) {
		return 2
	}
	return 1
}

// ResponseHeaderVersion returns the response header version for version of
// key: 1 when that version is flexible, else 0, and always 0 for
// ApiVersions.
func ResponseHeaderVersion(key APIKey, version int16) int16 {
	if key != APIKeyAPIVersions && IsFlexible(key, version) {
		return 1
	}
	return 0
}

// AppendRequestHeader appends the request header for version of key.
func AppendRequestHeader(dst []byte, key APIKey, version int16, correlationID int32, clientID string) []byte {
	dst = AppendInt16(dst, int16(key))
	dst = AppendInt16(dst, version)
	dst = AppendInt32(dst, correlationID)
	dst = AppendString(dst, clientID)
	if RequestHeaderVersion(key, version) >= 2 {
		dst = AppendEmptyTaggedFields(dst)
	}
	return dst
}

// RequestBody is a request message this package encodes.
type RequestBody interface {
	// APIKey is the API the message belongs to.
	APIKey() APIKey
	// appendBody appends the message at version, which the caller has
	// checked this package implements.
	appendBody(dst []byte, version int16) []byte
}

// AppendRequest appends one complete request frame (size, header, body) for
// body at version. It fails with ErrUnsupportedVersion, appending nothing,
// when this package does not implement that version.
func AppendRequest(dst []byte, body RequestBody, version int16, correlationID int32, clientID string) ([]byte, error) {
	key := body.APIKey()
	if err := checkVersion(key, version); err != nil {
		return dst, err
	}
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst = AppendRequestHeader(dst, key, version, correlationID, clientID)
	dst = body.appendBody(dst, version)
	binary.BigEndian.PutUint32(dst[start:], uint32(len(dst)-start-FrameSizeLen))
	return dst, nil
}

// ReadCorrelationID returns the correlation id that starts every response
// frame (the bytes after the frame size), which tells the caller which
// request, and so which API and version, the rest of the frame answers.
func ReadCorrelationID(frame []byte) (int32, error) {
	r := NewReader(frame)
	id := r.Int32("ResponseHeader.CorrelationID")
	return id, r.Err()
}

// ReadResponseHeader reads the header of a response to version of key from
// frame (the bytes after the frame size) and returns the correlation id and
// the body. Tagged fields in the header are skipped.
func ReadResponseHeader(frame []byte, key APIKey, version int16) (correlationID int32, body []byte, err error) {
	r := NewReader(frame)
	correlationID = r.Int32("ResponseHeader.CorrelationID")
	if ResponseHeaderVersion(key, version) >= 1 {
		r.SkipTaggedFields("ResponseHeader.TaggedFields")
	}
	if err := r.Err(); err != nil {
		return 0, nil, err
	}
	return correlationID, frame[r.off:], nil
}
