package wire

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func strp(s string) *string { return &s }

func topicID(b byte) (id [16]byte) {
	for i := range id {
		id[i] = b + byte(i)
	}
	return id
}

// produceRequestCases are the requests every Produce version is checked with.
func produceRequestCases() map[string]ProduceRequest {
	many := ProduceTopic{Name: "many", ID: topicID(3)}
	for p := range int32(100) {
		many.Partitions = append(many.Partitions, ProducePartition{Partition: p, Records: bytes.Repeat([]byte{byte(p)}, int(p%7)+1)})
	}
	return map[string]ProduceRequest{
		"no topics": {Acks: -1, TimeoutMillis: 30000},
		"transactional": {
			TransactionalID: strp("txn-1"), Acks: -1, TimeoutMillis: 1500,
			Topics: []ProduceTopic{{Name: "a", ID: topicID(1), Partitions: []ProducePartition{{Partition: 0, Records: []byte("batch-a0")}}}},
		},
		"null and empty records": {
			Acks: 1, TimeoutMillis: 10,
			Topics: []ProduceTopic{
				{Name: "n", ID: topicID(2), Partitions: []ProducePartition{{Partition: 4, Records: nil}, {Partition: 5, Records: []byte{}}}},
				{Name: "no partitions", ID: topicID(9)},
			},
		},
		"many partitions": {Acks: -1, TimeoutMillis: 30000, Topics: []ProduceTopic{many}},
	}
}

func checkProduceRequest(t *testing.T, version int16, want *ProduceRequest, body []byte) {
	t.Helper()
	got := kmsg.NewPtrProduceRequest()
	got.SetVersion(version)
	if err := got.ReadFrom(body); err != nil {
		t.Fatalf("kmsg ReadFrom: %v", err)
	}
	if (got.TransactionID == nil) != (want.TransactionalID == nil) || got.TransactionID != nil && *got.TransactionID != *want.TransactionalID {
		t.Errorf("transactional id = %v, want %v", got.TransactionID, want.TransactionalID)
	}
	if got.Acks != want.Acks || got.TimeoutMillis != want.TimeoutMillis {
		t.Errorf("acks, timeout = %d, %d; want %d, %d", got.Acks, got.TimeoutMillis, want.Acks, want.TimeoutMillis)
	}
	if len(got.Topics) != len(want.Topics) {
		t.Fatalf("%d topics, want %d", len(got.Topics), len(want.Topics))
	}
	for i, gt := range got.Topics {
		wt := want.Topics[i]
		if version >= 13 && gt.TopicID != wt.ID || version < 13 && gt.Topic != wt.Name {
			t.Errorf("topic %d = %q %x, want %q %x", i, gt.Topic, gt.TopicID, wt.Name, wt.ID)
		}
		if len(gt.Partitions) != len(wt.Partitions) {
			t.Fatalf("topic %d: %d partitions, want %d", i, len(gt.Partitions), len(wt.Partitions))
		}
		for j, gp := range gt.Partitions {
			wp := wt.Partitions[j]
			if gp.Partition != wp.Partition || !bytes.Equal(gp.Records, wp.Records) || (gp.Records == nil) != (wp.Records == nil) {
				t.Errorf("topic %d partition %d = %d %q, want %d %q", i, j, gp.Partition, gp.Records, wp.Partition, wp.Records)
			}
		}
	}
}

func TestProduceRequestMatchesKmsg(t *testing.T) {
	for name, req := range produceRequestCases() {
		for _, v := range allVersions(APIKeyProduce) {
			t.Run(fmt.Sprintf("%s/v%d", name, v), func(t *testing.T) {
				checkProduceRequest(t, v, &req, encodeRequest(t, &req, v))

				scratch, segs, err := req.AppendSegments(nil, nil, v, 7+int32(v), testClientID)
				if err != nil {
					t.Fatal(err)
				}
				frame := bytes.Join(segs, nil)
				whole, _ := AppendRequest(nil, &req, v, 7+int32(v), testClientID)
				if !bytes.Equal(frame, whole) {
					t.Fatalf("segments join to\n%x\nAppendRequest gives\n%x", frame, whole)
				}
				checkProduceRequest(t, v, &req, requestBody(t, frame, APIKeyProduce, v, 7+int32(v)))
				if len(scratch) > len(frame) {
					t.Errorf("scratch holds %d bytes, more than the %d-byte frame", len(scratch), len(frame))
				}
			})
		}
	}
}

