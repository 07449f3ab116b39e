package wire

import (
	"fmt"
	"slices"
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestMetadataRequestMatchesKmsg(t *testing.T) {
	cases := map[string]MetadataRequest{
		"all topics":   {Topics: nil, AllowAutoTopicCreation: true},
		"no topics":    {Topics: []string{}},
		"some topics":  {Topics: []string{"a", "bb", ""}, AllowAutoTopicCreation: false},
		"many topics":  {Topics: slices.Repeat([]string{"topic-with-a-long-name"}, 300)},
		"auto created": {Topics: []string{"new"}, AllowAutoTopicCreation: true},
	}
	for name, req := range cases {
		for _, v := range allVersions(APIKeyMetadata) {
			t.Run(fmt.Sprintf("%s/v%d", name, v), func(t *testing.T) {
				got := kmsg.NewPtrMetadataRequest()
				got.SetVersion(v)
				if err := got.ReadFrom(encodeRequest(t, &req, v)); err != nil {
					t.Fatalf("kmsg ReadFrom: %v", err)
				}
				if (got.Topics == nil) != (req.Topics == nil) || len(got.Topics) != len(req.Topics) {
					t.Fatalf("topics = %v (nil %v), want %v (nil %v)", got.Topics, got.Topics == nil, req.Topics, req.Topics == nil)
				}
				for i, gt := range got.Topics {
					if gt.Topic == nil || *gt.Topic != req.Topics[i] || gt.TopicID != [16]byte{} {
						t.Errorf("topic %d = %v %x, want %q", i, gt.Topic, gt.TopicID, req.Topics[i])
					}
				}
				if got.AllowAutoTopicCreation != req.AllowAutoTopicCreation || got.IncludeClusterAuthorizedOperations || got.IncludeTopicAuthorizedOperations {
					t.Errorf("flags = %v %v %v", got.AllowAutoTopicCreation, got.IncludeClusterAuthorizedOperations, got.IncludeTopicAuthorizedOperations)
				}
			})
		}
	}
}

func kmsgMetadataResponse(version int16, topics, partitions int) *kmsg.MetadataResponse {
	resp := kmsg.NewPtrMetadataResponse()
	resp.SetVersion(version)
	resp.ThrottleMillis = 3
	resp.ClusterID = strp("cluster-x")
	resp.ControllerID = 2
	resp.AuthorizedOperations = 0x5a
	resp.ErrorCode = ErrRebootstrapRequired.Code
	for b := range int32(3) {
		sb := kmsg.NewMetadataResponseBroker()
		sb.NodeID, sb.Host, sb.Port = b, fmt.Sprintf("broker-%d.example", b), 9092+b
		if b != 1 {
			sb.Rack = strp(fmt.Sprintf("rack-%d", b))
		}
		sb.UnknownTags.Set(12, []byte("broker-tag"))
		resp.Brokers = append(resp.Brokers, sb)
	}
	for ti := range topics {
		st := kmsg.NewMetadataResponseTopic()
		st.Topic = strp(fmt.Sprintf("topic-%d", ti))
		st.TopicID = topicID(byte(ti))
		st.IsInternal = ti == 1
		st.AuthorizedOperations = int32(ti)
		if ti == 2 {
			st.ErrorCode = ErrUnknownTopicOrPartition.Code
		}
		for p := range int32(partitions) {
			sp := kmsg.NewMetadataResponseTopicPartition()
			sp.Partition, sp.Leader, sp.LeaderEpoch = p, p%3, 10+p
			sp.Replicas = []int32{p % 3, (p + 1) % 3, (p + 2) % 3}
			sp.ISR = []int32{p % 3}
			if p%2 == 0 {
				sp.OfflineReplicas = []int32{(p + 2) % 3}
				sp.ErrorCode = ErrLeaderNotAvailable.Code
			}
			sp.UnknownTags.Set(13, []byte{0xff})
			st.Partitions = append(st.Partitions, sp)
		}
		st.UnknownTags.Set(14, nil)
		resp.Topics = append(resp.Topics, st)
	}
	resp.UnknownTags.Set(15, []byte("top"))
	return resp
}

func checkMetadataResponse(t *testing.T, v int16, want *kmsg.MetadataResponse, got *MetadataResponse) {
	t.Helper()
	wantClusterOps, wantErr := int32(-2147483648), int16(0)
	if v >= 8 && v <= 10 {
		wantClusterOps = want.AuthorizedOperations
	}
	if v >= 13 {
		wantErr = want.ErrorCode
	}
	if got.ThrottleMillis != want.ThrottleMillis || !equalStrp(got.ClusterID, want.ClusterID) || got.ControllerID != want.ControllerID ||
		got.ClusterAuthorizedOperations != wantClusterOps || got.ErrorCode != wantErr {
		t.Errorf("top level = %d %v %d %d %d", got.ThrottleMillis, got.ClusterID, got.ControllerID, got.ClusterAuthorizedOperations, got.ErrorCode)
	}
	if len(got.Brokers) != len(want.Brokers) {
		t.Fatalf("%d brokers, want %d", len(got.Brokers), len(want.Brokers))
	}
	for i, wb := range want.Brokers {
		if gb := got.Brokers[i]; gb.NodeID != wb.NodeID || gb.Host != wb.Host || gb.Port != wb.Port || !equalStrp(gb.Rack, wb.Rack) {
			t.Errorf("broker %d = %+v, want %+v", i, gb, wb)
		}
	}
	if len(got.Topics) != len(want.Topics) {
		t.Fatalf("%d topics, want %d", len(got.Topics), len(want.Topics))
	}
	for i, wt := range want.Topics {
		gt := &got.Topics[i]
		wantID, wantOps := [16]byte{}, int32(-2147483648)
		if v >= 10 {
			wantID = wt.TopicID
		}
		if v >= 8 {
			wantOps = wt.AuthorizedOperations
		}
		if gt.ErrorCode != wt.ErrorCode || gt.Name != *wt.Topic || gt.ID != wantID || gt.IsInternal != wt.IsInternal || gt.AuthorizedOperations != wantOps {
			t.Errorf("topic %d = %+v", i, *gt)
		}
		if len(gt.Partitions) != len(wt.Partitions) {
			t.Fatalf("topic %d: %d partitions, want %d", i, len(gt.Partitions), len(wt.Partitions))
		}
		for j, wp := range wt.Partitions {
			gp := &gt.Partitions[j]
			wantEpoch, wantOffline := int32(-1), []int32{}
			if v >= 7 {
				wantEpoch = wp.LeaderEpoch
			}
			if v >= 5 && wp.OfflineReplicas != nil {
				wantOffline = wp.OfflineReplicas
			}
			if gp.ErrorCode != wp.ErrorCode || gp.Partition != wp.Partition || gp.Leader != wp.Leader || gp.LeaderEpoch != wantEpoch ||
				!slices.Equal(gp.Replicas, wp.Replicas) || !slices.Equal(gp.ISR, wp.ISR) || !slices.Equal(gp.OfflineReplicas, wantOffline) {
				t.Errorf("topic %d partition %d = %+v, want %+v", i, j, *gp, wp)
			}
		}
	}
}

func TestMetadataResponseMatchesKmsg(t *testing.T) {
	for _, shape := range []struct{ topics, partitions int }{{0, 0}, {3, 1}, {4, 64}} {
		for _, v := range allVersions(APIKeyMetadata) {
			t.Run(fmt.Sprintf("%dx%d/v%d", shape.topics, shape.partitions, v), func(t *testing.T) {
				want := kmsgMetadataResponse(v, shape.topics, shape.partitions)
				var got MetadataResponse
				corr, err := readResponse(responseFrame(APIKeyMetadata, v, 11, want.AppendTo(nil)), APIKeyMetadata, v, &got)
				if err != nil || corr != 11 {
					t.Fatalf("readResponse: corr %d, %v", corr, err)
				}
				checkMetadataResponse(t, v, want, &got)
				if err := got.Decode(want.AppendTo(nil), v); err != nil {
					t.Fatal(err)
				}
				checkMetadataResponse(t, v, want, &got)
			})
		}
	}
}

func TestMetadataResponseNullTopicName(t *testing.T) {
	want := kmsgMetadataResponse(12, 1, 1)
	want.Topics[0].Topic = nil
	var got MetadataResponse
	got.Topics = []MetadataTopic{{Name: "stale"}}
	if err := got.Decode(want.AppendTo(nil), 12); err != nil {
		t.Fatal(err)
	}
	if got.Topics[0].Name != "" {
		t.Fatalf("null topic name decoded as %q, want empty", got.Topics[0].Name)
	}
}

// TestMetadataDecodeReusedDoesNotAllocate: refreshing metadata that did not
// change costs no allocation once the response value has grown.
func TestMetadataDecodeReusedDoesNotAllocate(t *testing.T) {
	body := kmsgMetadataResponse(12, 4, 32).AppendTo(nil)
	var got MetadataResponse
	if err := got.Decode(body, 12); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(20, func() { _ = got.Decode(body, 12) }); a != 0 {
		t.Fatalf("%v allocations decoding unchanged metadata", a)
	}
}
