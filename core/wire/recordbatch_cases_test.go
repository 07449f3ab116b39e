package wire

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"
)

// testRecord is a record as a caller hands it to BatchBuilder.Append.
type testRecord struct {
	timestamp int64
	key       []byte
	value     []byte
	headers   []Header
}

type batchCase struct {
	name    string
	base    int64
	records []testRecord
}

var allCodecs = []Codec{CodecNone, CodecGzip, CodecSnappy, CodecLZ4, CodecZstd}

const testBase = 1_700_000_000_000

// realisticValue is a JSON-ish payload of about size bytes: repetitive
// field names, varying numbers, as producers tend to send.
func realisticValue(rng *rand.Rand, i, size int) []byte {
	var b bytes.Buffer
	for b.Len() < size {
		fmt.Fprintf(&b, `{"id":%d,"user":"u%05d","amount":%d.%02d,"ok":%t}`,
			i, rng.IntN(100000), rng.IntN(10000), rng.IntN(100), rng.IntN(2) == 0)
	}
	return b.Bytes()[:size]
}

// batchCases are the record sets every codec is checked with.
func batchCases() []batchCase {
	rng := rand.New(rand.NewPCG(1, 2))
	many := make([]testRecord, 500)
	for i := range many {
		many[i] = testRecord{
			timestamp: testBase + int64(i/10),
			key:       fmt.Appendf(nil, "key-%d", i%37),
			value:     realisticValue(rng, i, 100),
		}
	}
	withHeaders := make([]testRecord, 20)
	for i := range withHeaders {
		hs := []Header{
			{Key: "trace", Value: fmt.Appendf(nil, "t-%d", i)},
			{Key: "null-value", Value: nil},
			{Key: "empty-value", Value: []byte{}},
			{Key: "", Value: []byte("empty key")},
		}
		withHeaders[i] = testRecord{timestamp: testBase + int64(i), key: []byte("k"), value: realisticValue(rng, i, 60), headers: hs[:i%5]}
	}
	large := make([]byte, 1<<20)
	for i := range large {
		// Half random, half repeated: neither trivial nor incompressible.
		if i%2 == 0 {
			large[i] = byte(rng.IntN(256))
		} else {
			large[i] = 'x'
		}
	}
	return []batchCase{
		{name: "no records", base: testBase},
		{name: "one record", base: testBase, records: []testRecord{{timestamp: testBase, key: []byte("k"), value: []byte("v")}}},
		{name: "many records", base: testBase, records: many},
		{name: "headers", base: testBase, records: withHeaders},
		{name: "nil keys and values", base: testBase, records: []testRecord{
			{timestamp: testBase, key: nil, value: []byte("v")},
			{timestamp: testBase, key: []byte("k"), value: nil},
			{timestamp: testBase, key: nil, value: nil},
		}},
		{name: "empty keys and values", base: testBase, records: []testRecord{
			{timestamp: testBase, key: []byte{}, value: []byte{}},
			{timestamp: testBase + 1, key: nil, value: []byte{}},
		}},
		{name: "large value", base: testBase, records: []testRecord{
			{timestamp: testBase, key: []byte("big"), value: large},
			{timestamp: testBase + 5, key: []byte("small"), value: []byte("after")},
		}},
		{name: "negative timestamp deltas", base: testBase, records: []testRecord{
			{timestamp: testBase, value: []byte("a")},
			{timestamp: testBase - 1, value: []byte("b")},
			{timestamp: testBase - 1_000_000_000, value: []byte("c")},
			{timestamp: testBase + 1_000_000_000, value: []byte("d")},
		}},
	}
}

// producerHeader is what a producer without idempotence seals with.
func producerHeader() BatchHeader {
	return BatchHeader{
		PartitionLeaderEpoch: NoPartitionLeaderEpoch,
		ProducerID:           NoProducerID,
		ProducerEpoch:        NoProducerEpoch,
		BaseSequence:         NoSequence,
	}
}

// buildBatch builds c's records into a sealed batch compressed with codec,
// through the public API only.
func buildBatch(t testing.TB, c batchCase, codec Codec) []byte {
	t.Helper()
	size := BatchHeaderSize
	for i, r := range c.records {
		size += recordSize(int32(i), r.timestamp-c.base, r.key, r.value, r.headers)
	}
	var b BatchBuilder
	b.Reset(make([]byte, size), c.base)
	for _, r := range c.records {
		if err := b.Append(r.timestamp, r.key, r.value, r.headers); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
	if b.Size() != size {
		t.Fatalf("batch size %d, predicted %d", b.Size(), size)
	}
	if codec == CodecNone {
		batch, err := b.Seal(producerHeader())
		if err != nil {
			t.Fatalf("seal: %v", err)
		}
		return batch
	}
	comp, err := NewCompressor(codec, codec.DefaultLevel())
	if err != nil {
		t.Fatalf("compressor: %v", err)
	}
	batch, err := comp.CompressBatch(make([]byte, 2*size+4096), b.Records(), b.Complete(producerHeader()))
	if err != nil {
		t.Fatalf("compress: %v", err)
	}
	return batch
}

// checkRecord compares one decoded record, in any decoder's terms, with what
// was appended as the index-th record of c.
func checkRecord(t testing.TB, c batchCase, index int, offsetDelta int32, timestampDelta int64, key, value []byte, headers []Header) {
	t.Helper()
	want := c.records[index]
	if offsetDelta != int32(index) {
		t.Errorf("record %d: offset delta %d", index, offsetDelta)
	}
	if timestampDelta != want.timestamp-c.base {
		t.Errorf("record %d: timestamp delta %d, want %d", index, timestampDelta, want.timestamp-c.base)
	}
	checkBytes(t, fmt.Sprintf("record %d key", index), key, want.key)
	checkBytes(t, fmt.Sprintf("record %d value", index), value, want.value)
	if len(headers) != len(want.headers) {
		t.Fatalf("record %d: %d headers, want %d", index, len(headers), len(want.headers))
	}
	for j, h := range headers {
		if h.Key != want.headers[j].Key {
			t.Errorf("record %d header %d: key %q, want %q", index, j, h.Key, want.headers[j].Key)
		}
		checkBytes(t, fmt.Sprintf("record %d header %d value", index, j), h.Value, want.headers[j].Value)
	}
}

// checkBytes compares byte strings, telling null from empty.
func checkBytes(t testing.TB, what string, got, want []byte) {
	t.Helper()
	if (got == nil) != (want == nil) || !bytes.Equal(got, want) {
		t.Errorf("%s: got %s, want %s", what, describe(got), describe(want))
	}
}

func describe(b []byte) string {
	switch {
	case b == nil:
		return "null"
	case len(b) > 32:
		return fmt.Sprintf("%d bytes %q...", len(b), b[:32])
	}
	return fmt.Sprintf("%q", b)
}
