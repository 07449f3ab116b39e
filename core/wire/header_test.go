package wire

import (
	"encoding/binary"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

const testClientID = "perfproducer-test"

// requestBody checks a request frame's size prefix and header field by field
// and returns its body.
func requestBody(t *testing.T, frame []byte, key APIKey, version int16, correlationID int32) []byte {
	t.Helper()
	if size := int(binary.BigEndian.Uint32(frame)); size != len(frame)-FrameSizeLen {
		t.Fatalf("frame size = %d; want %d", size, len(frame)-FrameSizeLen)
	}
	h := frame[FrameSizeLen:]
	if got := APIKey(binary.BigEndian.Uint16(h)); got != key {
		t.Fatalf("api key = %v, want %v", got, key)
	}
	if got := int16(binary.BigEndian.Uint16(h[2:])); got != version {
		t.Fatalf("api version = %d, want %d", got, version)
	}
	if got := int32(binary.BigEndian.Uint32(h[4:])); got != correlationID {
		t.Fatalf("correlation id = %d, want %d", got, correlationID)
	}
	n := int(binary.BigEndian.Uint16(h[8:]))
	if got := string(h[10 : 10+n]); got != testClientID {
		t.Fatalf("client id = %q, want %q", got, testClientID)
	}
	h = h[10+n:]
	if IsFlexible(key, version) {
		if h[0] != 0 {
			t.Fatalf("header tagged fields = %d, want 0", h[0])
		}
		h = h[1:]
	}
	return h
}

// encodeRequest frames body at version and returns the frame's body part.
func encodeRequest(t *testing.T, body RequestBody, version int16) []byte {
	t.Helper()
	frame, err := AppendRequest(nil, body, version, 7+int32(version), testClientID)
	if err != nil {
		t.Fatalf("AppendRequest v%d: %v", version, err)
	}
	return requestBody(t, frame, body.APIKey(), version, 7+int32(version))
}

// responseFrame wraps a kmsg response body in a response header (without the
// size prefix), with an unknown tagged field in the header when it has
// tagged fields.
func responseFrame(key APIKey, version int16, correlationID int32, body []byte) []byte {
	frame := AppendInt32(nil, correlationID)
	if ResponseHeaderVersion(key, version) >= 1 {
		frame = AppendUvarint(frame, 1)
		frame = appendTaggedField(frame, 42, []byte("future"))
	}
	return append(frame, body...)
}

// appendTaggedField appends one tagged field: its tag, its size and its
// bytes, as a broker newer than this package may send one.
func appendTaggedField(dst []byte, tag uint32, value []byte) []byte {
	dst = AppendUvarint(dst, tag)
	dst = AppendUvarint(dst, uint32(len(value)))
	return append(dst, value...)
}

// responseDecoder is a response message this package decodes.
type responseDecoder interface {
	Decode(body []byte, version int16) error
}

// readResponse reads a response frame (the bytes after the frame size) to
// version of key into into, as the producer's sender does, and returns its
// correlation id.
func readResponse(frame []byte, key APIKey, version int16, into responseDecoder) (int32, error) {
	corr, body, err := ReadResponseHeader(frame, key, version)
	if err != nil {
		return 0, err
	}
	return corr, into.Decode(body, version)
}

// allVersions lists every version of key this package implements.
func allVersions(key APIKey) []int16 {
	r, _ := Supported(key)
	var vs []int16
	for v := r.Min; v <= r.Max; v++ {
		vs = append(vs, v)
	}
	return vs
}

func TestHeaderVersions(t *testing.T) {
	cases := []struct {
		key                  APIKey
		version              int16
		request, response    int16
		kmsgFlexibleRequired bool
	}{
		{APIKeyProduce, 8, 1, 0, false},
		{APIKeyProduce, 9, 2, 1, true},
		{APIKeyMetadata, 9, 2, 1, true},
		{APIKeyAPIVersions, 2, 1, 0, false},
		{APIKeyAPIVersions, 3, 2, 0, true},
		{APIKeyInitProducerID, 1, 1, 0, false},
		{APIKeyInitProducerID, 2, 2, 1, true},
	}
	for _, c := range cases {
		if got := RequestHeaderVersion(c.key, c.version); got != c.request {
			t.Errorf("%v v%d request header = v%d, want v%d", c.key, c.version, got, c.request)
		}
		if got := ResponseHeaderVersion(c.key, c.version); got != c.response {
			t.Errorf("%v v%d response header = v%d, want v%d", c.key, c.version, got, c.response)
		}
		req := kmsg.RequestForKey(int16(c.key))
		req.SetVersion(c.version)
		if req.IsFlexible() != c.kmsgFlexibleRequired || IsFlexible(c.key, c.version) != c.kmsgFlexibleRequired {
			t.Errorf("%v v%d flexible: kmsg %v, ours %v, want %v", c.key, c.version, req.IsFlexible(), IsFlexible(c.key, c.version), c.kmsgFlexibleRequired)
		}
	}
}

func TestAppendRequestRejectsUnsupportedVersion(t *testing.T) {
	for _, c := range []struct {
		body    RequestBody
		version int16
	}{
		{&ProduceRequest{}, 2},
		{&ProduceRequest{}, 14},
		{&MetadataRequest{}, 3},
		{&APIVersionsRequest{}, 5},
		{&InitProducerIDRequest{}, -1},
	} {
		dst, err := AppendRequest([]byte("keep"), c.body, c.version, 1, testClientID)
		if !errors.Is(err, ErrUnsupportedVersion) || string(dst) != "keep" {
			t.Errorf("%v v%d: got %q, %v; want dst untouched and ErrUnsupportedVersion", c.body.APIKey(), c.version, dst, err)
		}
	}
}

func TestReadResponseHeader(t *testing.T) {
	body := []byte{9, 8, 7}
	for _, c := range []struct {
		key     APIKey
		version int16
	}{
		{APIKeyProduce, 8}, {APIKeyProduce, 9}, {APIKeyAPIVersions, 3}, {APIKeyMetadata, 12},
	} {
		frame := responseFrame(c.key, c.version, 99, body)
		corr, got, err := ReadResponseHeader(frame, c.key, c.version)
		if err != nil || corr != 99 || string(got) != string(body) {
			t.Errorf("%v v%d: corr %d body %v err %v", c.key, c.version, corr, got, err)
		}
	}
	if id, err := ReadCorrelationID(responseFrame(APIKeyProduce, 9, -7, body)); id != -7 || err != nil {
		t.Errorf("ReadCorrelationID = %d, %v; want -7", id, err)
	}
	if _, err := ReadCorrelationID([]byte{1}); !errors.Is(err, ErrTruncated) {
		t.Errorf("ReadCorrelationID of 1 byte: err = %v, want ErrTruncated", err)
	}
	if _, _, err := ReadResponseHeader([]byte{0, 0, 1}, APIKeyProduce, 3); !errors.Is(err, ErrTruncated) {
		t.Errorf("short header: err = %v, want ErrTruncated", err)
	}
}
