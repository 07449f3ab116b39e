package core

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

// kafkaDefaults are the Kafka 4.x producer defaults as Kafka's documentation
// states them, plus transport and transport.fallback; sasl.mechanism is
// PLAIN where Kafka's is GSSAPI, which this producer does not speak.
// bootstrap.servers has none.
var kafkaDefaults = map[string]string{
	"bootstrap.servers":                        "",
	"client.id":                                "perfproducer",
	"acks":                                     "all",
	"enable.idempotence":                       "true",
	"linger.ms":                                "5",
	"batch.size":                               "16384",
	"buffer.memory":                            "33554432",
	"max.block.ms":                             "60000",
	"max.request.size":                         "1048576",
	"max.in.flight.requests.per.connection":    "5",
	"retries":                                  "2147483647",
	"retry.backoff.ms":                         "100",
	"retry.backoff.max.ms":                     "1000",
	"delivery.timeout.ms":                      "120000",
	"request.timeout.ms":                       "30000",
	"connections.max.idle.ms":                  "540000",
	"metadata.max.age.ms":                      "300000",
	"compression.type":                         "none",
	"compression.gzip.level":                   "-1",
	"compression.lz4.level":                    "9",
	"compression.zstd.level":                   "3",
	"send.buffer.bytes":                        "131072",
	"receive.buffer.bytes":                     "32768",
	"socket.connection.setup.timeout.ms":       "10000",
	"reconnect.backoff.ms":                     "50",
	"reconnect.backoff.max.ms":                 "1000",
	"partitioner.ignore.keys":                  "false",
	"partitioner.adaptive.partitioning.enable": "true",
	"partitioner.availability.timeout.ms":      "0",
	"transport":                                "epoll",
	"transport.fallback":                       "true",
	"security.protocol":                        "PLAINTEXT",
	"ssl.truststore.location":                  "",
	"ssl.truststore.certificates":              "",
	"ssl.keystore.location":                    "",
	"ssl.keystore.key":                         "",
	"ssl.keystore.certificate.chain":           "",
	"ssl.key.password":                         "",
	"ssl.endpoint.identification.algorithm":    "https",
	"ssl.enabled.protocols":                    "TLSv1.2,TLSv1.3",
	"sasl.mechanism":                           "PLAIN",
	"sasl.jaas.config":                         "",
}

func TestDefaultConfigMatchesKafka(t *testing.T) {
	got := DefaultConfig().Properties()
	if !slices.Equal(slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(kafkaDefaults))) {
		t.Fatalf("properties %v, want %v", slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(kafkaDefaults)))
	}
	for key, want := range kafkaDefaults {
		if got[key] != want {
			t.Errorf("%s = %q, want %q", key, got[key], want)
		}
	}
	if len(properties) > 64 {
		t.Errorf("%d properties do not fit Config.explicit", len(properties))
	}
}

