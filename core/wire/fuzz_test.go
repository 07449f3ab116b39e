package wire

import (
	"bytes"
	"errors"
	"reflect"
	"runtime"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// decodeAllocBound is how many heap bytes decoding len input bytes may take:
// linear in the input, so a forged count cannot make the decoder allocate
// what the bytes do not carry. The constant covers the error value and what
// other goroutines of the test binary allocate meanwhile.
func decodeAllocBound(n int) uint64 { return 64*uint64(n) + 1<<20 }

// fuzzResponse fuzzes the decoder of one response type: it must not panic,
// must allocate within decodeAllocBound, and when it succeeds, decoding the
// same bytes into a value already holding another answer must give the same
// content as decoding into a zero value.
func fuzzResponse[T any, PT interface {
	*T
	responseDecoder
}](f *testing.F, seeds map[int16][]kmsg.Response) {
	var key APIKey
	for v, rs := range seeds {
		for _, r := range rs {
			body := r.AppendTo(nil)
			key = APIKey(r.Key())
			f.Add(v, body)
			f.Add(v, body[:len(body)/2])
		}
	}
	versions, _ := Supported(key)
	var first kmsg.Response
	for _, rs := range seeds {
		first = rs[len(rs)-1]
	}
	f.Fuzz(func(t *testing.T, version int16, body []byte) {
		v := versions.Min + int16(uint16(version)%uint16(versions.Max-versions.Min+1))
		var fresh T
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		err := PT(&fresh).Decode(body, v)
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > decodeAllocBound(len(body)) {
			t.Fatalf("v%d: decoding %d bytes allocated %d", v, len(body), got)
		}
		if err != nil {
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrInvalidLength) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("v%d: error %v wraps no decoding sentinel", v, err)
			}
			return
		}
		var reused T
		first.SetVersion(v)
		if err := PT(&reused).Decode(first.AppendTo(nil), v); err != nil {
			t.Fatalf("seed at v%d: %v", v, err)
		}
		if err := PT(&reused).Decode(body, v); err != nil {
			t.Fatalf("v%d: decodes into a zero value but not into a used one: %v", v, err)
		}
		if !sameContent(reflect.ValueOf(fresh), reflect.ValueOf(reused)) {
			t.Fatalf("v%d: reused value holds\n%+v\nfresh value holds\n%+v", v, reused, fresh)
		}
	})
}

