package stream

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// responseFrames returns real Kafka response frames (size prefix, correlation
// id, body), as a broker sends them.
func responseFrames() []byte {
	var out []byte
	produce := kmsg.NewPtrProduceResponse()
	produce.Version = 9
	topic := kmsg.NewProduceResponseTopic()
	topic.Topic = "events"
	partition := kmsg.NewProduceResponseTopicPartition()
	partition.BaseOffset = 123456
	topic.Partitions = append(topic.Partitions, partition)
	produce.Topics = append(produce.Topics, topic)
	versions := kmsg.NewPtrApiVersionsResponse()
	versions.Version = 3
	versions.ApiKeys = append(versions.ApiKeys, kmsg.ApiVersionsResponseApiKey{ApiKey: 0, MaxVersion: 11})
	for i, body := range [][]byte{produce.AppendTo(nil), versions.AppendTo(nil)} {
		payload := binary.BigEndian.AppendUint32(nil, uint32(i+1))
		payload = append(payload, body...)
		out = append(out, frame(payload)...)
	}
	return out
}

// frame returns payload with its int32 size prefix.
func frame(payload []byte) []byte {
	out := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	return append(out, payload...)
}

// referenceFrames splits data into frames the obvious way, with the error
// the first invalid size prefix causes.
func referenceFrames(data []byte, maxSize int32) ([][]byte, error) {
	var frames [][]byte
	for len(data) >= 4 {
		size := int32(binary.BigEndian.Uint32(data))
		switch {
		case size < 0:
			return frames, ErrNegativeFrameSize
		case size > maxSize:
			return frames, ErrFrameTooLarge
		case len(data) < 4+int(size):
			return frames, nil
		}
		frames = append(frames, data[4:4+size])
		data = data[4+size:]
	}
	return frames, nil
}

// readFrames feeds data to a FrameReader in reads of at most chunk bytes,
// releasing every releaseEvery reads as Polls do, starting from a buffer of
// initial bytes so growth is exercised.
func readFrames(data []byte, maxSize int32, initial, chunk, releaseEvery int) ([][]byte, error) {
	r := FrameReader{buf: make([]byte, initial), max: maxSize}
	var frames [][]byte
	for reads := 1; len(data) > 0; reads++ {
		p := r.Space()
		if len(p) == 0 {
			r.Release()
			continue
		}
		n := copy(p[:min(len(p), chunk)], data)
		data = data[n:]
		r.Filled(n)
		for {
			f, ok, err := r.Next()
			if err != nil {
				return frames, err
			}
			if !ok {
				break
			}
			frames = append(frames, bytes.Clone(f))
		}
		if reads%releaseEvery == 0 {
			r.Release()
		}
	}
	return frames, nil
}

func checkFrames(t *testing.T, data []byte, maxSize int32, initial, chunk, releaseEvery int) {
	t.Helper()
	want, wantErr := referenceFrames(data, maxSize)
	got, err := readFrames(data, maxSize, initial, chunk, releaseEvery)
	if !errors.Is(err, wantErr) || (wantErr == nil && err != nil) {
		t.Fatalf("err = %v, want %v", err, wantErr)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d frames, want %d", len(got), len(want))
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("frame %d = %x, want %x", i, got[i], want[i])
		}
	}
}

func TestFrameReader(t *testing.T) {
	big := frame(bytes.Repeat([]byte("x"), 5000))
	for _, tc := range []struct {
		name                         string
		data                         []byte
		initial, chunk, releaseEvery int
	}{
		{"responses in one read", responseFrames(), 16 << 10, 1 << 20, 1},
		{"responses byte by byte", responseFrames(), 16, 1, 3},
		{"frame larger than the buffer", big, 16, 700, 2},
		{"empty frames", append(frame(nil), frame(nil)...), 8, 3, 1},
		{"too large after a good frame", append(responseFrames(), frame(make([]byte, 6000))...), 64, 50, 1},
		{"negative size", []byte{0xff, 0xff, 0xff, 0xfe, 1, 2}, 64, 2, 1},
		{"prefix cut short", []byte{0, 0}, 64, 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			checkFrames(t, tc.data, 5500, tc.initial, tc.chunk, tc.releaseEvery)
		})
	}
}

func FuzzFrameReader(f *testing.F) {
	f.Add(responseFrames(), uint8(7), uint16(13), uint8(2))
	f.Add(frame(bytes.Repeat([]byte{1}, 3000)), uint8(1), uint16(512), uint8(1))
	f.Add([]byte{0x80, 0, 0, 0}, uint8(4), uint16(4), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, initial uint8, chunk uint16, releaseEvery uint8) {
		checkFrames(t, data, 4096, max(int(initial), 4), max(int(chunk), 1), max(int(releaseEvery), 1))
	})
}

// TestFrameReaderLost checks what a peer's close costs: nothing after whole
// frames, the bytes of an unfinished frame otherwise.
func TestFrameReaderLost(t *testing.T) {
	for _, tc := range []struct {
		name string
		data []byte
		want string // empty: no loss
	}{
		{"nothing read", nil, ""},
		{"whole frames", append(frame([]byte("ab")), frame(nil)...), ""},
		{"half a prefix", []byte{0, 0}, "2 bytes of an unfinished frame were lost"},
		{"a frame cut short", append(frame([]byte("ab")), frame([]byte("cdef"))[:6]...), "6 bytes of an unfinished frame were lost"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := NewFrameReader(1 << 10)
			r.Filled(copy(r.Space(), tc.data))
			for {
				if _, ok, err := r.Next(); err != nil || !ok {
					break
				}
			}
			err := r.Lost()
			if tc.want == "" {
				if err != nil || r.Partial() {
					t.Errorf("Lost = %v, Partial = %v; want no loss", err, r.Partial())
				}
				return
			}
			if err == nil || err.Error() != tc.want || !r.Partial() {
				t.Errorf("Lost = %v, Partial = %v; want %q", err, r.Partial(), tc.want)
			}
		})
	}
}