func TestDefaultConfigFields(t *testing.T) {
	c := DefaultConfig()
	for _, tc := range []struct {
		name      string
		got, want any
	}{
		{"Acks", c.Acks, AcksAll},
		{"Linger", c.Linger, 5 * time.Millisecond},
		{"BufferMemory", c.BufferMemory, int64(32 << 20)},
		{"DeliveryTimeout", c.DeliveryTimeout, 2 * time.Minute},
		{"ConnectionsMaxIdle", c.ConnectionsMaxIdle, 9 * time.Minute},
		{"Compression", c.Compression, CompressionNone},
		{"Transport", c.Transport, TransportEpoll},
		{"Logger", c.Logger, (*slog.Logger)(nil)},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
}

// validConfig is DefaultConfig with the one required property filled in.
func validConfig() Config {
	c := DefaultConfig()
	c.BootstrapServers = []string{"localhost:9092"}
	return c
}

func TestDefaultConfigValidates(t *testing.T) {
	c := validConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !c.EnableIdempotence || c.DeliveryTimeout != 2*time.Minute {
		t.Errorf("Validate changed defaults: idempotence %v, delivery timeout %v", c.EnableIdempotence, c.DeliveryTimeout)
	}
}

func TestSetAcceptsGoodValues(t *testing.T) {
	for _, tc := range []struct {
		key, value string
		want       string // the property's text afterwards
		field      func(Config) any
		wantField  any
	}{
		{"bootstrap.servers", " a:1, b:2 ,,[::1]:9093 ", "a:1,b:2,[::1]:9093", func(c Config) any { return len(c.BootstrapServers) }, 3},
		{"client.id", "  loader ", "loader", nil, nil},
		{"acks", "ALL", "all", func(c Config) any { return c.Acks }, AcksAll},
		{"acks", "-1", "all", func(c Config) any { return c.Acks }, AcksAll},
		{"acks", "0", "0", func(c Config) any { return c.Acks }, AcksNone},
		{"acks", "1", "1", func(c Config) any { return c.Acks }, AcksLeader},
		{"enable.idempotence", "FALSE", "false", func(c Config) any { return c.EnableIdempotence }, false},
		{"linger.ms", "100", "100", func(c Config) any { return c.Linger }, 100 * time.Millisecond},
		{"linger.ms", "0", "0", nil, nil},
		{"batch.size", "+65536", "65536", func(c Config) any { return c.BatchSize }, 65536},
		{"buffer.memory", "8589934592", "8589934592", func(c Config) any { return c.BufferMemory }, int64(8 << 30)},
		{"max.block.ms", "0", "0", nil, nil},
		{"max.request.size", "10485760", "10485760", nil, nil},
		{"max.in.flight.requests.per.connection", "1", "1", func(c Config) any { return c.MaxInFlight }, 1},
		{"retries", "0", "0", nil, nil},
		{"retries", "2147483647", "2147483647", nil, nil},
		{"retry.backoff.ms", "250", "250", func(c Config) any { return c.RetryBackoff }, 250 * time.Millisecond},
		{"retry.backoff.max.ms", "5000", "5000", nil, nil},
		{"delivery.timeout.ms", "300000", "300000", nil, nil},
		{"request.timeout.ms", "1000", "1000", nil, nil},
		{"connections.max.idle.ms", "-1", "-1", func(c Config) any { return c.ConnectionsMaxIdle }, -time.Millisecond},
		{"metadata.max.age.ms", "1000", "1000", nil, nil},
		{"compression.type", "zstd", "zstd", func(c Config) any { return c.Compression }, CompressionZstd},
		{"compression.type", "gzip", "gzip", func(c Config) any { return c.Compression }, CompressionGzip},
		{"compression.type", "snappy", "snappy", func(c Config) any { return c.Compression }, CompressionSnappy},
		{"compression.type", "LZ4", "lz4", func(c Config) any { return c.Compression }, CompressionLZ4},
		{"compression.type", "none", "none", func(c Config) any { return c.Compression }, CompressionNone},
		{"compression.gzip.level", "9", "9", func(c Config) any { return c.GzipLevel }, 9},
		{"compression.gzip.level", "1", "1", nil, nil},
		{"compression.lz4.level", "17", "17", func(c Config) any { return c.LZ4Level }, 17},
		{"compression.zstd.level", "-131072", "-131072", func(c Config) any { return c.ZstdLevel }, -131072},
		{"compression.zstd.level", "22", "22", nil, nil},
		{"send.buffer.bytes", "-1", "-1", func(c Config) any { return c.SendBufferBytes }, -1},
		{"receive.buffer.bytes", "1048576", "1048576", func(c Config) any { return c.ReceiveBufferBytes }, 1 << 20},
		{"socket.connection.setup.timeout.ms", "2000", "2000", nil, nil},
		{"reconnect.backoff.ms", "10", "10", nil, nil},
		{"reconnect.backoff.max.ms", "30000", "30000", nil, nil},
		{"partitioner.ignore.keys", "true", "true", func(c Config) any { return c.PartitionerIgnoreKeys }, true},
		{"partitioner.adaptive.partitioning.enable", "false", "false", func(c Config) any { return c.PartitionerAdaptive }, false},
		{"partitioner.availability.timeout.ms", "500", "500", func(c Config) any { return c.PartitionerAvailabilityTimeout }, 500 * time.Millisecond},
		{"transport", "iouring", "iouring", func(c Config) any { return c.Transport }, TransportIOURing},
		{"transport", "EPoll", "epoll", func(c Config) any { return c.Transport }, TransportEpoll},
		{"transport", "netpoll", "epoll", func(c Config) any { return c.Transport }, TransportEpoll},
		{"transport.fallback", "false", "false", func(c Config) any { return c.TransportFallback }, false},
	} {
		c := DefaultConfig()
		if err := c.Set(tc.key, tc.value); err != nil {
			t.Errorf("Set(%q, %q): %v", tc.key, tc.value, err)
			continue
		}
		if got := c.Properties()[tc.key]; got != tc.want {
			t.Errorf("Set(%q, %q): property reads %q, want %q", tc.key, tc.value, got, tc.want)
		}
		if tc.field != nil && tc.field(c) != tc.wantField {
			t.Errorf("Set(%q, %q): field is %v, want %v", tc.key, tc.value, tc.field(c), tc.wantField)
		}
		if !c.explicitlySet(tc.key) {
			t.Errorf("Set(%q, %q) did not mark the property explicitly set", tc.key, tc.value)
		}
	}
}

func TestSetRejectsBadValues(t *testing.T) {
	for _, tc := range []struct{ key, value string }{
		{"bootstrap.servers", ""},
		{"bootstrap.servers", " , "},
		{"bootstrap.servers", "localhost"},
		{"bootstrap.servers", "a:1,b"},
		{"bootstrap.servers", ":9092"},
		{"bootstrap.servers", "host:0"},
		{"bootstrap.servers", "host:65536"},
		{"bootstrap.servers", "host:http"},
		{"acks", "2"},
		{"acks", "leader"},
		{"acks", ""},
		{"enable.idempotence", "yes"},
		{"enable.idempotence", "1"},
		{"linger.ms", "-1"},
		{"linger.ms", "5ms"},
		{"linger.ms", "1.5"},
		{"linger.ms", "99999999999999999"},
		{"batch.size", "0"},
		{"batch.size", "-16384"},
		{"batch.size", "2147483648"},
		{"batch.size", "16k"},
		{"buffer.memory", "0"},
		{"buffer.memory", "99999999999999999999"},
		{"max.block.ms", "-5"},
		{"max.request.size", "0"},
		{"max.in.flight.requests.per.connection", "0"},
		{"retries", "-1"},
		{"retries", "2147483648"},
		{"retry.backoff.ms", "-1"},
		{"retry.backoff.max.ms", "x"},
		{"delivery.timeout.ms", "-1"},
		{"request.timeout.ms", "-1"},
		{"connections.max.idle.ms", "forever"},
		{"metadata.max.age.ms", "-1"},
		{"compression.type", "brotli"},
		{"compression.type", ""},
		{"compression.gzip.level", "0"},
		{"compression.gzip.level", "10"},
		{"compression.gzip.level", "-2"},
		{"compression.lz4.level", "0"},
		{"compression.lz4.level", "18"},
		{"compression.zstd.level", "23"},
		{"compression.zstd.level", "-131073"},
		{"send.buffer.bytes", "-2"},
		{"receive.buffer.bytes", "-2"},
		{"socket.connection.setup.timeout.ms", "-1"},
		{"reconnect.backoff.ms", "-1"},
		{"reconnect.backoff.max.ms", "-1"},
		{"partitioner.ignore.keys", "on"},
		{"partitioner.adaptive.partitioning.enable", ""},
		{"partitioner.availability.timeout.ms", "-1"},
		{"transport", "kqueue"},
		{"transport", ""},
		{"transport.fallback", "no"},
	} {
		c := DefaultConfig()
		before := c.Properties()
		err := c.Set(tc.key, tc.value)
		assertConfigError(t, err, tc.key)
		var configErr *ConfigError
		if errors.As(err, &configErr) && configErr.Value != tc.value {
			t.Errorf("Set(%q, %q): error names value %q", tc.key, tc.value, configErr.Value)
		}
		if !maps.Equal(c.Properties(), before) || c.explicit != 0 {
			t.Errorf("Set(%q, %q) changed the config despite failing", tc.key, tc.value)
		}
	}
}

// assertConfigError checks err is a *ConfigError naming key that wraps
// ErrInvalidConfig, and returns its message.
func assertConfigError(t *testing.T, err error, key string) string {
	t.Helper()
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("%s: got %v, want an error wrapping ErrInvalidConfig", key, err)
		return ""
	}
	var configErr *ConfigError
	if !errors.As(err, &configErr) || configErr.Key != key {
		t.Errorf("got %v, want a *ConfigError naming %s", err, key)
	}
	if !strings.Contains(err.Error(), key) {
		t.Errorf("message %q does not name %s", err, key)
	}
	return err.Error()
}

