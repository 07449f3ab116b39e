package core

import (
	"context"
	"crypto/tls"
	"log/slog"
	"math"
	"strconv"
	"time"
)

// Acknowledgement levels for Config.Acks, as the Produce request carries them.
const (
	// AcksAll waits until every in-sync replica has the record (acks=all, -1).
	AcksAll int16 = -1
	// AcksNone does not wait for the broker at all (acks=0).
	AcksNone int16 = 0
	// AcksLeader waits until the partition leader has the record (acks=1).
	AcksLeader int16 = 1
)

// Compression is a record batch codec. Its values are the codec numbers a
// RecordBatch v2 header carries in its attributes.
type Compression int8

// The codecs of compression.type.
const (
	CompressionNone   Compression = 0
	CompressionGzip   Compression = 1
	CompressionSnappy Compression = 2
	CompressionLZ4    Compression = 3
	CompressionZstd   Compression = 4
)

var compressionNames = [...]string{"none", "gzip", "snappy", "lz4", "zstd"}

// String returns the codec's compression.type name, such as "zstd".
func (c Compression) String() string {
	if c < 0 || int(c) >= len(compressionNames) {
		return "Compression(" + strconv.Itoa(int(c)) + ")"
	}
	return compressionNames[c]
}

// Transport is the socket layer the sender drives.
type Transport string

// The transports of the transport property.
const (
	// TransportEpoll is an epoll selector writing with writev (package
	// netpoll), the default.
	TransportEpoll Transport = "epoll"
	// TransportIOURing is io_uring (package iouring): sends and receives
	// of every connection submitted in batches, one system call per Poll.
	// Where the kernel refuses io_uring the producer falls back to epoll,
	// unless TransportFallback is false.
	TransportIOURing Transport = "iouring"
	// TransportNetpoll is the former name of TransportEpoll; the property
	// still reads "netpoll" as epoll.
	TransportNetpoll = TransportEpoll
)

