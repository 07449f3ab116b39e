package wire

// MetadataRequest asks for brokers, partitions and their leaders (Metadata,
// key 3, v4-v13; see apiSpecs for why).
type MetadataRequest struct {
	// Topics lists the topics to describe by name; nil asks for every
	// topic, an empty non-nil slice for none (brokers and cluster only).
	Topics []string
	// AllowAutoTopicCreation lets the broker create missing topics when
	// its own auto.create.topics.enable allows it.
	AllowAutoTopicCreation bool
}

// APIKey returns APIKeyMetadata.
func (*MetadataRequest) APIKey() APIKey { return APIKeyMetadata }

func (q *MetadataRequest) appendBody(dst []byte, version int16) []byte {
	flexible := IsFlexible(APIKeyMetadata, version)
	n := len(q.Topics)
	if q.Topics == nil {
		n = -1
	}
	dst = appendLenAs(dst, n, flexible)
	for i := range q.Topics {
		if version >= 10 {
			dst = AppendUUID(dst, [16]byte{})
		}
		dst = appendStringAs(dst, q.Topics[i], flexible)
		dst = appendTagsAs(dst, flexible)
	}
	dst = AppendBool(dst, q.AllowAutoTopicCreation)
	if version >= 8 && version <= 10 {
		dst = AppendBool(dst, false) // include_cluster_authorized_operations
	}
	if version >= 8 {
		dst = AppendBool(dst, false) // include_topic_authorized_operations
	}
	return appendTagsAs(dst, flexible)
}

// MetadataResponse describes brokers, topics and partitions. Decode it into
// the same value again and again: its slices, and the names they hold, are
// reused.
type MetadataResponse struct {
	ThrottleMillis int32
	Brokers        []Broker
	ClusterID      *string
	// ControllerID is -1 when the broker names no controller.
	ControllerID int32
	Topics       []MetadataTopic
	// ClusterAuthorizedOperations (v8-v10) is -2147483648 unless asked for.
	ClusterAuthorizedOperations int32
	// ErrorCode (v13+) is a top-level error such as REBOOTSTRAP_REQUIRED.
	ErrorCode int16
}

// MetadataTopic describes one topic.
type MetadataTopic struct {
	ErrorCode int16
	// Name is "" when the broker sends null (v12+, topic unknown by id).
	Name       string
	ID         [16]byte
	IsInternal bool
	Partitions []MetadataPartition
	// AuthorizedOperations (v8+) is -2147483648 unless asked for.
	AuthorizedOperations int32
}

// Err returns the topic's error as a *KafkaError, or nil.
func (t *MetadataTopic) Err() error { return ErrorForCode(t.ErrorCode) }

// MetadataPartition describes one partition.
type MetadataPartition struct {
	ErrorCode int16
	Partition int32
	// Leader is -1 while the partition has no leader.
	Leader int32
	// LeaderEpoch (v7+, else -1) grows with every leader change.
	LeaderEpoch int32
	Replicas    []int32
	ISR         []int32
	// OfflineReplicas (v5+) are replicas whose log directory is offline.
	OfflineReplicas []int32
}

// Err returns the partition's error as a *KafkaError, or nil.
func (p *MetadataPartition) Err() error { return ErrorForCode(p.ErrorCode) }

// Decode reads the body of a response to a Metadata request sent at version.
func (m *MetadataResponse) Decode(body []byte, version int16) error {
	if err := checkVersion(APIKeyMetadata, version); err != nil {
		return err
	}
	flexible := IsFlexible(APIKeyMetadata, version)
	r := NewReader(body)
	m.ThrottleMillis = r.Int32("MetadataResponse.ThrottleTimeMs")
	m.Brokers = decodeBrokers(&r, m.Brokers, flexible)
	r.NullableStringInto("MetadataResponse.ClusterId", flexible, &m.ClusterID)
	m.ControllerID = r.Int32("MetadataResponse.ControllerId")
	// error code, name length, is_internal, partition count: at least 5
	n := r.ArrayLen("MetadataResponse.Topics", flexible, 5)
	m.Topics = resize(m.Topics, max(n, 0))
	for i := range m.Topics {
		decodeMetadataTopic(&r, &m.Topics[i], version)
	}
	m.ClusterAuthorizedOperations = -2147483648
	if version >= 8 && version <= 10 {
		m.ClusterAuthorizedOperations = r.Int32("MetadataResponse.ClusterAuthorizedOperations")
	}
	m.ErrorCode = 0
	if version >= 13 {
		m.ErrorCode = r.Int16("MetadataResponse.ErrorCode")
	}
	if flexible {
		r.SkipTaggedFields("MetadataResponse.TaggedFields")
	}
	return r.Err()
}

func decodeMetadataTopic(r *Reader, t *MetadataTopic, version int16) {
	flexible := IsFlexible(APIKeyMetadata, version)
	t.ErrorCode = r.Int16("MetadataResponse.Topics.ErrorCode")
	r.StringInto("MetadataResponse.Topics.Name", flexible, &t.Name)
	t.ID = [16]byte{}
	if version >= 10 {
		t.ID = r.UUID("MetadataResponse.Topics.TopicId")
	}
	t.IsInternal = r.Bool("MetadataResponse.Topics.IsInternal")
	// error code, index, leader, three array counts: at least 13 bytes
	n := r.ArrayLen("MetadataResponse.Topics.Partitions", flexible, 13)
	t.Partitions = resize(t.Partitions, max(n, 0))
	for i := range t.Partitions {
		p := &t.Partitions[i]
		p.ErrorCode = r.Int16("MetadataResponse.Partitions.ErrorCode")
		p.Partition = r.Int32("MetadataResponse.Partitions.PartitionIndex")
		p.Leader = r.Int32("MetadataResponse.Partitions.LeaderId")
		p.LeaderEpoch = -1
		if version >= 7 {
			p.LeaderEpoch = r.Int32("MetadataResponse.Partitions.LeaderEpoch")
		}
		p.Replicas = r.Int32sInto("MetadataResponse.Partitions.ReplicaNodes", flexible, p.Replicas)
		p.ISR = r.Int32sInto("MetadataResponse.Partitions.IsrNodes", flexible, p.ISR)
		p.OfflineReplicas = p.OfflineReplicas[:0]
		if version >= 5 {
			p.OfflineReplicas = r.Int32sInto("MetadataResponse.Partitions.OfflineReplicas", flexible, p.OfflineReplicas)
		}
		if flexible {
			r.SkipTaggedFields("MetadataResponse.Partitions.TaggedFields")
		}
	}
	t.AuthorizedOperations = -2147483648
	if version >= 8 {
		t.AuthorizedOperations = r.Int32("MetadataResponse.Topics.TopicAuthorizedOperations")
	}
	if flexible {
		r.SkipTaggedFields("MetadataResponse.Topics.TaggedFields")
	}
}