func TestSetRejectsUnknownKeys(t *testing.T) {
	for _, tc := range []struct{ key, suggestion string }{
		{"linger", "linger.ms"},
		{"lingers.ms", "linger.ms"},
		{"batch_size", "batch.size"},
		{"ack", "acks"},
		{"compression.codec", "compression.type"},
		{"transactional.id", ""},
		{"sasl.mechanism", ""},
		{"", ""},
	} {
		c := DefaultConfig()
		message := assertConfigError(t, c.Set(tc.key, "1"), tc.key)
		hasSuggestion := strings.Contains(message, "did you mean")
		if tc.suggestion == "" && hasSuggestion {
			t.Errorf("%q: unexpected suggestion in %q", tc.key, message)
		}
		if tc.suggestion != "" && !strings.Contains(message, "did you mean "+tc.suggestion+"?") {
			t.Errorf("%q: message %q does not suggest %s", tc.key, message, tc.suggestion)
		}
	}
}

func TestParseProperties(t *testing.T) {
	c, err := ParseProperties(map[string]string{
		"bootstrap.servers": "k1:9092,k2:9092",
		"linger.ms":         "50",
		"compression.type":  "lz4",
		"acks":              "1",
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.BootstrapServers, []string{"k1:9092", "k2:9092"}) || c.Linger != 50*time.Millisecond ||
		c.Compression != CompressionLZ4 || c.Acks != AcksLeader {
		t.Errorf("parsed %+v", c)
	}
	// acks=1 rules out idempotence, which was left at its default.
	if c.EnableIdempotence {
		t.Error("idempotence stayed on with acks=1")
	}

	_, err = ParseProperties(map[string]string{"bootstrap.servers": "k:1", "linger.ms": "x", "batch.size": "y"})
	assertConfigError(t, err, "batch.size") // keys apply in name order

	_, err = ParseProperties(map[string]string{"linger.ms": "10"})
	assertConfigError(t, err, "bootstrap.servers")
}

func TestPropertiesRoundTrip(t *testing.T) {
	c := validConfig()
	c.Linger = 20 * time.Millisecond
	c.Compression = CompressionZstd
	c.ZstdLevel = -5
	c.Acks = AcksNone
	c.Transport = TransportIOURing
	c.ConnectionsMaxIdle = -time.Millisecond
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	parsed, err := ParseProperties(c.Properties())
	if err != nil {
		t.Fatal(err)
	}
	if !maps.Equal(parsed.Properties(), c.Properties()) {
		t.Errorf("round trip changed %v into %v", c.Properties(), parsed.Properties())
	}
}

// parseWithBootstrap parses props plus a bootstrap.servers. When errorKey is
// set it expects a *ConfigError naming errorKey whose message mentions
// mention, and reports false; otherwise it expects no error.
func parseWithBootstrap(t *testing.T, props map[string]string, errorKey, mention string) (Config, bool) {
	t.Helper()
	all := map[string]string{"bootstrap.servers": "k:9092"}
	maps.Copy(all, props)
	c, err := ParseProperties(all)
	if errorKey != "" {
		if message := assertConfigError(t, err, errorKey); !strings.Contains(message, mention) {
			t.Errorf("message %q does not mention %s", message, mention)
		}
		return c, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return c, true
}

func TestValidateIdempotence(t *testing.T) {
	for _, tc := range []struct {
		name     string
		props    map[string]string
		errorKey string // "" means valid
		want     bool   // EnableIdempotence after Validate
	}{
		{"default", nil, "", true},
		{"explicit with defaults", map[string]string{"enable.idempotence": "true"}, "", true},
		{"explicit with acks=1", map[string]string{"enable.idempotence": "true", "acks": "1"}, "acks", false},
		{"explicit with acks=0", map[string]string{"enable.idempotence": "true", "acks": "0"}, "acks", false},
		{"explicit with retries=0", map[string]string{"enable.idempotence": "true", "retries": "0"}, "retries", false},
		{"explicit with 6 in flight", map[string]string{"enable.idempotence": "true", "max.in.flight.requests.per.connection": "6"}, "max.in.flight.requests.per.connection", false},
		{"explicit with 5 in flight", map[string]string{"enable.idempotence": "true", "max.in.flight.requests.per.connection": "5"}, "", true},
		{"default with acks=1", map[string]string{"acks": "1"}, "", false},
		{"default with retries=0", map[string]string{"retries": "0"}, "", false},
		{"default with 6 in flight", map[string]string{"max.in.flight.requests.per.connection": "6"}, "", false},
		{"explicitly off with acks=1", map[string]string{"enable.idempotence": "false", "acks": "1"}, "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, ok := parseWithBootstrap(t, tc.props, tc.errorKey, "enable.idempotence")
			if ok && c.EnableIdempotence != tc.want {
				t.Errorf("EnableIdempotence = %v, want %v", c.EnableIdempotence, tc.want)
			}
		})
	}
}

func TestValidateIdempotenceSetAsField(t *testing.T) {
	var logged bytes.Buffer
	c := validConfig()
	c.Acks = AcksLeader
	c.Logger = slog.New(slog.NewTextHandler(&logged, nil))
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.EnableIdempotence {
		t.Error("idempotence left at its default stayed on with acks=1")
	}
	if !strings.Contains(logged.String(), "disabling idempotence") || !strings.Contains(logged.String(), "acks") {
		t.Errorf("log %q does not say idempotence was disabled because of acks", logged.String())
	}
}

func TestValidateDeliveryTimeout(t *testing.T) {
	for _, tc := range []struct {
		name  string
		props map[string]string
		err   bool
		want  time.Duration
	}{
		{"default", nil, false, 120 * time.Second},
		{"explicit equal to the floor", map[string]string{"delivery.timeout.ms": "30005"}, false, 30005 * time.Millisecond},
		{"explicit below the floor", map[string]string{"delivery.timeout.ms": "30004"}, true, 0},
		{"explicit below a raised floor", map[string]string{"delivery.timeout.ms": "120000", "linger.ms": "100000"}, true, 0},
		{"explicit default value below the floor", map[string]string{"delivery.timeout.ms": "120000", "request.timeout.ms": "120000"}, true, 0},
		{"default below the floor", map[string]string{"linger.ms": "100000", "request.timeout.ms": "60000"}, false, 160 * time.Second},
		{"default below an overflowing floor", map[string]string{"linger.ms": "9223372036854", "request.timeout.ms": "9223372036854"}, false, math.MaxInt64},
		{"explicit below an overflowing floor", map[string]string{"linger.ms": "9223372036854", "request.timeout.ms": "9223372036854", "delivery.timeout.ms": "9223372036854"}, true, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			errorKey := ""
			if tc.err {
				errorKey = "delivery.timeout.ms"
			}
			c, ok := parseWithBootstrap(t, tc.props, errorKey, "linger.ms + request.timeout.ms")
			if ok && c.DeliveryTimeout != tc.want {
				t.Errorf("DeliveryTimeout = %v, want %v", c.DeliveryTimeout, tc.want)
			}
		})
	}

	c := validConfig()
	c.DeliveryTimeout = time.Second // differs from the default: explicit
	assertConfigError(t, c.Validate(), "delivery.timeout.ms")
}

