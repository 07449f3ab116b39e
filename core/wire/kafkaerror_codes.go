package wire

// Broker error codes, from Kafka's Errors.java; Retriable follows whether
// the Java client's exception for the code is a RetriableException. The
// messages are this package's own.

// Sentinels for every broker error code this package knows, one per code.
// UNSUPPORTED_VERSION is ErrBrokerUnsupportedVersion, to tell it from this
// package's own ErrUnsupportedVersion.
var (
	ErrUnknownServerError                 = &KafkaError{-1, "UNKNOWN_SERVER_ERROR", false, "the broker failed in a way it could not classify."}
	ErrOffsetOutOfRange                   = &KafkaError{1, "OFFSET_OUT_OF_RANGE", false, "the offset asked for lies outside the partition's log."}
	ErrCorruptMessage                     = &KafkaError{2, "CORRUPT_MESSAGE", true, "a record failed its CRC check, exceeded a size limit, or is otherwise malformed."}
	ErrUnknownTopicOrPartition            = &KafkaError{3, "UNKNOWN_TOPIC_OR_PARTITION", true, "this broker hosts no such topic or partition."}
	ErrInvalidFetchSize                   = &KafkaError{4, "INVALID_FETCH_SIZE", false, "the fetch size asked for is not valid."}
	ErrLeaderNotAvailable                 = &KafkaError{5, "LEADER_NOT_AVAILABLE", true, "the partition has no leader right now, usually during an election."}
	ErrNotLeaderOrFollower                = &KafkaError{6, "NOT_LEADER_OR_FOLLOWER", true, "this broker is neither leader nor follower of the partition; refresh metadata."}
	ErrRequestTimedOut                    = &KafkaError{7, "REQUEST_TIMED_OUT", true, "the broker did not complete the request in time."}
	ErrBrokerNotAvailable                 = &KafkaError{8, "BROKER_NOT_AVAILABLE", true, "the broker is not available."}
	ErrReplicaNotAvailable                = &KafkaError{9, "REPLICA_NOT_AVAILABLE", true, "the replica is not available for the partition."}
	ErrMessageTooLarge                    = &KafkaError{10, "MESSAGE_TOO_LARGE", false, "a batch is larger than the broker accepts (message.max.bytes)."}
	ErrStaleControllerEpoch               = &KafkaError{11, "STALE_CONTROLLER_EPOCH", false, "the controller has moved to another broker."}
	ErrOffsetMetadataTooLarge             = &KafkaError{12, "OFFSET_METADATA_TOO_LARGE", false, "the metadata of an offset commit is too large."}
	ErrNetworkException                   = &KafkaError{13, "NETWORK_EXCEPTION", true, "the broker lost its connection before it could answer."}
	ErrCoordinatorLoadInProgress          = &KafkaError{14, "COORDINATOR_LOAD_IN_PROGRESS", true, "the coordinator is still loading its state."}
	ErrCoordinatorNotAvailable            = &KafkaError{15, "COORDINATOR_NOT_AVAILABLE", true, "the coordinator is not available."}
	ErrNotCoordinator                     = &KafkaError{16, "NOT_COORDINATOR", true, "this broker is not the coordinator asked for."}
	ErrInvalidTopicException              = &KafkaError{17, "INVALID_TOPIC_EXCEPTION", false, "the topic is not valid for this operation."}
	ErrRecordListTooLarge                 = &KafkaError{18, "RECORD_LIST_TOO_LARGE", false, "a batch is larger than the broker's log segment."}
	ErrNotEnoughReplicas                  = &KafkaError{19, "NOT_ENOUGH_REPLICAS", true, "fewer replicas are in sync than min.insync.replicas requires; nothing was written."}
	ErrNotEnoughReplicasAfterAppend       = &KafkaError{20, "NOT_ENOUGH_REPLICAS_AFTER_APPEND", true, "the records were written, but to fewer in-sync replicas than required."}
	ErrInvalidRequiredAcks                = &KafkaError{21, "INVALID_REQUIRED_ACKS", false, "acks must be 0, 1 or -1."}
	ErrIllegalGeneration                  = &KafkaError{22, "ILLEGAL_GENERATION", false, "the group generation is not valid."}
	ErrInconsistentGroupProtocol          = &KafkaError{23, "INCONSISTENT_GROUP_PROTOCOL", false, "the member's group protocols do not match the group's."}
	ErrInvalidGroupID                     = &KafkaError{24, "INVALID_GROUP_ID", false, "the group id is not valid."}
	ErrUnknownMemberID                    = &KafkaError{25, "UNKNOWN_MEMBER_ID", false, "the coordinator does not know this member."}
	ErrInvalidSessionTimeout              = &KafkaError{26, "INVALID_SESSION_TIMEOUT", false, "the session timeout is outside the broker's allowed range."}
	ErrRebalanceInProgress                = &KafkaError{27, "REBALANCE_IN_PROGRESS", false, "the group is rebalancing; rejoin."}
	ErrInvalidCommitOffsetSize            = &KafkaError{28, "INVALID_COMMIT_OFFSET_SIZE", false, "the offset commit is too large."}
	ErrTopicAuthorizationFailed           = &KafkaError{29, "TOPIC_AUTHORIZATION_FAILED", false, "the client is not authorized to access the topic."}
	ErrGroupAuthorizationFailed           = &KafkaError{30, "GROUP_AUTHORIZATION_FAILED", false, "the client is not authorized to access the group."}
	ErrClusterAuthorizationFailed         = &KafkaError{31, "CLUSTER_AUTHORIZATION_FAILED", false, "the client is not authorized for this cluster operation."}
	ErrInvalidTimestamp                   = &KafkaError{32, "INVALID_TIMESTAMP", false, "a record's timestamp is outside the range the topic accepts."}
	ErrUnsupportedSaslMechanism           = &KafkaError{33, "UNSUPPORTED_SASL_MECHANISM", false, "the broker does not enable the SASL mechanism asked for."}
	ErrIllegalSaslState                   = &KafkaError{34, "ILLEGAL_SASL_STATE", false, "the request is not valid at this step of SASL authentication."}
	ErrBrokerUnsupportedVersion           = &KafkaError{35, "UNSUPPORTED_VERSION", false, "the broker does not speak this version of the API."}
	ErrTopicAlreadyExists                 = &KafkaError{36, "TOPIC_ALREADY_EXISTS", false, "a topic with this name already exists."}
	ErrInvalidPartitions                  = &KafkaError{37, "INVALID_PARTITIONS", false, "the number of partitions is not valid."}
	ErrInvalidReplicationFactor           = &KafkaError{38, "INVALID_REPLICATION_FACTOR", false, "the replication factor is not valid."}
	ErrInvalidReplicaAssignment           = &KafkaError{39, "INVALID_REPLICA_ASSIGNMENT", false, "the replica assignment is not valid."}
	ErrInvalidConfig                      = &KafkaError{40, "INVALID_CONFIG", false, "the configuration is not valid."}
	ErrNotController                      = &KafkaError{41, "NOT_CONTROLLER", true, "this broker is not the controller."}
	ErrInvalidRequest                     = &KafkaError{42, "INVALID_REQUEST", false, "the broker could not make sense of the request; its log says more."}
	ErrUnsupportedForMessageFormat        = &KafkaError{43, "UNSUPPORTED_FOR_MESSAGE_FORMAT", false, "the topic's message format does not support the request."}
	ErrPolicyViolation                    = &KafkaError{44, "POLICY_VIOLATION", false, "the request breaks a policy configured on the broker."}
	ErrOutOfOrderSequenceNumber           = &KafkaError{45, "OUT_OF_ORDER_SEQUENCE_NUMBER", false, "the broker received a sequence number out of order; records may be lost."}
	ErrDuplicateSequenceNumber            = &KafkaError{46, "DUPLICATE_SEQUENCE_NUMBER", false, "the broker already holds a batch with this sequence number."}
	ErrInvalidProducerEpoch               = &KafkaError{47, "INVALID_PRODUCER_EPOCH", false, "the producer epoch is older than the broker's; another producer or an expired transaction fenced this one."}
	ErrInvalidTxnState                    = &KafkaError{48, "INVALID_TXN_STATE", false, "the transactional operation is not valid in the transaction's current state."}
	ErrInvalidProducerIDMapping           = &KafkaError{49, "INVALID_PRODUCER_ID_MAPPING", false, "the producer id is not the one assigned to this transactional id."}
	ErrInvalidTransactionTimeout          = &KafkaError{50, "INVALID_TRANSACTION_TIMEOUT", false, "the transaction timeout exceeds the broker's transaction.max.timeout.ms."}
	ErrConcurrentTransactions             = &KafkaError{51, "CONCURRENT_TRANSACTIONS", false, "another operation on the same transaction is under way."}
	ErrTransactionCoordinatorFenced       = &KafkaError{52, "TRANSACTION_COORDINATOR_FENCED", false, "the transaction coordinator sending markers is no longer current."}
	ErrTransactionalIDAuthorizationFailed = &KafkaError{53, "TRANSACTIONAL_ID_AUTHORIZATION_FAILED", false, "the client is not authorized to use the transactional id."}
	ErrSecurityDisabled                   = &KafkaError{54, "SECURITY_DISABLED", false, "security features are disabled on the broker."}
	ErrOperationNotAttempted              = &KafkaError{55, "OPERATION_NOT_ATTEMPTED", false, "the broker skipped this operation because another in the same request failed."}
	ErrKafkaStorageError                  = &KafkaError{56, "KAFKA_STORAGE_ERROR", true, "the broker failed to access the partition's log on disk."}
	ErrLogDirNotFound                     = &KafkaError{57, "LOG_DIR_NOT_FOUND", false, "the log directory is not in the broker's configuration."}
	ErrSaslAuthenticationFailed           = &KafkaError{58, "SASL_AUTHENTICATION_FAILED", false, "SASL authentication failed."}
	ErrUnknownProducerID                  = &KafkaError{59, "UNKNOWN_PRODUCER_ID", false, "the broker has no state for this producer id, for instance after its records were deleted."}
	ErrReassignmentInProgress             = &KafkaError{60, "REASSIGNMENT_IN_PROGRESS", false, "a partition reassignment is under way."}
	ErrDelegationTokenAuthDisabled        = &KafkaError{61, "DELEGATION_TOKEN_AUTH_DISABLED", false, "delegation tokens are disabled."}
	ErrDelegationTokenNotFound            = &KafkaError{62, "DELEGATION_TOKEN_NOT_FOUND", false, "the delegation token does not exist."}
	ErrDelegationTokenOwnerMismatch       = &KafkaError{63, "DELEGATION_TOKEN_OWNER_MISMATCH", false, "the principal does not own or renew this delegation token."}
	ErrDelegationTokenRequestNotAllowed   = &KafkaError{64, "DELEGATION_TOKEN_REQUEST_NOT_ALLOWED", false, "delegation token requests are not allowed on this channel."}
	ErrDelegationTokenAuthorizationFailed = &KafkaError{65, "DELEGATION_TOKEN_AUTHORIZATION_FAILED", false, "the client is not authorized for this delegation token operation."}
	ErrDelegationTokenExpired             = &KafkaError{66, "DELEGATION_TOKEN_EXPIRED", false, "the delegation token has expired."}
	ErrInvalidPrincipalType               = &KafkaError{67, "INVALID_PRINCIPAL_TYPE", false, "the principal type is not supported."}
	ErrNonEmptyGroup                      = &KafkaError{68, "NON_EMPTY_GROUP", false, "the group still has members."}
	ErrGroupIDNotFound                    = &KafkaError{69, "GROUP_ID_NOT_FOUND", false, "the group does not exist."}
	ErrFetchSessionIDNotFound             = &KafkaError{70, "FETCH_SESSION_ID_NOT_FOUND", true, "the fetch session does not exist."}
	ErrInvalidFetchSessionEpoch           = &KafkaError{71, "INVALID_FETCH_SESSION_EPOCH", true, "the fetch session epoch is not valid."}
	ErrListenerNotFound                   = &KafkaError{72, "LISTENER_NOT_FOUND", true, "the partition's leader has no listener matching the one the metadata came through."}
	ErrTopicDeletionDisabled              = &KafkaError{73, "TOPIC_DELETION_DISABLED", false, "topic deletion is disabled."}
	ErrFencedLeaderEpoch                  = &KafkaError{74, "FENCED_LEADER_EPOCH", true, "the leader epoch in the request is older than the broker's."}
	ErrUnknownLeaderEpoch                 = &KafkaError{75, "UNKNOWN_LEADER_EPOCH", true, "the leader epoch in the request is newer than the broker's."}
	ErrUnsupportedCompressionType         = &KafkaError{76, "UNSUPPORTED_COMPRESSION_TYPE", false, "the compression type is not supported here."}
	ErrStaleBrokerEpoch                   = &KafkaError{77, "STALE_BROKER_EPOCH", false, "the broker epoch has changed."}
	ErrOffsetNotAvailable                 = &KafkaError{78, "OFFSET_NOT_AVAILABLE", true, "the new leader's high watermark has not caught up yet."}
	ErrMemberIDRequired                   = &KafkaError{79, "MEMBER_ID_REQUIRED", false, "the member must rejoin with the member id it was given."}
	ErrPreferredLeaderNotAvailable        = &KafkaError{80, "PREFERRED_LEADER_NOT_AVAILABLE", true, "the preferred leader is not available."}
	ErrGroupMaxSizeReached                = &KafkaError{81, "GROUP_MAX_SIZE_REACHED", false, "the group has reached its maximum size."}
	ErrFencedInstanceID                   = &KafkaError{82, "FENCED_INSTANCE_ID", false, "another member registered with the same group.instance.id."}
	ErrEligibleLeadersNotAvailable        = &KafkaError{83, "ELIGIBLE_LEADERS_NOT_AVAILABLE", true, "no eligible leader is available for the partition."}
	ErrElectionNotNeeded                  = &KafkaError{84, "ELECTION_NOT_NEEDED", true, "the partition needs no leader election."}
	ErrNoReassignmentInProgress           = &KafkaError{85, "NO_REASSIGNMENT_IN_PROGRESS", false, "no partition reassignment is under way."}
	ErrGroupSubscribedToTopic             = &KafkaError{86, "GROUP_SUBSCRIBED_TO_TOPIC", false, "the group still subscribes to the topic whose offsets would be deleted."}
	ErrInvalidRecord                      = &KafkaError{87, "INVALID_RECORD", false, "the broker's validation rejected a record of the batch."}
	ErrUnstableOffsetCommit               = &KafkaError{88, "UNSTABLE_OFFSET_COMMIT", true, "unstable offsets remain to be cleared."}
	ErrThrottlingQuotaExceeded            = &KafkaError{89, "THROTTLING_QUOTA_EXCEEDED", true, "the request would exceed a throttling quota."}
	ErrProducerFenced                     = &KafkaError{90, "PRODUCER_FENCED", false, "a newer producer with the same transactional id fenced this one."}
	ErrResourceNotFound                   = &KafkaError{91, "RESOURCE_NOT_FOUND", false, "the request names a resource that does not exist."}
	ErrDuplicateResource                  = &KafkaError{92, "DUPLICATE_RESOURCE", false, "the request names the same resource twice."}
	ErrUnacceptableCredential             = &KafkaError{93, "UNACCEPTABLE_CREDENTIAL", false, "the credential does not meet the broker's criteria."}
	ErrInconsistentVoterSet               = &KafkaError{94, "INCONSISTENT_VOTER_SET", false, "the sender or receiver is not among the expected voters."}
	ErrInvalidUpdateVersion               = &KafkaError{95, "INVALID_UPDATE_VERSION", false, "the update version is not valid."}
	ErrFeatureUpdateFailed                = &KafkaError{96, "FEATURE_UPDATE_FAILED", false, "the finalized features could not be updated."}
	ErrPrincipalDeserializationFailure    = &KafkaError{97, "PRINCIPAL_DESERIALIZATION_FAILURE", false, "a forwarded request's principal could not be read."}
	ErrSnapshotNotFound                   = &KafkaError{98, "SNAPSHOT_NOT_FOUND", false, "the snapshot does not exist."}
	ErrPositionOutOfRange                 = &KafkaError{99, "POSITION_OUT_OF_RANGE", false, "the position lies outside the snapshot."}
	ErrUnknownTopicID                     = &KafkaError{100, "UNKNOWN_TOPIC_ID", true, "this broker hosts no topic with this id."}
	ErrDuplicateBrokerRegistration        = &KafkaError{101, "DUPLICATE_BROKER_REGISTRATION", false, "the broker id is already registered."}
	ErrBrokerIDNotRegistered              = &KafkaError{102, "BROKER_ID_NOT_REGISTERED", false, "the broker id is not registered."}
	ErrInconsistentTopicID                = &KafkaError{103, "INCONSISTENT_TOPIC_ID", true, "the log's topic id differs from the request's."}
	ErrInconsistentClusterID              = &KafkaError{104, "INCONSISTENT_CLUSTER_ID", false, "the cluster id differs from the broker's."}
	ErrTransactionalIDNotFound            = &KafkaError{105, "TRANSACTIONAL_ID_NOT_FOUND", false, "the transactional id does not exist."}
	ErrFetchSessionTopicIDError           = &KafkaError{106, "FETCH_SESSION_TOPIC_ID_ERROR", true, "the fetch session mixes topic ids inconsistently."}
	ErrIneligibleReplica                  = &KafkaError{107, "INELIGIBLE_REPLICA", false, "the new in-sync set holds an ineligible replica."}
	ErrNewLeaderElected                   = &KafkaError{108, "NEW_LEADER_ELECTED", false, "the partition state changed, but so did its leader."}
	ErrOffsetMovedToTieredStorage         = &KafkaError{109, "OFFSET_MOVED_TO_TIERED_STORAGE", false, "the offset now lives in tiered storage."}
	ErrFencedMemberEpoch                  = &KafkaError{110, "FENCED_MEMBER_EPOCH", false, "the coordinator fenced the member epoch; rejoin."}
	ErrUnreleasedInstanceID               = &KafkaError{111, "UNRELEASED_INSTANCE_ID", false, "another member still uses the instance id."}
	ErrUnsupportedAssignor                = &KafkaError{112, "UNSUPPORTED_ASSIGNOR", false, "the group does not support the assignor or its version."}
	ErrStaleMemberEpoch                   = &KafkaError{113, "STALE_MEMBER_EPOCH", false, "the member epoch is stale."}
	ErrMismatchedEndpointType             = &KafkaError{114, "MISMATCHED_ENDPOINT_TYPE", false, "the request reached an endpoint of the wrong type."}
	ErrUnsupportedEndpointType            = &KafkaError{115, "UNSUPPORTED_ENDPOINT_TYPE", false, "this endpoint type is not supported yet."}
	ErrUnknownControllerID                = &KafkaError{116, "UNKNOWN_CONTROLLER_ID", false, "the controller id is not known."}
	ErrUnknownSubscriptionID              = &KafkaError{117, "UNKNOWN_SUBSCRIPTION_ID", false, "the telemetry subscription id is unknown or outdated."}
	ErrTelemetryTooLarge                  = &KafkaError{118, "TELEMETRY_TOO_LARGE", false, "the telemetry push is larger than the broker accepts."}
	ErrInvalidRegistration                = &KafkaError{119, "INVALID_REGISTRATION", false, "the controller found the broker registration invalid."}
	ErrTransactionAbortable               = &KafkaError{120, "TRANSACTION_ABORTABLE", false, "the transaction failed; abort it to keep using the transactional id."}
	ErrInvalidRecordState                 = &KafkaError{121, "INVALID_RECORD_STATE", false, "the record state does not allow the acknowledgement."}
	ErrShareSessionNotFound               = &KafkaError{122, "SHARE_SESSION_NOT_FOUND", false, "the share session does not exist."}
	ErrInvalidShareSessionEpoch           = &KafkaError{123, "INVALID_SHARE_SESSION_EPOCH", false, "the share session epoch is not valid."}
	ErrFencedStateEpoch                   = &KafkaError{124, "FENCED_STATE_EPOCH", false, "the state epoch does not match the coordinator's."}
	ErrInvalidVoterKey                    = &KafkaError{125, "INVALID_VOTER_KEY", false, "the voter key does not match the receiving replica's."}
	ErrDuplicateVoter                     = &KafkaError{126, "DUPLICATE_VOTER", false, "the voter is already in the voter set."}
	ErrVoterNotFound                      = &KafkaError{127, "VOTER_NOT_FOUND", false, "the voter is not in the voter set."}
	ErrInvalidRegularExpression           = &KafkaError{128, "INVALID_REGULAR_EXPRESSION", false, "the regular expression is not valid."}
	ErrRebootstrapRequired                = &KafkaError{129, "REBOOTSTRAP_REQUIRED", false, "the client's metadata is stale; it must bootstrap again from its seed brokers."}
	ErrStreamsInvalidTopology             = &KafkaError{130, "STREAMS_INVALID_TOPOLOGY", false, "the streams topology is not valid."}
	ErrStreamsInvalidTopologyEpoch        = &KafkaError{131, "STREAMS_INVALID_TOPOLOGY_EPOCH", false, "the streams topology epoch is not valid."}
	ErrStreamsTopologyFenced              = &KafkaError{132, "STREAMS_TOPOLOGY_FENCED", false, "the streams topology epoch is outdated."}
	ErrShareSessionLimitReached           = &KafkaError{133, "SHARE_SESSION_LIMIT_REACHED", true, "the broker holds as many share sessions as it allows."}
)

