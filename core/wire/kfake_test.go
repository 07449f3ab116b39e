package wire

import (
	"context"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"io"
	"net"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/kversion"
)

// brokerConn is a plain connection speaking this package's encodings.
type brokerConn struct {
	t    *testing.T
	conn net.Conn
	corr int32
	buf  []byte
}

func dialBroker(t *testing.T, addr string) *brokerConn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	return &brokerConn{t: t, conn: conn}
}

// send writes segments as one writev and reads the answer, to version of
// key, into into.
func (b *brokerConn) send(segs [][]byte, key APIKey, version int16, into responseDecoder) {
	b.t.Helper()
	bufs := net.Buffers(segs)
	if _, err := bufs.WriteTo(b.conn); err != nil {
		b.t.Fatal(err)
	}
	b.buf = append(b.buf[:0], 0, 0, 0, 0)
	if _, err := io.ReadFull(b.conn, b.buf); err != nil {
		b.t.Fatal(err)
	}
	n := int32(binary.BigEndian.Uint32(b.buf))
	if n < 0 {
		b.t.Fatalf("frame size %d", n)
	}
	b.buf = append(b.buf[:0], make([]byte, n)...)
	if _, err := io.ReadFull(b.conn, b.buf); err != nil {
		b.t.Fatal(err)
	}
	corr, err := readResponse(b.buf, key, version, into)
	if err != nil {
		b.t.Fatalf("%v v%d: %v", key, version, err)
	}
	if corr != b.corr {
		b.t.Fatalf("correlation id %d, want %d", corr, b.corr)
	}
}

func (b *brokerConn) roundTrip(req RequestBody, version int16, into responseDecoder) {
	b.t.Helper()
	b.corr++
	frame, err := AppendRequest(nil, req, version, b.corr, "wire-e2e")
	if err != nil {
		b.t.Fatal(err)
	}
	b.send([][]byte{frame}, req.APIKey(), version, into)
}

func (b *brokerConn) produce(req *ProduceRequest, version int16, into *ProduceResponse) {
	b.t.Helper()
	b.corr++
	_, segs, err := req.AppendSegments(nil, nil, version, b.corr, "wire-e2e")
	if err != nil {
		b.t.Fatal(err)
	}
	b.send(segs, APIKeyProduce, version, into)
}