func TestValidateChecksFields(t *testing.T) {
	for _, tc := range []struct {
		key    string
		change func(*Config)
	}{
		{"bootstrap.servers", func(c *Config) { c.BootstrapServers = nil }},
		{"bootstrap.servers", func(c *Config) { c.BootstrapServers = []string{"nohost"} }},
		{"acks", func(c *Config) { c.Acks = 2 }},
		{"batch.size", func(c *Config) { c.BatchSize = 0 }},
		{"buffer.memory", func(c *Config) { c.BufferMemory = int64(c.BatchSize) - 1 }},
		{"max.request.size", func(c *Config) { c.MaxRequestSize = -1 }},
		{"max.in.flight.requests.per.connection", func(c *Config) { c.MaxInFlight = 0 }},
		{"linger.ms", func(c *Config) { c.Linger = -time.Nanosecond }},
		{"compression.type", func(c *Config) { c.Compression = 5 }},
		{"compression.gzip.level", func(c *Config) { c.GzipLevel = 0 }},
		{"transport", func(c *Config) { c.Transport = "" }},
	} {
		c := validConfig()
		tc.change(&c)
		assertConfigError(t, c.Validate(), tc.key)
	}
}

func TestCompressionString(t *testing.T) {
	for c, want := range map[Compression]string{
		CompressionNone: "none", CompressionGzip: "gzip", CompressionSnappy: "snappy",
		CompressionLZ4: "lz4", CompressionZstd: "zstd", 9: "Compression(9)", -1: "Compression(-1)",
	} {
		if got := c.String(); got != want {
			t.Errorf("Compression(%d).String() = %q, want %q", int8(c), got, want)
		}
	}
}