// sameContent compares two decoded values, taking nil and empty slices as
// equal and comparing pointers by what they point at.
func sameContent(a, b reflect.Value) bool {
	switch a.Kind() {
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := range a.Len() {
			if !sameContent(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return sameContent(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := range a.NumField() {
			if !sameContent(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	default:
		return a.Equal(b)
	}
}

func FuzzProduceResponse(f *testing.F) {
	seeds := map[int16][]kmsg.Response{}
	for _, v := range []int16{3, 5, 8, 9, 10, 13} {
		seeds[v] = []kmsg.Response{kmsgProduceResponse(v, 0), kmsgProduceResponse(v, 3)}
	}
	fuzzResponse[ProduceResponse](f, seeds)
}

func FuzzMetadataResponse(f *testing.F) {
	seeds := map[int16][]kmsg.Response{}
	for _, v := range []int16{4, 7, 9, 10, 12, 13} {
		seeds[v] = []kmsg.Response{kmsgMetadataResponse(v, 0, 0), kmsgMetadataResponse(v, 2, 3)}
	}
	fuzzResponse[MetadataResponse](f, seeds)
}

func FuzzAPIVersionsResponse(f *testing.F) {
	seeds := map[int16][]kmsg.Response{}
	for _, v := range []int16{0, 1, 3, 4} {
		seeds[v] = []kmsg.Response{kmsgAPIVersionsResponse(v, 0), kmsgAPIVersionsResponse(v, 5)}
	}
	fallback := kmsg.NewPtrApiVersionsResponse()
	fallback.ErrorCode = 35
	fallback.ApiKeys = []kmsg.ApiVersionsResponseApiKey{{ApiKey: 18, MaxVersion: 2}}
	seeds[4] = append(seeds[4], fallback)
	fuzzResponse[APIVersionsResponse](f, seeds)
}

func FuzzInitProducerIDResponse(f *testing.F) {
	seeds := map[int16][]kmsg.Response{}
	for _, v := range []int16{0, 1, 2, 5} {
		r := kmsg.NewPtrInitProducerIDResponse()
		r.SetVersion(v)
		r.ProducerID, r.ProducerEpoch = 77, 2
		seeds[v] = []kmsg.Response{r}
	}
	fuzzResponse[InitProducerIDResponse](f, seeds)
}

func FuzzSASLHandshakeResponse(f *testing.F) {
	r := kmsg.NewPtrSASLHandshakeResponse()
	r.SetVersion(1)
	r.SupportedMechanisms = []string{"PLAIN", "SCRAM-SHA-512"}
	fuzzResponse[SASLHandshakeResponse](f, map[int16][]kmsg.Response{1: {r}})
}

func FuzzSASLAuthenticateResponse(f *testing.F) {
	seeds := map[int16][]kmsg.Response{}
	for _, v := range []int16{0, 1, 2} {
		message := "denied"
		r := kmsg.NewPtrSASLAuthenticateResponse()
		r.SetVersion(v)
		r.ErrorCode, r.ErrorMessage, r.SASLAuthBytes, r.SessionLifetimeMillis = 58, &message, []byte("r=nonce,s=salt,i=4096"), 60000
		seeds[v] = []kmsg.Response{r}
	}
	fuzzResponse[SASLAuthenticateResponse](f, seeds)
}

// FuzzResponseHeader fuzzes frame sizes and response headers of every
// header version.
func FuzzResponseHeader(f *testing.F) {
	f.Add(int16(0), int16(9), responseFrame(APIKeyProduce, 9, 3, []byte{1, 2}))
	f.Add(int16(0), int16(8), responseFrame(APIKeyProduce, 8, 3, nil))
	f.Add(int16(18), int16(3), responseFrame(APIKeyAPIVersions, 3, -1, []byte{0}))
	f.Fuzz(func(t *testing.T, key, version int16, frame []byte) {
		id, idErr := ReadCorrelationID(frame)
		corr, body, err := ReadResponseHeader(frame, APIKey(key), version)
		if err != nil {
			return
		}
		if idErr != nil || id != corr {
			t.Fatalf("ReadCorrelationID = %d, %v; header says %d", id, idErr, corr)
		}
		if len(body) > len(frame)-4 || corr != int32(uint32(frame[0])<<24|uint32(frame[1])<<16|uint32(frame[2])<<8|uint32(frame[3])) {
			t.Fatalf("corr %d, %d-byte body from %d-byte frame", corr, len(body), len(frame))
		}
	})
}

// FuzzProduceRequestSegments builds Produce requests of fuzzed shape and
// checks that the segments join to the frame AppendRequest writes and that
// kmsg reads back what was encoded.
func FuzzProduceRequestSegments(f *testing.F) {
	f.Add(int16(9), uint8(2), []byte("abcdefghijklmnopqrstuvwxyz0123456789"))
	f.Add(int16(3), uint8(0), []byte{})
	f.Add(int16(13), uint8(255), bytes.Repeat([]byte{0xff}, 300))
	f.Fuzz(func(t *testing.T, version int16, shape uint8, data []byte) {
		versions, _ := Supported(APIKeyProduce)
		v := versions.Min + int16(uint16(version)%uint16(versions.Max-versions.Min+1))
		req := ProduceRequest{Acks: int16(shape%3) - 1, TimeoutMillis: int32(len(data))}
		if shape&0x80 != 0 {
			req.TransactionalID = strp(string(data[:min(len(data), 5)]))
		}
		for ti := range int(shape>>2)%4 + 1 {
			topic := ProduceTopic{Name: string(data[:min(len(data), ti)]), ID: topicID(byte(ti))}
			for pi := range int(shape) % 6 {
				n := int(shape) * (pi + 1) % (len(data) + 1)
				var records []byte
				if (pi+ti)%4 != 3 {
					records = data[:n]
				}
				topic.Partitions = append(topic.Partitions, ProducePartition{Partition: int32(pi), Records: records})
			}
			req.Topics = append(req.Topics, topic)
		}
		_, segs, err := req.AppendSegments(nil, nil, v, 1, testClientID)
		if err != nil {
			t.Fatal(err)
		}
		frame := bytes.Join(segs, nil)
		whole, _ := AppendRequest(nil, &req, v, 1, testClientID)
		if !bytes.Equal(frame, whole) {
			t.Fatalf("v%d: segments and AppendRequest differ", v)
		}
		body := frame[FrameSizeLen+10+len(testClientID):]
		if IsFlexible(APIKeyProduce, v) {
			body = body[1:]
		}
		checkProduceRequest(t, v, &req, body)
	})
}

// FuzzReader drives every Reader method in a fuzzed order over fuzzed
// bytes: no panic, the offset never passes the end, and once a read fails
// the failure stays the first one.
func FuzzReader(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, kmsgProduceResponse(11, 2).AppendTo(nil))
	f.Add([]byte{9, 9, 12, 13}, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x01})
	f.Fuzz(func(t *testing.T, ops, src []byte) {
		r := NewReader(src)
		var firstErr error
		var s string
		var ns *string
		var ints []int32
		for _, op := range ops {
			flexible := op&0x80 != 0
			switch op & 0x7f % 14 {
			case 0:
				r.Int8("op")
			case 1:
				r.Bool("op")
			case 2:
				r.Int16("op")
			case 3:
				r.Int32("op")
			case 4:
				r.Int64("op")
			case 5:
				r.UUID("op")
			case 6:
				r.Uvarint("op")
			case 7:
				r.StringInto("op", flexible, &s)
			case 8:
				r.NullableStringInto("op", flexible, &ns)
			case 9:
				ints = r.Int32sInto("op", flexible, ints)
			case 10:
				r.ArrayLen("op", flexible, int(op>>5))
			case 11:
				r.SkipTaggedFields("op")
			case 12:
				if r.TaggedFieldCount("op") > 0 {
					_, v := r.TaggedField("op")
					v.Int32("inner")
					r.Adopt(&v)
				}
			case 13:
				r.StringBytes("op", flexible)
			}
			if r.Remaining() < 0 || r.Remaining() > len(src) {
				t.Fatalf("remaining %d of %d", r.Remaining(), len(src))
			}
			if firstErr != nil && r.Err() != firstErr {
				t.Fatalf("failure changed from %v to %v", firstErr, r.Err())
			}
			if firstErr == nil && r.Err() != nil {
				firstErr = r.Err()
				if r.Remaining() != 0 {
					t.Fatal("a failed reader still has bytes to read")
				}
			}
		}
	})
}