// kfakeProduceBatch builds a RecordBatch v2 of n records with kmsg, CRC32C included.
func kfakeProduceBatch(n int, producerID int64, epoch int16, firstSeq int32) []byte {
	var records []byte
	for i := range n {
		r := kmsg.Record{OffsetDelta: int32(i), Key: []byte{byte('k' + i)}, Value: []byte("value")}
		r.Length = int32(len(r.AppendTo(nil)) - 1)
		records = r.AppendTo(records)
	}
	now := time.Now().UnixMilli()
	b := kmsg.RecordBatch{
		PartitionLeaderEpoch: -1, Magic: 2, LastOffsetDelta: int32(n - 1),
		FirstTimestamp: now, MaxTimestamp: now,
		ProducerID: producerID, ProducerEpoch: epoch, FirstSequence: firstSeq,
		NumRecords: int32(n), Records: records,
	}
	raw := b.AppendTo(nil)
	b.Length = int32(len(raw) - 12)
	raw = b.AppendTo(nil)
	b.CRC = int32(crc32.Checksum(raw[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b.AppendTo(nil)
}

func TestAgainstKfake(t *testing.T) {
	c := kafkatest.NewCluster(t, 1, "e2e", 2)
	b := dialBroker(t, c.ListenAddrs()[0])

	avMax, _ := Supported(APIKeyAPIVersions)
	var av APIVersionsResponse
	b.roundTrip(&APIVersionsRequest{ClientSoftwareName: "perfproducer", ClientSoftwareVersion: "0.0.1"}, avMax.Max, &av)
	if av.ErrorCode != 0 || av.DecodedVersion != avMax.Max {
		t.Fatalf("ApiVersions: %+v", av)
	}
	vs, err := Negotiate(av.Keys, APIKeyProduce, APIKeyMetadata, APIKeyInitProducerID)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[APIKey]int16{APIKeyProduce: 13, APIKeyMetadata: 13, APIKeyInitProducerID: 5} {
		if v, ok := vs.Version(key); !ok || v != want {
			t.Fatalf("%v negotiated v%d, %v; want v%d", key, v, ok, want)
		}
	}
	mv, _ := vs.Version(APIKeyMetadata)
	var md MetadataResponse
	b.roundTrip(&MetadataRequest{Topics: []string{"e2e", "missing"}}, mv, &md)
	if len(md.Brokers) != 1 || md.ClusterID == nil || len(md.Topics) != 2 {
		t.Fatalf("metadata: %+v", md)
	}
	var topic *MetadataTopic
	for i := range md.Topics {
		switch md.Topics[i].Name {
		case "e2e":
			topic = &md.Topics[i]
		case "missing":
			if !errors.Is(md.Topics[i].Err(), ErrUnknownTopicOrPartition) {
				t.Fatalf("missing topic: %v", md.Topics[i].Err())
			}
		}
	}
	if topic == nil || topic.Err() != nil || len(topic.Partitions) != 2 || topic.ID == [16]byte{} {
		t.Fatalf("topic e2e: %+v", topic)
	}
	for _, p := range topic.Partitions {
		if p.Leader != md.Brokers[0].NodeID || len(p.Replicas) != 1 || len(p.ISR) != 1 {
			t.Fatalf("partition: %+v", p)
		}
	}

	iv, _ := vs.Version(APIKeyInitProducerID)
	var pid InitProducerIDResponse
	b.roundTrip(&InitProducerIDRequest{TransactionTimeoutMillis: 60000, ProducerID: -1, ProducerEpoch: -1}, iv, &pid)
	if pid.Err() != nil || pid.ProducerID < 0 {
		t.Fatalf("InitProducerId: %+v", pid)
	}

	// An idempotent batch at the negotiated version, topic named by id.
	pv, _ := vs.Version(APIKeyProduce)
	var pr ProduceResponse
	req := ProduceRequest{Acks: -1, TimeoutMillis: 5000, Topics: []ProduceTopic{{
		Name: "e2e", ID: topic.ID,
		Partitions: []ProducePartition{{Partition: 0, Records: kfakeProduceBatch(3, pid.ProducerID, pid.ProducerEpoch, 0)}},
	}}}
	b.produce(&req, pv, &pr)
	if len(pr.Topics) != 1 || len(pr.Topics[0].Partitions) != 1 || pr.Topics[0].ID != topic.ID {
		t.Fatalf("produce response: %+v", pr)
	}
	if p := pr.Topics[0].Partitions[0]; p.Err() != nil || p.BaseOffset != 0 || p.LogStartOffset != 0 {
		t.Fatalf("partition 0: %+v (%v)", p, p.Err())
	}

	// Every Produce version, by name or by id, appends after the last.
	next := int64(0)
	for v := int16(3); v <= 13; v++ {
		req := ProduceRequest{Acks: 1, TimeoutMillis: 5000, Topics: []ProduceTopic{{
			Name: "e2e", ID: topic.ID,
			Partitions: []ProducePartition{{Partition: 1, Records: kfakeProduceBatch(2, -1, -1, -1)}},
		}}}
		b.produce(&req, v, &pr)
		p := pr.Topics[0].Partitions[0]
		if p.Err() != nil || p.Partition != 1 || p.BaseOffset != next {
			t.Fatalf("v%d: %+v (%v), want base offset %d", v, p, p.Err(), next)
		}
		next += 2
	}

	// Broker errors come back as codes this package maps.
	req = ProduceRequest{Acks: 1, TimeoutMillis: 5000, Topics: []ProduceTopic{{
		Name: "e2e", Partitions: []ProducePartition{{Partition: 7, Records: kfakeProduceBatch(1, -1, -1, -1)}},
	}}}
	b.produce(&req, 9, &pr)
	if err := pr.Topics[0].Partitions[0].Err(); !errors.Is(err, ErrUnknownTopicOrPartition) || !IsRetriable(err) {
		t.Fatalf("unknown partition: %v", err)
	}
	corrupt := kfakeProduceBatch(1, -1, -1, -1)
	corrupt[len(corrupt)-1] ^= 0xff
	req.Topics[0].Partitions = []ProducePartition{{Partition: 0, Records: corrupt}}
	b.produce(&req, 11, &pr)
	if err := pr.Topics[0].Partitions[0].Err(); !errors.Is(err, ErrCorruptMessage) {
		t.Fatalf("corrupt batch: %v", err)
	}
}

// TestKfakeAPIVersionsFallback runs KIP-511 against a broker capped at
// ApiVersions v2: asked at v4, it answers v0 UNSUPPORTED_VERSION, and the
// retry at the version it names succeeds.
func TestKfakeAPIVersionsFallback(t *testing.T) {
	capped := kversion.Stable()
	capped.SetMaxKeyVersion(int16(APIKeyAPIVersions), 2)
	c := kafkatest.NewCluster(t, 1, "versions", 1, kfake.MaxVersions(capped))
	b := dialBroker(t, c.ListenAddrs()[0])

	var av APIVersionsResponse
	b.roundTrip(&APIVersionsRequest{ClientSoftwareName: "perfproducer", ClientSoftwareVersion: "1"}, 4, &av)
	retry, ok := av.RetryVersion()
	if av.DecodedVersion != 0 || !errors.Is(ErrorForCode(av.ErrorCode), ErrBrokerUnsupportedVersion) || !ok || retry != 2 {
		t.Fatalf("first answer: %+v, retry v%d %v", av, retry, ok)
	}
	b.roundTrip(&APIVersionsRequest{}, retry, &av)
	if av.ErrorCode != 0 || av.DecodedVersion != 2 || len(av.Keys) < 5 {
		t.Fatalf("retry answer: %+v", av)
	}
	if _, err := Negotiate(av.Keys, APIKeyProduce, APIKeyMetadata); err != nil {
		t.Fatal(err)
	}
}
