package core

import (
	"fmt"
	"io"
	"maps"
	"math"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf16"
)

// property ties a Kafka property name to its Config field: how to read the
// property's text into the field, which values are in range, and how to
// write the field back as text.
type property struct {
	name string
	// index is the property's bit in Config.explicit.
	index int
	// parse stores text (already trimmed) into c, or says why it cannot.
	parse func(c *Config, text string) (reason string)
	// check says why c's field is out of range, or returns "".
	check func(c *Config) (reason string)
	// get formats c's field as the property's text.
	get func(c *Config) string
	// secret marks a property whose value is a password, a key or
	// credentials: errors and String show it as redacted.
	secret bool
}

// properties lists every property the producer accepts; there are no others.
var properties = []property{
	bootstrapServersProperty(),
	{
		name:  "client.id",
		parse: func(c *Config, text string) string { c.ClientID = text; return "" },
		check: func(*Config) string { return "" },
		get:   func(c *Config) string { return c.ClientID },
	},
	acksProperty(),
	boolProperty("enable.idempotence", func(c *Config) *bool { return &c.EnableIdempotence }),
	msProperty("linger.ms", func(c *Config) *time.Duration { return &c.Linger }, 0),
	intProperty("batch.size", func(c *Config) *int { return &c.BatchSize }, 1, math.MaxInt32),
	intProperty("buffer.memory", func(c *Config) *int64 { return &c.BufferMemory }, 1, math.MaxInt64),
	msProperty("max.block.ms", func(c *Config) *time.Duration { return &c.MaxBlock }, 0),
	intProperty("max.request.size", func(c *Config) *int { return &c.MaxRequestSize }, 1, math.MaxInt32),
	intProperty("max.in.flight.requests.per.connection", func(c *Config) *int { return &c.MaxInFlight }, 1, math.MaxInt32),
	intProperty("retries", func(c *Config) *int { return &c.Retries }, 0, math.MaxInt32),
	msProperty("retry.backoff.ms", func(c *Config) *time.Duration { return &c.RetryBackoff }, 0),
	msProperty("retry.backoff.max.ms", func(c *Config) *time.Duration { return &c.RetryBackoffMax }, 0),
	msProperty("delivery.timeout.ms", func(c *Config) *time.Duration { return &c.DeliveryTimeout }, 0),
	msProperty("request.timeout.ms", func(c *Config) *time.Duration { return &c.RequestTimeout }, 0),
	msProperty("connections.max.idle.ms", func(c *Config) *time.Duration { return &c.ConnectionsMaxIdle }, math.MinInt64),
	msProperty("metadata.max.age.ms", func(c *Config) *time.Duration { return &c.MetadataMaxAge }, 0),
	compressionProperty(),
	gzipLevelProperty(),
	intProperty("compression.lz4.level", func(c *Config) *int { return &c.LZ4Level }, 1, 17),
	intProperty("compression.zstd.level", func(c *Config) *int { return &c.ZstdLevel }, -131072, 22),
	intProperty("send.buffer.bytes", func(c *Config) *int { return &c.SendBufferBytes }, -1, math.MaxInt32),
	intProperty("receive.buffer.bytes", func(c *Config) *int { return &c.ReceiveBufferBytes }, -1, math.MaxInt32),
	msProperty("socket.connection.setup.timeout.ms", func(c *Config) *time.Duration { return &c.SocketConnectionSetupTimeout }, 0),
	msProperty("reconnect.backoff.ms", func(c *Config) *time.Duration { return &c.ReconnectBackoff }, 0),
	msProperty("reconnect.backoff.max.ms", func(c *Config) *time.Duration { return &c.ReconnectBackoffMax }, 0),
	boolProperty("partitioner.ignore.keys", func(c *Config) *bool { return &c.PartitionerIgnoreKeys }),
	boolProperty("partitioner.adaptive.partitioning.enable", func(c *Config) *bool { return &c.PartitionerAdaptive }),
	msProperty("partitioner.availability.timeout.ms", func(c *Config) *time.Duration { return &c.PartitionerAvailabilityTimeout }, 0),
	transportProperty(),
	boolProperty("transport.fallback", func(c *Config) *bool { return &c.TransportFallback }),
	securityProtocolProperty(),
	stringProperty("ssl.truststore.location", func(c *Config) *string { return &c.SSLTruststoreLocation }, false),
	stringProperty("ssl.truststore.certificates", func(c *Config) *string { return &c.SSLTruststoreCertificates }, false),
	stringProperty("ssl.keystore.location", func(c *Config) *string { return &c.SSLKeystoreLocation }, false),
	stringProperty("ssl.keystore.key", func(c *Config) *string { return &c.SSLKeystoreKey }, true),
	stringProperty("ssl.keystore.certificate.chain", func(c *Config) *string { return &c.SSLKeystoreCertificateChain }, false),
	keyPasswordProperty(),
	endpointIdentificationProperty(),
	enabledProtocolsProperty(),
	saslMechanismProperty(),
	jaasConfigProperty(),
}