// Config is the producer's configuration. Each field mirrors the Kafka
// producer property named in its comment and defaults to Kafka 4.x's value;
// start from DefaultConfig, change what you need, and let NewProducer (or
// Validate) check it. The same settings can be given by property name with
// Set, ParseProperties or LoadPropertiesFile.
//
// Durations are time.Duration here and whole milliseconds as properties.
type Config struct {
	// BootstrapServers is bootstrap.servers: "host:port" addresses the
	// producer asks for cluster metadata first. Required; no default.
	BootstrapServers []string

	// ClientID is client.id, sent with every request so brokers can tell
	// clients apart in logs and quotas. Default "perfproducer".
	ClientID string

	// Acks is acks: how many replicas must have a record before the broker
	// answers. AcksAll (-1, "all"), AcksLeader (1) or AcksNone (0).
	// Default AcksAll.
	Acks int16

	// EnableIdempotence is enable.idempotence: the producer gets a producer
	// id and numbers its batches, so retries never duplicate or reorder
	// records. It needs acks=all, retries > 0 and at most 5 requests in
	// flight. If it was set explicitly (by Set or a properties map) and one
	// of those does not hold, Validate fails; if it was left at its default,
	// Validate quietly turns it off, as Kafka does. Default true.
	EnableIdempotence bool

	// Linger is linger.ms: how long a batch that is not full waits for more
	// records before it is sent. Default 5 ms.
	Linger time.Duration

	// BatchSize is batch.size: the bytes of one batch, which is also the
	// size of one arena slot. A record larger than this gets a batch of its
	// own. Default 16384.
	BatchSize int

	// BufferMemory is buffer.memory: the bytes of the arena holding every
	// batch not yet acknowledged. Send blocks (up to max.block.ms) when it is
	// full. At least batch.size. Default 33554432 (32 MiB). The arena is
	// outside the Go heap, but the producer reserves as much Go heap,
	// untouched (arena.Options.CountInGoHeap), so the collector and
	// GOMEMLIMIT count the buffer as if the records were on the heap:
	// runtime heap figures include it.
	BufferMemory int64

	// MaxBlock is max.block.ms: the longest Send may wait for topic metadata
	// or for buffer memory before it fails with ErrTimeout. Default 60 s.
	MaxBlock time.Duration

	// MaxRequestSize is max.request.size: the largest Produce request, and
	// so the largest record. Default 1048576 (1 MiB).
	MaxRequestSize int

	// MaxInFlight is max.in.flight.requests.per.connection: how many Produce
	// requests may await their answer on one connection. Default 5.
	MaxInFlight int

	// Retries is retries: how many times a failed batch is sent again before
	// its records fail. delivery.timeout.ms bounds retries in time, which is
	// why the default is effectively unlimited. Default 2147483647.
	Retries int

	// RetryBackoff is retry.backoff.ms: the pause before the first retry of a
	// batch; later retries back off exponentially (with jitter) up to
	// RetryBackoffMax. When RetryBackoff exceeds RetryBackoffMax, every pause
	// is RetryBackoffMax. Default 100 ms.
	RetryBackoff time.Duration

	// RetryBackoffMax is retry.backoff.max.ms: the longest pause between
	// retries. Default 1 s.
	RetryBackoffMax time.Duration

	// DeliveryTimeout is delivery.timeout.ms: the longest a record may take
	// from Send to its acknowledgement, retries included, before it fails
	// with ErrTimeout. It must be at least linger.ms + request.timeout.ms:
	// if it was set explicitly and is smaller, Validate fails; if it was
	// left at its default, Validate raises it to that sum, as Kafka does.
	// Default 120 s.
	DeliveryTimeout time.Duration

	// RequestTimeout is request.timeout.ms: how long the producer waits for a
	// broker's answer before it treats the request as failed. Default 30 s.
	RequestTimeout time.Duration

	// ConnectionsMaxIdle is connections.max.idle.ms: a connection idle for
	// this long is closed. Negative means never. Default 540 s (9 min).
	ConnectionsMaxIdle time.Duration

	// MetadataMaxAge is metadata.max.age.ms: cluster metadata older than this
	// is refreshed even when nothing went wrong. Default 300 s.
	MetadataMaxAge time.Duration

	// Compression is compression.type: the codec for record batches.
	// Default CompressionNone.
	Compression Compression

	// GzipLevel is compression.gzip.level: 1 (fastest) to 9 (smallest), or
	// -1 for the codec's default. Default -1.
	GzipLevel int

	// LZ4Level is compression.lz4.level: 1 to 17. Default 9.
	LZ4Level int

	// ZstdLevel is compression.zstd.level: -131072 to 22. Default 3.
	ZstdLevel int

	// SendBufferBytes is send.buffer.bytes: the socket's SO_SNDBUF; -1 keeps
	// the operating system's default. Default 131072.
	SendBufferBytes int

	// ReceiveBufferBytes is receive.buffer.bytes: the socket's SO_RCVBUF; -1
	// keeps the operating system's default. Default 32768.
	ReceiveBufferBytes int

	// SocketConnectionSetupTimeout is socket.connection.setup.timeout.ms: how
	// long a connection attempt (TCP connect and handshake) may take before
	// it is abandoned. Default 10 s.
	SocketConnectionSetupTimeout time.Duration

	// ReconnectBackoff is reconnect.backoff.ms: the pause before reconnecting
	// to a broker after a failed attempt; it grows exponentially up to
	// ReconnectBackoffMax. Default 50 ms.
	ReconnectBackoff time.Duration

	// ReconnectBackoffMax is reconnect.backoff.max.ms: the longest pause
	// before reconnecting. Default 1 s.
	ReconnectBackoffMax time.Duration

	// PartitionerIgnoreKeys is partitioner.ignore.keys: when true, keyed
	// records are spread like unkeyed ones instead of by the key's hash.
	// Default false.
	PartitionerIgnoreKeys bool

	// PartitionerAdaptive is partitioner.adaptive.partitioning.enable: when
	// true, records without a key favour partitions whose leader brokers
	// have shorter queues instead of choosing uniformly. Default true.
	PartitionerAdaptive bool

	// PartitionerAvailabilityTimeout is partitioner.availability.timeout.ms:
	// with adaptive partitioning, a partition whose leader has not accepted
	// a request for this long is skipped by records without a key. Zero
	// turns the check off. Default 0.
	PartitionerAvailabilityTimeout time.Duration

	// Transport is transport (not a Kafka property; perfproducer.transport
	// is read as its alias): the socket layer, TransportEpoll or
	// TransportIOURing. Stats.Transport says which one is in use. Default
	// TransportEpoll.
	Transport Transport

	// TransportFallback is transport.fallback (not a Kafka property): when
	// Transport is TransportIOURing and the kernel refuses io_uring (too
	// old, disabled by the kernel.io_uring_disabled sysctl, refused by a
	// seccomp or container policy), the producer uses epoll instead and
	// logs it once. False makes NewProducer fail instead, with an error
	// matching iouring.ErrNotSupported. Default true.
	TransportFallback bool

	// SecurityProtocol is security.protocol: how the producer talks to
	// brokers, SecurityPlaintext, SecuritySSL (TLS), SecuritySASLPlaintext
	// (SASL over plain TCP) or SecuritySASLSSL (SASL over TLS). TLS needs
	// the epoll transport. Default SecurityPlaintext.
	SecurityProtocol SecurityProtocol

	// TLS is the base of the TLS configuration (no property name): nil
	// starts from Go's defaults. The ssl.* properties set, when given, add
	// to a copy of it: roots, a client certificate, versions, host name
	// verification. Used only when SecurityProtocol uses TLS.
	TLS *tls.Config

	// SSLTruststoreLocation is ssl.truststore.location: a PEM file of the
	// certificate authorities that sign brokers' certificates (Kafka's
	// ssl.truststore.type=PEM). Empty with SSLTruststoreCertificates empty
	// means the system's roots, or TLS.RootCAs.
	SSLTruststoreLocation string

	// SSLTruststoreCertificates is ssl.truststore.certificates: the same
	// certificates as PEM text.
	SSLTruststoreCertificates string

	// SSLKeystoreLocation is ssl.keystore.location: a PEM file holding the
	// client's private key and certificate chain, for mutual TLS. Encrypted
	// private keys are refused: decrypt them first.
	SSLKeystoreLocation string

	// SSLKeystoreKey is ssl.keystore.key: the client's private key as PEM
	// text, with SSLKeystoreCertificateChain. A secret: never printed.
	SSLKeystoreKey string

	// SSLKeystoreCertificateChain is ssl.keystore.certificate.chain: the
	// client's certificate chain as PEM text.
	SSLKeystoreCertificateChain string

	// SSLKeyPassword is ssl.key.password (ssl.keystore.password is read as
	// its alias). Encrypted PEM keys are not supported, so a password is
	// refused with the advice to decrypt the key. A secret.
	SSLKeyPassword string

	// SSLEndpointIdentificationAlgorithm is
	// ssl.endpoint.identification.algorithm: "https" verifies that the
	// broker's certificate names the host connected to; "" verifies the
	// certificate's chain only. Default "https".
	SSLEndpointIdentificationAlgorithm string

	// SSLEnabledProtocols is ssl.enabled.protocols: the TLS versions
	// allowed, a comma-separated subset of TLSv1.2 and TLSv1.3. Default
	// "TLSv1.2,TLSv1.3".
	SSLEnabledProtocols string

	// SASLMechanism is sasl.mechanism: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
	// or OAUTHBEARER. Used only when SecurityProtocol uses SASL. Default
	// PLAIN (Kafka's default, GSSAPI, is not supported).
	SASLMechanism string

	// SASLJAASConfig is sasl.jaas.config, as Java clients take it:
	// `org.apache.kafka.common.security.plain.PlainLoginModule required
	// username="alice" password="...";` (ScramLoginModule for SCRAM). Only
	// username and password are read from it. A secret: never printed.
	SASLJAASConfig string

	// SASLUsername and SASLPassword (no property names) are the PLAIN or
	// SCRAM credentials; when set they take precedence over
	// SASLJAASConfig.
	SASLUsername string
	SASLPassword string

	// SASLTokenProvider (no property name) returns the bearer token for
	// OAUTHBEARER. It is called on the sender goroutine at each
	// authentication, with a context bounded by request.timeout.ms, so it
	// should return a cached token rather than fetch one.
	SASLTokenProvider func(ctx context.Context) (token string, err error)

	// Logger receives the producer's diagnostics. It has no property name.
	// Nil discards them. Default nil.
	Logger *slog.Logger

	// explicit has bit i set when property i was given by name (Set,
	// ParseProperties); see explicitlySet.
	explicit uint64
}