// TestProduceSegmentsAliasRecords checks that each partition's records are
// a segment of their own, the caller's slice itself.
func TestProduceSegmentsAliasRecords(t *testing.T) {
	req := produceRequestCases()["many partitions"]
	_, segs, err := req.AppendSegments(make([]byte, 0, 16), [][]byte{[]byte("earlier")}, 9, 1, testClientID)
	if err != nil {
		t.Fatal(err)
	}
	if string(segs[0]) != "earlier" {
		t.Fatalf("segment appended before the call was changed: %q", segs[0])
	}
	found := 0
	for _, s := range segs[1:] {
		for _, p := range req.Topics[0].Partitions {
			if len(s) > 0 && &s[0] == &p.Records[0] && len(s) == len(p.Records) {
				found++
			}
		}
	}
	if found != len(req.Topics[0].Partitions) {
		t.Fatalf("%d partitions' records travel as their own slice, want %d", found, len(req.Topics[0].Partitions))
	}
	if _, _, err := req.AppendSegments(nil, nil, 2, 1, testClientID); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("v2: err = %v, want ErrUnsupportedVersion", err)
	}
}

// kmsgProduceResponse builds the response every Produce version is checked
// with, including unknown tagged fields at each level that has them.
func kmsgProduceResponse(version int16, partitions int) *kmsg.ProduceResponse {
	resp := kmsg.NewPtrProduceResponse()
	resp.SetVersion(version)
	resp.ThrottleMillis = 12
	for ti, name := range []string{"alpha", "beta"} {
		t := kmsg.NewProduceResponseTopic()
		t.Topic = name
		t.TopicID = topicID(byte(ti + 1))
		for p := range partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition = int32(p)
			sp.BaseOffset = int64(1000*ti + p)
			sp.LogAppendTime = int64(p) - 1
			sp.LogStartOffset = int64(p * 3)
			if p%3 == 1 {
				sp.ErrorCode = ErrInvalidRecord.Code
				sp.ErrorMessage = strp("bad record")
				sp.ErrorRecords = []kmsg.ProduceResponseTopicPartitionErrorRecord{{RelativeOffset: 2, ErrorMessage: strp("key is null")}, {RelativeOffset: 5}}
			}
			if p%3 == 2 {
				sp.ErrorCode = ErrNotLeaderOrFollower.Code
				sp.CurrentLeader.LeaderID = 3
				sp.CurrentLeader.LeaderEpoch = 17
				sp.CurrentLeader.UnknownTags.Set(9, []byte{1})
			}
			sp.UnknownTags.Set(31, []byte("partition-tag"))
			t.Partitions = append(t.Partitions, sp)
		}
		t.UnknownTags.Set(30, []byte("topic-tag"))
		resp.Topics = append(resp.Topics, t)
	}
	resp.Brokers = []kmsg.ProduceResponseBroker{{NodeID: 3, Host: "b3.example", Port: 9093, Rack: strp("r1")}, {NodeID: 4, Host: "b4", Port: 9094}}
	resp.UnknownTags.Set(40, []byte("top-tag"))
	return resp
}