// propertyAliases maps former property names to the current ones; Set
// reads either, Properties writes the current name.
var propertyAliases = map[string]string{
	"perfproducer.transport": "transport",
	"ssl.keystore.password":  "ssl.key.password",
}

// propertyByName indexes properties by name.
var propertyByName = func() map[string]*property {
	byName := make(map[string]*property, len(properties))
	for i := range properties {
		properties[i].index = i
		byName[properties[i].name] = &properties[i]
	}
	return byName
}()

func (p *property) validate(c *Config) error {
	if reason := p.check(c); reason != "" {
		return &ConfigError{Key: p.name, Value: p.shown(c), Reason: reason}
	}
	return nil
}

// redacted stands for a secret's value wherever it would be shown.
const redacted = "[redacted]"

// shown is the property's text as errors and String show it: a secret's
// value is redacted.
func (p *property) shown(c *Config) string { return p.redact(p.get(c)) }

func (p *property) redact(text string) string {
	if p.secret && text != "" {
		return redacted
	}
	return text
}

func intProperty[T int | int64](name string, field func(*Config) *T, lo, hi int64) property {
	return property{
		name: name,
		parse: func(c *Config, text string) string {
			n, err := strconv.ParseInt(text, 10, 64)
			if err != nil || n < math.MinInt || n > math.MaxInt {
				return "is not a whole number"
			}
			*field(c) = T(n)
			return ""
		},
		check: func(c *Config) string { return inRange(int64(*field(c)), lo, hi) },
		get:   func(c *Config) string { return strconv.FormatInt(int64(*field(c)), 10) },
	}
}

// msProperty is a property holding whole milliseconds, at least lo.
func msProperty(name string, field func(*Config) *time.Duration, lo time.Duration) property {
	return property{
		name: name,
		parse: func(c *Config, text string) string {
			n, err := strconv.ParseInt(text, 10, 64)
			if err != nil || n > math.MaxInt64/int64(time.Millisecond) || n < math.MinInt64/int64(time.Millisecond) {
				return "is not a whole number of milliseconds"
			}
			*field(c) = time.Duration(n) * time.Millisecond
			return ""
		},
		check: func(c *Config) string {
			if *field(c) < lo {
				return "must be at least " + strconv.FormatInt(lo.Milliseconds(), 10) + " ms"
			}
			return ""
		},
		get: func(c *Config) string { return strconv.FormatInt(field(c).Milliseconds(), 10) },
	}
}

func boolProperty(name string, field func(*Config) *bool) property {
	return property{
		name: name,
		parse: func(c *Config, text string) string {
			switch {
			case strings.EqualFold(text, "true"):
				*field(c) = true
			case strings.EqualFold(text, "false"):
				*field(c) = false
			default:
				return "is not true or false"
			}
			return ""
		},
		check: func(*Config) string { return "" },
		get:   func(c *Config) string { return strconv.FormatBool(*field(c)) },
	}
}

func inRange(n, lo, hi int64) string {
	switch {
	case n < lo:
		return "must be at least " + strconv.FormatInt(lo, 10)
	case n > hi:
		return "must be at most " + strconv.FormatInt(hi, 10)
	}
	return ""
}

func bootstrapServersProperty() property {
	return property{
		name: "bootstrap.servers",
		parse: func(c *Config, text string) string {
			c.BootstrapServers = nil
			for address := range strings.SplitSeq(text, ",") {
				if address = strings.TrimSpace(address); address != "" {
					c.BootstrapServers = append(c.BootstrapServers, address)
				}
			}
			return ""
		},
		check: func(c *Config) string {
			if len(c.BootstrapServers) == 0 {
				return "must name at least one broker as host:port"
			}
			for _, address := range c.BootstrapServers {
				host, port, err := net.SplitHostPort(address)
				if n, perr := strconv.ParseUint(port, 10, 16); err != nil || host == "" || perr != nil || n == 0 {
					return "has " + strconv.Quote(address) + ", which is not host:port"
				}
			}
			return ""
		},
		get: func(c *Config) string { return strings.Join(c.BootstrapServers, ",") },
	}
}

