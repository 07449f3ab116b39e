package wire

// InitProducerIDRequest asks for a producer id and epoch, which idempotent
// and transactional producers stamp on every batch (InitProducerId, key 22,
// v0-v5; see apiSpecs for why).
type InitProducerIDRequest struct {
	// TransactionalID is nil for an idempotent producer outside
	// transactions.
	TransactionalID *string
	// TransactionTimeoutMillis is the transaction timeout; brokers ignore
	// it without a transactional id.
	TransactionTimeoutMillis int32
	// ProducerID and ProducerEpoch (v3+) are the id and epoch the producer
	// holds, to have the epoch bumped instead of a new id issued; both are
	// -1 for a producer that holds none. Brokers answer a zero value with
	// an error, so set them.
	ProducerID    int64
	ProducerEpoch int16
}

// APIKey returns APIKeyInitProducerID.
func (*InitProducerIDRequest) APIKey() APIKey { return APIKeyInitProducerID }

func (q *InitProducerIDRequest) appendBody(dst []byte, version int16) []byte {
	flexible := IsFlexible(APIKeyInitProducerID, version)
	dst = appendNullableStringAs(dst, q.TransactionalID, flexible)
	dst = AppendInt32(dst, q.TransactionTimeoutMillis)
	if version >= 3 {
		dst = AppendInt64(dst, q.ProducerID)
		dst = AppendInt16(dst, q.ProducerEpoch)
	}
	return appendTagsAs(dst, flexible)
}

// InitProducerIDResponse carries the producer id and epoch to use.
type InitProducerIDResponse struct {
	ThrottleMillis int32
	ErrorCode      int16
	ProducerID     int64
	ProducerEpoch  int16
}

// Err returns the response's error as a *KafkaError, or nil.
func (p *InitProducerIDResponse) Err() error { return ErrorForCode(p.ErrorCode) }

// Decode reads the body of a response to an InitProducerId request sent at
// version.
func (p *InitProducerIDResponse) Decode(body []byte, version int16) error {
	if err := checkVersion(APIKeyInitProducerID, version); err != nil {
		return err
	}
	r := NewReader(body)
	p.ThrottleMillis = r.Int32("InitProducerIdResponse.ThrottleTimeMs")
	p.ErrorCode = r.Int16("InitProducerIdResponse.ErrorCode")
	p.ProducerID = r.Int64("InitProducerIdResponse.ProducerId")
	p.ProducerEpoch = r.Int16("InitProducerIdResponse.ProducerEpoch")
	if IsFlexible(APIKeyInitProducerID, version) {
		r.SkipTaggedFields("InitProducerIdResponse.TaggedFields")
	}
	return r.Err()
}
