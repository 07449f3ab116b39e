package core

import "github.com/perfproducer/perfproducer/core/wire"

// KafkaError is an error code a broker answered with: its number (Code),
// Kafka's name for it (Name), and whether the same request may succeed if
// sent again (Retriable). A record's error wraps one when a broker refused
// it; errors.As finds it:
//
//	var ke *core.KafkaError
//	if errors.As(err, &ke) { log.Print(ke.Code, ke.Name) }
//
// Two KafkaErrors match under errors.Is when their codes are equal, so a
// code without a sentinel below still compares by number.
type KafkaError = wire.KafkaError

// The broker errors a producer's records and Sends may fail with, for
// errors.Is. Each is the same value the protocol package uses, so it
// matches every error the producer returns for that code. Retriable codes
// reach a callback only once retries or delivery.timeout.ms ran out; the
// others fail the batch at the first answer (the names are Kafka's, from
// its Errors class).
var (
	// ErrTopicAuthorizationFailed: TOPIC_AUTHORIZATION_FAILED, the client
	// may not write to the topic (or, in a Send's *MaxBlockError, read its
	// metadata). Grant the principal WRITE on the topic.
	ErrTopicAuthorizationFailed = wire.ErrTopicAuthorizationFailed
	// ErrClusterAuthorizationFailed: CLUSTER_AUTHORIZATION_FAILED, the
	// client may not perform a cluster operation: brokers before Kafka 3.0
	// require IDEMPOTENT_WRITE on the cluster of an idempotent producer
	// (KIP-679 made WRITE on a topic enough).
	ErrClusterAuthorizationFailed = wire.ErrClusterAuthorizationFailed
	// ErrSASLAuthenticationFailed: SASL_AUTHENTICATION_FAILED, the broker
	// refused the SASL credentials (a wrong user name or password). Errors
	// with it also match ErrAuthentication.
	ErrSASLAuthenticationFailed = wire.ErrSaslAuthenticationFailed
	// ErrUnknownTopicOrPartition: UNKNOWN_TOPIC_OR_PARTITION (retriable),
	// the broker hosts no such topic or partition.
	ErrUnknownTopicOrPartition = wire.ErrUnknownTopicOrPartition
	// ErrUnknownTopicID: UNKNOWN_TOPIC_ID (retriable), the broker hosts no
	// topic with the id the request named (Produce v13 names topics by id).
	ErrUnknownTopicID = wire.ErrUnknownTopicID
	// ErrInvalidTopicException: INVALID_TOPIC_EXCEPTION, the topic's name
	// is not valid, or the topic is internal and may not be written to.
	ErrInvalidTopicException = wire.ErrInvalidTopicException
	// ErrNotLeaderOrFollower: NOT_LEADER_OR_FOLLOWER (retriable), the
	// broker no longer leads the partition; the producer refreshes metadata
	// and retries.
	ErrNotLeaderOrFollower = wire.ErrNotLeaderOrFollower
	// ErrLeaderNotAvailable: LEADER_NOT_AVAILABLE (retriable), the partition
	// has no leader, usually during an election.
	ErrLeaderNotAvailable = wire.ErrLeaderNotAvailable
	// ErrRequestTimedOut: REQUEST_TIMED_OUT (retriable), the broker did not
	// complete the request within request.timeout.ms, for instance while
	// waiting for replicas with acks=all. The records may have been written.
	ErrRequestTimedOut = wire.ErrRequestTimedOut
	// ErrNetworkException: NETWORK_EXCEPTION (retriable). The producer also
	// wraps it around a lost connection and an answer it could not decode.
	ErrNetworkException = wire.ErrNetworkException
	// ErrNotEnoughReplicas: NOT_ENOUGH_REPLICAS (retriable), fewer replicas
	// are in sync than the topic's min.insync.replicas; nothing was written.
	ErrNotEnoughReplicas = wire.ErrNotEnoughReplicas
	// ErrNotEnoughReplicasAfterAppend: NOT_ENOUGH_REPLICAS_AFTER_APPEND
	// (retriable), the leader wrote the records but too few replicas caught
	// up with them.
	ErrNotEnoughReplicasAfterAppend = wire.ErrNotEnoughReplicasAfterAppend
	// ErrKafkaStorageError: KAFKA_STORAGE_ERROR (retriable), the broker
	// could not access the partition's log on disk.
	ErrKafkaStorageError = wire.ErrKafkaStorageError
	// ErrMessageTooLarge: MESSAGE_TOO_LARGE, a batch was larger than the
	// topic's max.message.bytes. The producer splits such a batch; a single
	// record still refused fails with an error matching both this and
	// ErrRecordTooLarge.
	ErrMessageTooLarge = wire.ErrMessageTooLarge
	// ErrRecordListTooLarge: RECORD_LIST_TOO_LARGE, a batch was larger than
	// the broker's log segment (segment.bytes).
	ErrRecordListTooLarge = wire.ErrRecordListTooLarge
	// ErrCorruptMessage: CORRUPT_MESSAGE (retriable), the batch failed the
	// broker's CRC check or is otherwise malformed.
	ErrCorruptMessage = wire.ErrCorruptMessage
	// ErrBrokerInvalidRecord: INVALID_RECORD, the broker's validation
	// rejected a record of the batch (a compacted topic's record without a
	// key, for instance). Unlike ErrInvalidRecord, which Send returns before
	// anything is sent, this comes from the broker.
	ErrBrokerInvalidRecord = wire.ErrInvalidRecord
	// ErrInvalidTimestamp: INVALID_TIMESTAMP, a record's timestamp lies
	// further from the broker's clock than the topic's
	// message.timestamp.before.max.ms or message.timestamp.after.max.ms.
	ErrInvalidTimestamp = wire.ErrInvalidTimestamp
	// ErrPolicyViolation: POLICY_VIOLATION, the request breaks a policy
	// configured on the broker.
	ErrPolicyViolation = wire.ErrPolicyViolation
	// ErrUnsupportedCompressionType: UNSUPPORTED_COMPRESSION_TYPE, the
	// broker or topic does not accept compression.type's codec.
	ErrUnsupportedCompressionType = wire.ErrUnsupportedCompressionType
	// ErrOutOfOrderSequenceNumber: OUT_OF_ORDER_SEQUENCE_NUMBER, the broker
	// saw a gap in an idempotent producer's sequence numbers. The producer
	// answers it, and the two below, by renumbering the partition's batches
	// or asking for a new producer id, and retries; a record fails with one
	// only once retries or delivery.timeout.ms ran out.
	ErrOutOfOrderSequenceNumber = wire.ErrOutOfOrderSequenceNumber
	// ErrUnknownProducerID: UNKNOWN_PRODUCER_ID, the broker no longer holds
	// state for the producer id (retention deleted its records).
	ErrUnknownProducerID = wire.ErrUnknownProducerID
	// ErrInvalidProducerEpoch: INVALID_PRODUCER_EPOCH, the producer's epoch
	// is older than the broker's.
	ErrInvalidProducerEpoch = wire.ErrInvalidProducerEpoch
	// ErrThrottlingQuotaExceeded: THROTTLING_QUOTA_EXCEEDED (retriable),
	// the request would exceed a quota set on the broker.
	ErrThrottlingQuotaExceeded = wire.ErrThrottlingQuotaExceeded
	// ErrUnknownServerError: UNKNOWN_SERVER_ERROR, the broker failed in a
	// way it could not classify; its log says more.
	ErrUnknownServerError = wire.ErrUnknownServerError
)