func checkProduceResponse(t *testing.T, version int16, want *kmsg.ProduceResponse, got *ProduceResponse) {
	t.Helper()
	wantThrottle := want.ThrottleMillis
	if got.ThrottleMillis != wantThrottle {
		t.Errorf("throttle = %d, want %d", got.ThrottleMillis, wantThrottle)
	}
	if len(got.Topics) != len(want.Topics) {
		t.Fatalf("%d topics, want %d", len(got.Topics), len(want.Topics))
	}
	for i, wt := range want.Topics {
		gt := &got.Topics[i]
		if version >= 13 && gt.ID != wt.TopicID || version < 13 && gt.Name != wt.Topic {
			t.Errorf("topic %d = %q %x", i, gt.Name, gt.ID)
		}
		if len(gt.Partitions) != len(wt.Partitions) {
			t.Fatalf("topic %d: %d partitions, want %d", i, len(gt.Partitions), len(wt.Partitions))
		}
		for j, wp := range wt.Partitions {
			gp := &gt.Partitions[j]
			wantLSO, wantLeader := int64(-1), LeaderIDAndEpoch{-1, -1}
			if version >= 5 {
				wantLSO = wp.LogStartOffset
			}
			if version >= 10 {
				wantLeader = LeaderIDAndEpoch{wp.CurrentLeader.LeaderID, wp.CurrentLeader.LeaderEpoch}
			}
			if gp.Partition != wp.Partition || gp.ErrorCode != wp.ErrorCode || gp.BaseOffset != wp.BaseOffset ||
				gp.LogAppendTime != wp.LogAppendTime || gp.LogStartOffset != wantLSO || gp.CurrentLeader != wantLeader {
				t.Errorf("topic %d partition %d = %+v, want %+v (log start %d, leader %v)", i, j, *gp, wp, wantLSO, wantLeader)
			}
			if version < 8 {
				if len(gp.RecordErrors) != 0 || gp.ErrorMessage != nil {
					t.Errorf("v%d has record errors %v, message %v", version, gp.RecordErrors, gp.ErrorMessage)
				}
				continue
			}
			if !equalStrp(gp.ErrorMessage, wp.ErrorMessage) || len(gp.RecordErrors) != len(wp.ErrorRecords) {
				t.Fatalf("topic %d partition %d: message %v, %d record errors; want %v, %d", i, j, gp.ErrorMessage, len(gp.RecordErrors), wp.ErrorMessage, len(wp.ErrorRecords))
			}
			for k, we := range wp.ErrorRecords {
				if ge := gp.RecordErrors[k]; ge.BatchIndex != we.RelativeOffset || !equalStrp(ge.Message, we.ErrorMessage) {
					t.Errorf("record error %d = %d %v, want %d %v", k, ge.BatchIndex, ge.Message, we.RelativeOffset, we.ErrorMessage)
				}
			}
		}
	}
	wantEndpoints := want.Brokers
	if version < 10 {
		wantEndpoints = nil
	}
	if len(got.NodeEndpoints) != len(wantEndpoints) {
		t.Fatalf("%d node endpoints, want %d", len(got.NodeEndpoints), len(wantEndpoints))
	}
	for i, wb := range wantEndpoints {
		if gb := got.NodeEndpoints[i]; gb.NodeID != wb.NodeID || gb.Host != wb.Host || gb.Port != wb.Port || !equalStrp(gb.Rack, wb.Rack) {
			t.Errorf("endpoint %d = %+v, want %+v", i, gb, wb)
		}
	}
}

func equalStrp(a, b *string) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func TestProduceResponseMatchesKmsg(t *testing.T) {
	for _, partitions := range []int{0, 1, 16} {
		for _, v := range allVersions(APIKeyProduce) {
			t.Run(fmt.Sprintf("%dp/v%d", partitions, v), func(t *testing.T) {
				want := kmsgProduceResponse(v, partitions)
				var got ProduceResponse
				corr, err := readResponse(responseFrame(APIKeyProduce, v, 5, want.AppendTo(nil)), APIKeyProduce, v, &got)
				if err != nil || corr != 5 {
					t.Fatalf("readResponse: corr %d, %v", corr, err)
				}
				checkProduceResponse(t, v, want, &got)

				// Decoding again into the same value gives the same content.
				if err := got.Decode(want.AppendTo(nil), v); err != nil {
					t.Fatal(err)
				}
				checkProduceResponse(t, v, want, &got)
			})
		}
	}
}

func TestProduceResponseReuseShrinks(t *testing.T) {
	var got ProduceResponse
	big, small := kmsgProduceResponse(11, 16), kmsgProduceResponse(11, 1)
	small.Brokers = nil
	for _, want := range []*kmsg.ProduceResponse{big, small, big} {
		if err := got.Decode(want.AppendTo(nil), 11); err != nil {
			t.Fatal(err)
		}
		checkProduceResponse(t, 11, want, &got)
	}
}

func TestProducePartitionErr(t *testing.T) {
	p := ProducePartitionResponse{ErrorCode: 6}
	if !errors.Is(p.Err(), ErrNotLeaderOrFollower) || !IsRetriable(p.Err()) {
		t.Fatalf("Err() = %v, want retriable ErrNotLeaderOrFollower", p.Err())
	}
	p.ErrorCode = 0
	if p.Err() != nil {
		t.Fatalf("Err() = %v for code 0", p.Err())
	}
}