var kafkaErrors = []*KafkaError{
	ErrUnknownServerError, ErrOffsetOutOfRange, ErrCorruptMessage,
	ErrUnknownTopicOrPartition, ErrInvalidFetchSize, ErrLeaderNotAvailable,
	ErrNotLeaderOrFollower, ErrRequestTimedOut, ErrBrokerNotAvailable,
	ErrReplicaNotAvailable, ErrMessageTooLarge, ErrStaleControllerEpoch,
	ErrOffsetMetadataTooLarge, ErrNetworkException, ErrCoordinatorLoadInProgress,
	ErrCoordinatorNotAvailable, ErrNotCoordinator, ErrInvalidTopicException,
	ErrRecordListTooLarge, ErrNotEnoughReplicas, ErrNotEnoughReplicasAfterAppend,
	ErrInvalidRequiredAcks, ErrIllegalGeneration, ErrInconsistentGroupProtocol,
	ErrInvalidGroupID, ErrUnknownMemberID, ErrInvalidSessionTimeout, ErrRebalanceInProgress,
	ErrInvalidCommitOffsetSize, ErrTopicAuthorizationFailed, ErrGroupAuthorizationFailed,
	ErrClusterAuthorizationFailed, ErrInvalidTimestamp, ErrUnsupportedSaslMechanism,
	ErrIllegalSaslState, ErrBrokerUnsupportedVersion, ErrTopicAlreadyExists,
	ErrInvalidPartitions, ErrInvalidReplicationFactor, ErrInvalidReplicaAssignment,
	ErrInvalidConfig, ErrNotController, ErrInvalidRequest, ErrUnsupportedForMessageFormat,
	ErrPolicyViolation, ErrOutOfOrderSequenceNumber, ErrDuplicateSequenceNumber,
	ErrInvalidProducerEpoch, ErrInvalidTxnState, ErrInvalidProducerIDMapping,
	ErrInvalidTransactionTimeout, ErrConcurrentTransactions,
	ErrTransactionCoordinatorFenced, ErrTransactionalIDAuthorizationFailed,
	ErrSecurityDisabled, ErrOperationNotAttempted, ErrKafkaStorageError, ErrLogDirNotFound,
	ErrSaslAuthenticationFailed, ErrUnknownProducerID, ErrReassignmentInProgress,
	ErrDelegationTokenAuthDisabled, ErrDelegationTokenNotFound,
	ErrDelegationTokenOwnerMismatch, ErrDelegationTokenRequestNotAllowed,
	ErrDelegationTokenAuthorizationFailed, ErrDelegationTokenExpired,
	ErrInvalidPrincipalType, ErrNonEmptyGroup, ErrGroupIDNotFound,
	ErrFetchSessionIDNotFound, ErrInvalidFetchSessionEpoch, ErrListenerNotFound,
	ErrTopicDeletionDisabled, ErrFencedLeaderEpoch, ErrUnknownLeaderEpoch,
	ErrUnsupportedCompressionType, ErrStaleBrokerEpoch, ErrOffsetNotAvailable,
	ErrMemberIDRequired, ErrPreferredLeaderNotAvailable, ErrGroupMaxSizeReached,
	ErrFencedInstanceID, ErrEligibleLeadersNotAvailable, ErrElectionNotNeeded,
	ErrNoReassignmentInProgress, ErrGroupSubscribedToTopic, ErrInvalidRecord,
	ErrUnstableOffsetCommit, ErrThrottlingQuotaExceeded, ErrProducerFenced,
	ErrResourceNotFound, ErrDuplicateResource, ErrUnacceptableCredential,
	ErrInconsistentVoterSet, ErrInvalidUpdateVersion, ErrFeatureUpdateFailed,
	ErrPrincipalDeserializationFailure, ErrSnapshotNotFound, ErrPositionOutOfRange,
	ErrUnknownTopicID, ErrDuplicateBrokerRegistration, ErrBrokerIDNotRegistered,
	ErrInconsistentTopicID, ErrInconsistentClusterID, ErrTransactionalIDNotFound,
	ErrFetchSessionTopicIDError, ErrIneligibleReplica, ErrNewLeaderElected,
	ErrOffsetMovedToTieredStorage, ErrFencedMemberEpoch, ErrUnreleasedInstanceID,
	ErrUnsupportedAssignor, ErrStaleMemberEpoch, ErrMismatchedEndpointType,
	ErrUnsupportedEndpointType, ErrUnknownControllerID, ErrUnknownSubscriptionID,
	ErrTelemetryTooLarge, ErrInvalidRegistration, ErrTransactionAbortable,
	ErrInvalidRecordState, ErrShareSessionNotFound, ErrInvalidShareSessionEpoch,
	ErrFencedStateEpoch, ErrInvalidVoterKey, ErrDuplicateVoter, ErrVoterNotFound,
	ErrInvalidRegularExpression, ErrRebootstrapRequired, ErrStreamsInvalidTopology,
	ErrStreamsInvalidTopologyEpoch, ErrStreamsTopologyFenced, ErrShareSessionLimitReached,
}