// DefaultConfig returns Kafka 4.x's producer defaults, plus this producer's
// own (epoll transport with fallback, no logger). BootstrapServers is left empty: it has
// no default and must be filled in.
func DefaultConfig() Config {
	return Config{
		ClientID:                           "perfproducer",
		Acks:                               AcksAll,
		EnableIdempotence:                  true,
		Linger:                             5 * time.Millisecond,
		BatchSize:                          16384,
		BufferMemory:                       32 << 20,
		MaxBlock:                           60 * time.Second,
		MaxRequestSize:                     1 << 20,
		MaxInFlight:                        5,
		Retries:                            2147483647,
		RetryBackoff:                       100 * time.Millisecond,
		RetryBackoffMax:                    time.Second,
		DeliveryTimeout:                    120 * time.Second,
		RequestTimeout:                     30 * time.Second,
		ConnectionsMaxIdle:                 540 * time.Second,
		MetadataMaxAge:                     300 * time.Second,
		Compression:                        CompressionNone,
		GzipLevel:                          -1,
		LZ4Level:                           9,
		ZstdLevel:                          3,
		SendBufferBytes:                    131072,
		ReceiveBufferBytes:                 32768,
		SocketConnectionSetupTimeout:       10 * time.Second,
		ReconnectBackoff:                   50 * time.Millisecond,
		ReconnectBackoffMax:                time.Second,
		PartitionerIgnoreKeys:              false,
		PartitionerAdaptive:                true,
		PartitionerAvailabilityTimeout:     0,
		Transport:                          TransportEpoll,
		TransportFallback:                  true,
		SecurityProtocol:                   SecurityPlaintext,
		SSLEndpointIdentificationAlgorithm: "https",
		SSLEnabledProtocols:                "TLSv1.2,TLSv1.3",
		SASLMechanism:                      SASLPlain,
	}
}