func ExampleDefaultConfig() {
	c := DefaultConfig()
	c.BootstrapServers = []string{"localhost:9092"}
	c.Linger = 20 * time.Millisecond
	c.Compression = CompressionZstd
	if err := c.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Properties()["linger.ms"], c.Compression, c.EnableIdempotence)
	// Output: 20 zstd true
}

func ExampleParseProperties() {
	c, err := ParseProperties(map[string]string{
		"bootstrap.servers": "broker-1:9092,broker-2:9092",
		"acks":              "1",
		"batch.size":        "65536",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	// acks=1 rules out idempotence, which was left at its default.
	fmt.Println(c.BatchSize, c.Acks, c.EnableIdempotence)

	_, err = ParseProperties(map[string]string{"bootstrap.servers": "broker-1:9092", "linger": "100"})
	fmt.Println(errors.Is(err, ErrInvalidConfig), err)
	// Output:
	// 65536 1 false
	// true invalid producer configuration: linger="100" is not a producer property (did you mean linger.ms?)
}

// TestTransportPropertyAlias: the former name perfproducer.transport sets
// transport, and Properties writes only the current name.
func TestTransportPropertyAlias(t *testing.T) {
	c := DefaultConfig()
	if err := c.Set("perfproducer.transport", "iouring"); err != nil {
		t.Fatal(err)
	}
	props := c.Properties()
	if c.Transport != TransportIOURing || props["transport"] != "iouring" || !c.explicitlySet("transport") {
		t.Errorf("after perfproducer.transport=iouring: Transport %q, transport property %q, explicitly set %v", c.Transport, props["transport"], c.explicitlySet("transport"))
	}
	if _, ok := props["perfproducer.transport"]; ok {
		t.Error("Properties lists the former name perfproducer.transport")
	}
	assertConfigError(t, c.Set("perfproducer.transport", "kqueue"), "perfproducer.transport")
}
