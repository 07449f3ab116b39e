package core

import (
	"slices"
	"strings"
)

// SecurityProtocol is security.protocol: whether connections use TLS, SASL,
// both or neither.
type SecurityProtocol string

// The protocols of security.protocol.
const (
	SecurityPlaintext     SecurityProtocol = "PLAINTEXT"
	SecuritySSL           SecurityProtocol = "SSL"
	SecuritySASLPlaintext SecurityProtocol = "SASL_PLAINTEXT"
	SecuritySASLSSL       SecurityProtocol = "SASL_SSL"
)

var securityProtocols = []SecurityProtocol{SecurityPlaintext, SecuritySSL, SecuritySASLPlaintext, SecuritySASLSSL}

// usesTLS reports whether connections under p are TLS.
func (p SecurityProtocol) usesTLS() bool { return p == SecuritySSL || p == SecuritySASLSSL }

// usesSASL reports whether connections under p authenticate with SASL.
func (p SecurityProtocol) usesSASL() bool { return p == SecuritySASLPlaintext || p == SecuritySASLSSL }

// The mechanisms of sasl.mechanism.
const (
	SASLPlain       = "PLAIN"
	SASLScramSHA256 = "SCRAM-SHA-256"
	SASLScramSHA512 = "SCRAM-SHA-512"
	SASLOAuthBearer = "OAUTHBEARER"
)

var saslMechanisms = []string{SASLPlain, SASLScramSHA256, SASLScramSHA512, SASLOAuthBearer}

// tlsVersionNames are the names ssl.enabled.protocols accepts.
var tlsVersionNames = []string{"TLSv1.2", "TLSv1.3"}

func stringProperty(name string, field func(*Config) *string, secret bool) property {
	return property{
		name:   name,
		parse:  func(c *Config, text string) string { *field(c) = text; return "" },
		check:  func(*Config) string { return "" },
		get:    func(c *Config) string { return *field(c) },
		secret: secret,
	}
}

// choiceProperty is a property holding one of choices, matched without
// regard to case.
func choiceProperty(name string, field func(*Config) *string, choices []string) property {
	reason := "is not one of " + strings.Join(choices, ", ")
	return property{
		name: name,
		parse: func(c *Config, text string) string {
			i := slices.IndexFunc(choices, func(choice string) bool { return strings.EqualFold(choice, text) })
			if i < 0 {
				return reason
			}
			*field(c) = choices[i]
			return ""
		},
		check: func(c *Config) string {
			if !slices.Contains(choices, *field(c)) {
				return reason
			}
			return ""
		},
		get: func(c *Config) string { return *field(c) },
	}
}

func securityProtocolProperty() property {
	names := make([]string, len(securityProtocols))
	for i, p := range securityProtocols {
		names[i] = string(p)
	}
	return choiceProperty("security.protocol", func(c *Config) *string { return (*string)(&c.SecurityProtocol) }, names)
}

func saslMechanismProperty() property {
	return choiceProperty("sasl.mechanism", func(c *Config) *string { return &c.SASLMechanism }, saslMechanisms)
}

func keyPasswordProperty() property {
	p := stringProperty("ssl.key.password", func(c *Config) *string { return &c.SSLKeyPassword }, true)
	p.check = func(c *Config) string {
		if c.SSLKeyPassword != "" {
			return "is not supported: encrypted private keys are refused; decrypt the key (openssl pkey -in key.pem -out plain.pem) and leave the password empty"
		}
		return ""
	}
	return p
}

func endpointIdentificationProperty() property {
	p := stringProperty("ssl.endpoint.identification.algorithm", func(c *Config) *string { return &c.SSLEndpointIdentificationAlgorithm }, false)
	p.check = func(c *Config) string {
		if c.SSLEndpointIdentificationAlgorithm != "" && !strings.EqualFold(c.SSLEndpointIdentificationAlgorithm, "https") {
			return `is neither "https" (verify the broker's host name) nor empty (do not)`
		}
		return ""
	}
	return p
}

func enabledProtocolsProperty() property {
	p := stringProperty("ssl.enabled.protocols", func(c *Config) *string { return &c.SSLEnabledProtocols }, false)
	p.check = func(c *Config) string {
		if _, _, ok := tlsVersionRange(c.SSLEnabledProtocols); !ok {
			return "must list one or both of TLSv1.2, TLSv1.3, separated by commas"
		}
		return ""
	}
	return p
}

func jaasConfigProperty() property {
	p := stringProperty("sasl.jaas.config", func(c *Config) *string { return &c.SASLJAASConfig }, true)
	p.check = func(c *Config) string {
		if c.SASLJAASConfig == "" {
			return ""
		}
		if _, _, reason := parseJAAS(c.SASLJAASConfig); reason != "" {
			return reason
		}
		return ""
	}
	return p
}

// validateSecurity checks the security settings against each other.
func (c *Config) validateSecurity() error {
	if c.SecurityProtocol.usesTLS() && c.Transport == TransportIOURing {
		return c.conflict("transport", "must be epoll when security.protocol is "+string(c.SecurityProtocol)+": the io_uring transport has no TLS")
	}
	if !c.SecurityProtocol.usesSASL() {
		return nil
	}
	if c.SASLMechanism == SASLOAuthBearer {
		if c.SASLTokenProvider == nil {
			return c.conflict("sasl.mechanism", "needs Config.SASLTokenProvider")
		}
		return nil
	}
	if user, _ := c.saslCredentials(); user == "" {
		return c.conflict("sasl.jaas.config", "must give a username and password for "+c.SASLMechanism+
			` (username="..." password="...";), or set Config.SASLUsername and SASLPassword`)
	}
	return nil
}

// saslCredentials returns the username and password: the Go fields when
// set, else those of sasl.jaas.config.
func (c *Config) saslCredentials() (user, password string) {
	if c.SASLUsername != "" {
		return c.SASLUsername, c.SASLPassword
	}
	user, password, _ = parseJAAS(c.SASLJAASConfig)
	return user, password
}

// tlsVersionRange reads ssl.enabled.protocols as the lowest and highest
// version it allows.
func tlsVersionRange(text string) (lo, hi uint16, ok bool) {
	for name := range strings.SplitSeq(text, ",") {
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(tlsVersionNames, func(n string) bool { return strings.EqualFold(n, name) })
		if i < 0 {
			return 0, 0, false
		}
		v := uint16(0x0303 + i) // tls.VersionTLS12, tls.VersionTLS13
		if lo == 0 || v < lo {
			lo = v
		}
		hi = max(hi, v)
	}
	return lo, hi, lo != 0
}