func acksProperty() property {
	return property{
		name: "acks",
		parse: func(c *Config, text string) string {
			switch {
			case strings.EqualFold(text, "all") || text == "-1":
				c.Acks = AcksAll
			case text == "0":
				c.Acks = AcksNone
			case text == "1":
				c.Acks = AcksLeader
			default:
				return "is not one of all, -1, 0, 1"
			}
			return ""
		},
		check: func(c *Config) string {
			if c.Acks != AcksAll && c.Acks != AcksNone && c.Acks != AcksLeader {
				return "is not one of all, -1, 0, 1"
			}
			return ""
		},
		get: func(c *Config) string {
			if c.Acks == AcksAll {
				return "all"
			}
			return strconv.Itoa(int(c.Acks))
		},
	}
}

func compressionProperty() property {
	const choices = "is not one of none, gzip, snappy, lz4, zstd"
	return property{
		name: "compression.type",
		parse: func(c *Config, text string) string {
			i := slices.IndexFunc(compressionNames[:], func(name string) bool { return strings.EqualFold(name, text) })
			if i < 0 {
				return choices
			}
			c.Compression = Compression(i)
			return ""
		},
		check: func(c *Config) string {
			if c.Compression < 0 || int(c.Compression) >= len(compressionNames) {
				return choices
			}
			return ""
		},
		get: func(c *Config) string { return c.Compression.String() },
	}
}

// gzipLevelProperty is compression.gzip.level: 1 to 9, or -1 for the codec's
// own default.
func gzipLevelProperty() property {
	p := intProperty("compression.gzip.level", func(c *Config) *int { return &c.GzipLevel }, -1, 9)
	p.check = func(c *Config) string {
		if c.GzipLevel != -1 && (c.GzipLevel < 1 || c.GzipLevel > 9) {
			return "must be -1 or between 1 and 9"
		}
		return ""
	}
	return p
}

var transports = []Transport{TransportEpoll, TransportIOURing}

func transportProperty() property {
	const choices = "is not one of epoll, iouring"
	return property{
		name: "transport",
		parse: func(c *Config, text string) string {
			if strings.EqualFold(text, "netpoll") {
				c.Transport = TransportEpoll
				return ""
			}
			for _, t := range transports {
				if strings.EqualFold(text, string(t)) {
					c.Transport = t
					return ""
				}
			}
			return choices
		},
		check: func(c *Config) string {
			if !slices.Contains(transports, c.Transport) {
				return choices
			}
			return ""
		},
		get: func(c *Config) string { return string(c.Transport) },
	}
}

// Set sets the property named key (a Kafka name such as "linger.ms") from its
// text, trimmed of surrounding whitespace, and marks it as explicitly set
// (see Validate). An unknown key, or a value that is malformed or out of
// range, leaves c unchanged and returns a *ConfigError. A former name of a
// property (see propertyAliases) sets the property.
func (c *Config) Set(key, value string) error {
	name := key
	if current, ok := propertyAliases[key]; ok {
		name = current
	}
	p, ok := propertyByName[name]
	if !ok {
		return &ConfigError{Key: key, Value: redactUnknown(key, value), Reason: unknownPropertyReason(key)}
	}
	next := *c
	if reason := p.parse(&next, strings.TrimSpace(value)); reason != "" {
		return &ConfigError{Key: key, Value: p.redact(value), Reason: reason}
	}
	if reason := p.check(&next); reason != "" {
		return &ConfigError{Key: key, Value: p.redact(value), Reason: reason}
	}
	next.explicit |= 1 << p.index
	*c = next
	return nil
}

// redactUnknown hides the value of an unknown key whose name suggests a
// secret (a misspelt sasl.jaas.config, say).
func redactUnknown(key, value string) string {
	lower := strings.ToLower(key)
	for _, hint := range []string{"password", "key", "jaas", "secret", "token", "sasl"} {
		if strings.Contains(lower, hint) {
			return redacted
		}
	}
	return value
}

// unknownPropertyReason says key is not a property, naming the nearest one
// when key looks like a misspelling of it.
func unknownPropertyReason(key string) string {
	nearest, distance := "", math.MaxInt
	for i := range properties {
		if d := editDistance(key, properties[i].name); d < distance {
			nearest, distance = properties[i].name, d
		}
	}
	if distance <= max(2, len(nearest)/3) {
		return "is not a producer property (did you mean " + nearest + "?)"
	}
	return "is not a producer property"
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	current := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current[0] = i
		for j := 1; j <= len(b); j++ {
			substitution := previous[j-1]
			if a[i-1] != b[j-1] {
				substitution++
			}
			current[j] = min(substitution, previous[j]+1, current[j-1]+1)
		}
		previous, current = current, previous
	}
	return previous[len(b)]
}

// ParseProperties returns DefaultConfig with every property in props set (see
// Set), validated (see Validate). Properties are applied in name order, so
// the error for several bad ones is always the same.
func ParseProperties(props map[string]string) (Config, error) {
	c := DefaultConfig()
	for _, key := range slices.Sorted(maps.Keys(props)) {
		if err := c.Set(key, props[key]); err != nil {
			return Config{}, err
		}
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// LoadPropertiesFile reads a Java .properties file (see ReadProperties) and
// returns its configuration (see ParseProperties).
func LoadPropertiesFile(path string) (Config, error) {
	f, err := os.Open(path)
	if err != nil {
		return Config{}, err
	}
	defer f.Close()
	props, err := ReadProperties(f)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", path, err)
	}
	return ParseProperties(props)
}

// String lists every property of c as key=value, in name order, with the
// values of secrets (keys, passwords, sasl.jaas.config) redacted. The
// fields without a property name are left out.
func (c Config) String() string {
	names := make([]string, 0, len(properties))
	for i := range properties {
		names = append(names, properties[i].name)
	}
	slices.Sort(names)
	var b strings.Builder
	for i, name := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(name + "=" + propertyByName[name].shown(&c))
	}
	return b.String()
}

// Properties returns every property of c by Kafka name, as text that
// ParseProperties reads back to the same settings. It holds secrets as
// they are: print String instead. Durations are whole
// milliseconds (rounded down); Logger has no property and is left out.
func (c Config) Properties() map[string]string {
	props := make(map[string]string, len(properties))
	for i := range properties {
		props[properties[i].name] = properties[i].get(&c)
	}
	return props
}

// ReadProperties reads Java's .properties format, as
// java.util.Properties.load does: one "key=value", "key: value" or
// "key value" per line; lines starting with # or ! are comments; a line
// ending in an odd number of backslashes continues on the next, whose
// leading whitespace is dropped; whitespace around the key and before the
// value is dropped; and \t, \n, \r, \f, \uXXXX and \ before any other
// character (such as \\, \=, \:, \#, \ ) are escapes in both key and value.
// A key given twice keeps its last value. Malformed \u escapes are an error
// wrapping ErrInvalidConfig.
func ReadProperties(r io.Reader) (map[string]string, error) {
	text, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(propertyLineEnds.Replace(string(text)), "\n")
	props := make(map[string]string)
	for i := 0; i < len(lines); i++ {
		first := i + 1
		line := trimLeadingSpace(lines[i])
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for continues(line) {
			line = line[:len(line)-1]
			if i+1 == len(lines) {
				break
			}
			i++
			line += trimLeadingSpace(lines[i])
		}
		key, value, err := splitProperty(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", first, err)
		}
		props[key] = value
	}
	return props, nil
}

// propertyLineEnds turns the line ends Java accepts (\r\n, \r) into \n.
var propertyLineEnds = strings.NewReplacer("\r\n", "\n", "\r", "\n")

// propertySpace is the whitespace of the .properties format.
const propertySpace = " \t\f"

func trimLeadingSpace(s string) string { return strings.TrimLeft(s, propertySpace) }

// continues reports whether line ends in an odd number of backslashes.
func continues(line string) bool {
	n := len(line) - len(strings.TrimRight(line, `\`))
	return n%2 == 1
}

// splitProperty splits a logical line into its unescaped key and value.
func splitProperty(line string) (key, value string, err error) {
	end := 0
	for end < len(line) && !strings.ContainsRune("=:"+propertySpace, rune(line[end])) {
		if line[end] == '\\' {
			end++
		}
		end++
	}
	end = min(end, len(line))
	rest := trimLeadingSpace(line[end:])
	if rest != "" && (rest[0] == '=' || rest[0] == ':') {
		rest = trimLeadingSpace(rest[1:])
	}
	if key, err = unescapeProperty(line[:end]); err != nil {
		return "", "", err
	}
	if value, err = unescapeProperty(rest); err != nil {
		return "", "", err
	}
	return key, value, nil
}

// unescapeProperty resolves the escapes of the .properties format.
func unescapeProperty(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i == len(s) {
			break
		}
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			r, err := hexRune(s[i+1:])
			if err != nil {
				return "", err
			}
			i += 4
			if utf16.IsSurrogate(r) && strings.HasPrefix(s[i+1:], `\u`) {
				if low, err := hexRune(s[i+3:]); err == nil && utf16.DecodeRune(r, low) != unicode.ReplacementChar {
					r = utf16.DecodeRune(r, low)
					i += 6
				}
			}
			b.WriteRune(r)
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String(), nil
}

// hexRune reads the four hex digits that open s, as a \uXXXX escape has.
func hexRune(s string) (rune, error) {
	if len(s) >= 4 {
		if code, err := strconv.ParseUint(s[:4], 16, 16); err == nil {
			return rune(code), nil
		}
	}
	return 0, fmt.Errorf(`%w: malformed \uXXXX escape \u%s`, ErrInvalidConfig, s[:min(len(s), 4)])
}
