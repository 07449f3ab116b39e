package core

import (
	"errors"
	"fmt"
	"time"
)

// The producer's errors. Every error the producer returns or hands to a
// callback wraps one of these, or a broker's error code (a *KafkaError, with
// a sentinel such as ErrNotLeaderOrFollower for each code a producer meets),
// with %w, so callers test the kind with errors.Is and read the details in
// the message. Neither needs an import of the protocol package.
var (
	// ErrInvalidConfig: a configuration property is unknown, malformed, out
	// of range, or contradicts another property. Errors of this kind are
	// *ConfigError values, which name the property.
	ErrInvalidConfig = errors.New("invalid producer configuration")
	// ErrInvalidRecord: Send was given no record (a nil *Record), or a
	// record whose Timestamp is before the Unix epoch (Kafka timestamps are
	// non-negative milliseconds; leave Timestamp zero for "now"). Send
	// refuses it at once.
	ErrInvalidRecord = errors.New("invalid record")
	// ErrRecordTooLarge: the record, once encoded, is larger than
	// max.request.size or the buffer, so no batch could ever carry it. The
	// buffer is buffer.memory rounded down to a whole number of batch.size
	// slots. Send refuses such a record at once; it is never retried.
	ErrRecordTooLarge = errors.New("record is larger than max.request.size or buffer.memory")
	// ErrTimeout: a deadline passed before the work was done: max.block.ms
	// while waiting for metadata or buffer memory (then the error is a
	// *MaxBlockError saying how the time went), or delivery.timeout.ms
	// before the broker acknowledged a record.
	ErrTimeout = errors.New("producer timed out")
	// ErrClosed: the producer was closed before the call, or closed while
	// the record was still waiting to be sent.
	ErrClosed = errors.New("producer is closed")
	// ErrUnknownTopic: the cluster does not know the topic (metadata said so
	// for longer than max.block.ms).
	ErrUnknownTopic = errors.New("unknown topic")
	// ErrInvalidPartition: the record names a partition the topic does not
	// have (negative, or not below the topic's partition count).
	ErrInvalidPartition = errors.New("invalid partition")
	// ErrCalledFromCallback: Flush, Close or SendSync was called from a
	// Callback, or a Send from a Callback would have had to wait for topic
	// metadata or buffer memory. Callbacks run on the producer's sender
	// goroutine, and each of these waits for that goroutine, so the call
	// would deadlock: it fails at once and changes nothing. Make such calls
	// from another goroutine.
	ErrCalledFromCallback = errors.New("called from a producer callback, on the goroutine it would wait for")
	// ErrMaybeWritten marks the error of a record that may have been
	// written anyway: an earlier attempt of its batch got no answer (a
	// timeout, a broken connection), so the broker may hold it although the
	// producer could not deliver it. The error also says why the record
	// failed (errors.Is ErrTimeout, a broker error code, ...). A record
	// whose error does not match ErrMaybeWritten was not written.
	ErrMaybeWritten = errors.New("the record may have been written: an earlier attempt got no answer")
	// ErrNotSupported: the producer runs on Linux only (its network
	// selector is epoll, its buffer an mmap). On other systems NewProducer
	// fails with an error matching it and netpoll.ErrNotSupported.
	ErrNotSupported = errors.New("the producer needs Linux")
	// ErrAuthentication: the producer could not authenticate with a
	// broker: the TLS handshake failed (a certificate the producer does
	// not trust, an expired one, one for another host) or SASL failed (a
	// wrong password, a mechanism the broker does not enable). The error
	// also matches the cause: ErrSASLAuthenticationFailed, an x509 error.
	// Records waiting for that broker fail with it rather than wait for
	// delivery.timeout.ms; the producer keeps trying the broker, backing
	// off up to reconnect.backoff.max.ms.
	ErrAuthentication = errors.New("authentication with the broker failed")
)

// MaxBlockError is the error of a Send that ran out of max.block.ms. One
// budget covers the whole Send, as in Java's KafkaProducer: the wait for
// buffer memory gets what the wait for the topic's metadata left of it.
// errors.Is(err, ErrTimeout) holds, and errors.Is and errors.As also find
// the cause: ErrUnknownTopic or the broker's error for the topic, or the
// arena's *arena.TimeoutError.
type MaxBlockError struct {
	// Topic is the record's topic.
	Topic string
	// MaxBlock is max.block.ms, the budget.
	MaxBlock time.Duration
	// Metadata is how long Send waited for the topic's metadata: zero when
	// the topic was known.
	Metadata time.Duration
	// Bytes is the size of the batch Send waited memory for; MemoryBudget
	// is what Metadata left of MaxBlock for buffer memory, and Memory how
	// long Send waited for it, as the arena measured it (a little over
	// MemoryBudget: timers fire late). All three are zero when Send ran out
	// of time waiting for metadata.
	Bytes        int
	MemoryBudget time.Duration
	Memory       time.Duration
	// Err is the cause.
	Err error
}

func (e *MaxBlockError) Error() string {
	ms := func(d time.Duration) time.Duration { return d.Round(time.Millisecond) }
	if e.Bytes == 0 {
		return fmt.Sprintf("%v: topic %q not present in metadata after %v (max.block.ms is %v): %v",
			ErrTimeout, e.Topic, ms(e.Metadata), e.MaxBlock, e.Err)
	}
	return fmt.Sprintf("%v: no buffer memory for a %d-byte batch of topic %q within max.block.ms (%v): "+
		"%v waiting for metadata left %v for memory, and that wait took %v: %v",
		ErrTimeout, e.Bytes, e.Topic, e.MaxBlock, ms(e.Metadata), ms(e.MemoryBudget), ms(e.Memory), e.Err)
}

// Unwrap returns ErrTimeout and the cause.
func (e *MaxBlockError) Unwrap() []error { return []error{ErrTimeout, e.Err} }

// ConfigError says which configuration property is wrong and why. It wraps
// ErrInvalidConfig.
type ConfigError struct {
	// Key is the Kafka property name, such as "linger.ms".
	Key string
	// Value is the value given for Key, as text.
	Value string
	// Reason says what is wrong, as a phrase: "must be at least 1".
	Reason string
}

func (e *ConfigError) Error() string {
	return fmt.Sprintf("%v: %s=%q %s", ErrInvalidConfig, e.Key, e.Value, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }
