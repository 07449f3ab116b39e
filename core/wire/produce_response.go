package wire

// ProduceResponse is a broker's answer to a Produce request with acks 1 or
// -1 (acks 0 gets no answer). Decode it into the same value again and again:
// its slices, and the names they hold, are reused.
type ProduceResponse struct {
	Topics []ProduceTopicResponse
	// ThrottleMillis (v1+) is how long the broker throttles this client.
	ThrottleMillis int32
	// NodeEndpoints (v10+, tagged) lists the brokers named as current
	// leaders in partitions answered NOT_LEADER_OR_FOLLOWER, so the client
	// can reroute without waiting for metadata.
	NodeEndpoints []Broker
}

// ProduceTopicResponse is the answer for one topic.
type ProduceTopicResponse struct {
	// Name identifies the topic up to v12, ID from v13 on.
	Name       string
	ID         [16]byte
	Partitions []ProducePartitionResponse
}

// ProducePartitionResponse is the answer for one partition.
type ProducePartitionResponse struct {
	Partition int32
	ErrorCode int16
	// BaseOffset is the offset given to the first record of the batch.
	BaseOffset int64
	// LogAppendTime is the broker's append time when the topic uses
	// LogAppendTime, else -1.
	LogAppendTime int64
	// LogStartOffset (v5+, else -1) lets the producer tell a truly unknown
	// producer id from one whose records were deleted.
	LogStartOffset int64
	// RecordErrors and ErrorMessage (v8+) say which records made the broker
	// drop the batch and why.
	RecordErrors []ProduceRecordError
	ErrorMessage *string
	// CurrentLeader (v10+, tagged; -1 and -1 when absent) names the new
	// leader when ErrorCode is NOT_LEADER_OR_FOLLOWER.
	CurrentLeader LeaderIDAndEpoch
}

// Err returns the partition's error as a *KafkaError, or nil.
func (p *ProducePartitionResponse) Err() error { return ErrorForCode(p.ErrorCode) }

// ProduceRecordError names one record that made the broker drop a batch.
type ProduceRecordError struct {
	// BatchIndex is the record's position in its batch.
	BatchIndex int32
	Message    *string
}

// LeaderIDAndEpoch names a partition leader.
type LeaderIDAndEpoch struct {
	LeaderID    int32
	LeaderEpoch int32
}

// Decode reads the body of a response to a Produce request sent at version.
func (p *ProduceResponse) Decode(body []byte, version int16) error {
	if err := checkVersion(APIKeyProduce, version); err != nil {
		return err
	}
	flexible := IsFlexible(APIKeyProduce, version)
	r := NewReader(body)
	// A topic is at least a name or an id and a partition count.
	minTopic := 2
	if version >= 13 {
		minTopic = 17
	}
	n := r.ArrayLen("ProduceResponse.Responses", flexible, minTopic)
	p.Topics = resize(p.Topics, max(n, 0))
	for i := range p.Topics {
		t := &p.Topics[i]
		if version >= 13 {
			t.Name = ""
			t.ID = r.UUID("ProduceResponse.Responses.TopicId")
		} else {
			r.StringInto("ProduceResponse.Responses.Name", flexible, &t.Name)
			t.ID = [16]byte{}
		}
		// partition, error code, base offset: 14 bytes
		n := r.ArrayLen("ProduceResponse.Responses.PartitionResponses", flexible, 14)
		t.Partitions = resize(t.Partitions, max(n, 0))
		for j := range t.Partitions {
			decodeProducePartition(&r, &t.Partitions[j], version)
		}
		if flexible {
			r.SkipTaggedFields("ProduceResponse.Responses.TaggedFields")
		}
	}
	p.ThrottleMillis = 0
	if version >= 1 {
		p.ThrottleMillis = r.Int32("ProduceResponse.ThrottleTimeMs")
	}
	p.NodeEndpoints = p.NodeEndpoints[:0]
	if flexible {
		for n := r.TaggedFieldCount("ProduceResponse.TaggedFields"); n > 0; n-- {
			tag, v := r.TaggedField("ProduceResponse.TaggedFields")
			if tag == 0 && version >= 10 {
				p.NodeEndpoints = decodeBrokers(&v, p.NodeEndpoints, true)
				r.Adopt(&v)
			}
		}
	}
	return r.Err()
}

func decodeProducePartition(r *Reader, p *ProducePartitionResponse, version int16) {
	flexible := IsFlexible(APIKeyProduce, version)
	p.Partition = r.Int32("ProduceResponse.PartitionResponses.Index")
	p.ErrorCode = r.Int16("ProduceResponse.PartitionResponses.ErrorCode")
	p.BaseOffset = r.Int64("ProduceResponse.PartitionResponses.BaseOffset")
	p.LogAppendTime = r.Int64("ProduceResponse.PartitionResponses.LogAppendTimeMs")
	p.LogStartOffset = -1
	if version >= 5 {
		p.LogStartOffset = r.Int64("ProduceResponse.PartitionResponses.LogStartOffset")
	}
	if version < 8 {
		p.RecordErrors, p.ErrorMessage = p.RecordErrors[:0], nil
	} else {
		// batch index and a string length: at least 5 bytes
		n := r.ArrayLen("ProduceResponse.PartitionResponses.RecordErrors", flexible, 5)
		p.RecordErrors = resize(p.RecordErrors, max(n, 0))
		for i := range p.RecordErrors {
			e := &p.RecordErrors[i]
			e.BatchIndex = r.Int32("ProduceResponse.RecordErrors.BatchIndex")
			r.NullableStringInto("ProduceResponse.RecordErrors.BatchIndexErrorMessage", flexible, &e.Message)
			if flexible {
				r.SkipTaggedFields("ProduceResponse.RecordErrors.TaggedFields")
			}
		}
		r.NullableStringInto("ProduceResponse.PartitionResponses.ErrorMessage", flexible, &p.ErrorMessage)
	}
	p.CurrentLeader = LeaderIDAndEpoch{LeaderID: -1, LeaderEpoch: -1}
	if flexible {
		for n := r.TaggedFieldCount("ProduceResponse.PartitionResponses.TaggedFields"); n > 0; n-- {
			tag, v := r.TaggedField("ProduceResponse.PartitionResponses.TaggedFields")
			if tag == 0 && version >= 10 {
				p.CurrentLeader.LeaderID = v.Int32("ProduceResponse.CurrentLeader.LeaderId")
				p.CurrentLeader.LeaderEpoch = v.Int32("ProduceResponse.CurrentLeader.LeaderEpoch")
				v.SkipTaggedFields("ProduceResponse.CurrentLeader.TaggedFields")
				r.Adopt(&v)
			}
		}
	}
}