// maxIdempotentInFlight is the most requests an idempotent producer may have
// in flight per connection: brokers keep the sequence numbers of only the
// last five batches per partition.
const maxIdempotentInFlight = 5

// Validate checks every setting against Kafka's rules and returns a
// *ConfigError (wrapping ErrInvalidConfig) naming the first property that
// breaks one.
//
// Like Kafka, it also settles two defaults that depend on other settings,
// changing c: enable.idempotence left at its default is turned off when acks,
// retries or max.in.flight.requests.per.connection rule it out, and
// delivery.timeout.ms left at its default is raised to linger.ms +
// request.timeout.ms when it is smaller. A property counts as explicitly set
// when it was given by name, or when its field differs from the default.
func (c *Config) Validate() error {
	for i := range properties {
		if err := properties[i].validate(c); err != nil {
			return err
		}
	}
	if c.BufferMemory < int64(c.BatchSize) {
		return c.conflict("buffer.memory", "must be at least batch.size ("+strconv.Itoa(c.BatchSize)+")")
	}
	if err := c.validateSecurity(); err != nil {
		return err
	}
	if err := c.settleDeliveryTimeout(); err != nil {
		return err
	}
	return c.settleIdempotence()
}

// settleDeliveryTimeout applies Kafka's rule that a record must be allowed to
// linger and then wait out one request.
func (c *Config) settleDeliveryTimeout() error {
	floor := c.Linger + c.RequestTimeout
	if floor < c.Linger {
		floor = math.MaxInt64 // the sum overflowed
	}
	if c.DeliveryTimeout >= floor {
		return nil
	}
	if c.explicitlySet("delivery.timeout.ms") {
		return c.conflict("delivery.timeout.ms", "must be at least linger.ms + request.timeout.ms ("+strconv.FormatInt(floor.Milliseconds(), 10)+" ms)")
	}
	c.log("raising delivery.timeout.ms to linger.ms + request.timeout.ms", "delivery.timeout.ms", floor.Milliseconds())
	c.DeliveryTimeout = floor
	return nil
}

// settleIdempotence applies Kafka's rules for enable.idempotence.
func (c *Config) settleIdempotence() error {
	if !c.EnableIdempotence {
		return nil
	}
	key, reason := "", ""
	switch {
	case c.Acks != AcksAll:
		key, reason = "acks", "must be all when enable.idempotence is true"
	case c.Retries == 0:
		key, reason = "retries", "must be above 0 when enable.idempotence is true"
	case c.MaxInFlight > maxIdempotentInFlight:
		key, reason = "max.in.flight.requests.per.connection", "must be at most 5 when enable.idempotence is true"
	default:
		return nil
	}
	if c.explicitlySet("enable.idempotence") {
		return c.conflict(key, reason)
	}
	c.log("disabling idempotence: "+key+" "+reason, key, propertyByName[key].get(c))
	c.EnableIdempotence = false
	return nil
}

// conflict is the error for key, whose own value is well formed but clashes
// with another setting.
func (c *Config) conflict(key, reason string) error {
	return &ConfigError{Key: key, Value: propertyByName[key].shown(c), Reason: reason}
}

// explicitlySet reports whether the property named key was given by name, or
// its field no longer holds the default value.
func (c *Config) explicitlySet(key string) bool {
	p := propertyByName[key]
	if c.explicit&(1<<p.index) != 0 {
		return true
	}
	defaults := DefaultConfig()
	return p.get(c) != p.get(&defaults)
}

func (c *Config) log(msg string, key string, value any) {
	if c.Logger != nil {
		c.Logger.Info(msg, slog.Any(key, value))
	}
}
