package core

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
	"strings"
)

// buildTLS returns the TLS configuration of c's connections: a copy of
// c.TLS with the ssl.* properties applied. Its errors are *ConfigError
// values naming the property at fault and never quoting a key.
func (c *Config) buildTLS() (*tls.Config, error) {
	cfg := &tls.Config{}
	if c.TLS != nil {
		cfg = c.TLS.Clone()
	}
	lo, hi, _ := tlsVersionRange(c.SSLEnabledProtocols)
	cfg.MinVersion, cfg.MaxVersion = max(cfg.MinVersion, lo), hi
	if err := c.addTruststore(cfg); err != nil {
		return nil, err
	}
	if err := c.addKeystore(cfg); err != nil {
		return nil, err
	}
	if c.SSLEndpointIdentificationAlgorithm == "" && !cfg.InsecureSkipVerify {
		verifyChainOnly(cfg)
	}
	return cfg, nil
}

func (c *Config) addTruststore(cfg *tls.Config) error {
	var certs []byte
	key := "ssl.truststore.certificates"
	if c.SSLTruststoreLocation != "" {
		key = "ssl.truststore.location"
		b, err := os.ReadFile(c.SSLTruststoreLocation)
		if err != nil {
			return &ConfigError{Key: key, Value: c.SSLTruststoreLocation, Reason: "cannot be read: " + err.Error()}
		}
		certs = b
	}
	certs = append(certs, c.SSLTruststoreCertificates...)
	if len(certs) == 0 {
		return nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certs) {
		return &ConfigError{Key: key, Value: propertyByName[key].get(c), Reason: "holds no PEM certificate"}
	}
	cfg.RootCAs = pool
	return nil
}

func (c *Config) addKeystore(cfg *tls.Config) error {
	key, chain, where := []byte(c.SSLKeystoreKey), []byte(c.SSLKeystoreCertificateChain), "ssl.keystore.key"
	if c.SSLKeystoreLocation != "" {
		where = "ssl.keystore.location"
		b, err := os.ReadFile(c.SSLKeystoreLocation)
		if err != nil {
			return &ConfigError{Key: where, Value: c.SSLKeystoreLocation, Reason: "cannot be read: " + err.Error()}
		}
		key, chain = b, b
	}
	if len(key) == 0 && len(chain) == 0 {
		return nil
	}
	shown := propertyByName[where].shown(c)
	if encryptedPEM(key) {
		return &ConfigError{Key: where, Value: shown, Reason: "holds an encrypted private key, which is not supported: decrypt it (openssl pkey -in key.pem -out plain.pem)"}
	}
	pair, err := tls.X509KeyPair(chain, key)
	if err != nil {
		// crypto/tls's messages name what is missing or mismatched and
		// never quote the key.
		return &ConfigError{Key: where, Value: shown, Reason: "is not a PEM private key with its certificate chain: " + err.Error()}
	}
	cfg.Certificates = []tls.Certificate{pair}
	return nil
}

// encryptedPEM reports whether b holds an encrypted private key: PKCS#8
// "ENCRYPTED PRIVATE KEY" or a legacy block with a Proc-Type header.
func encryptedPEM(b []byte) bool {
	for {
		var block *pem.Block
		block, b = pem.Decode(b)
		if block == nil {
			return false
		}
		if strings.Contains(block.Type, "ENCRYPTED") || block.Headers["Proc-Type"] != "" {
			return true
		}
	}
}

// verifyChainOnly makes cfg verify the broker's certificate chain against
// its roots without checking the host name
// (ssl.endpoint.identification.algorithm empty).
func verifyChainOnly(cfg *tls.Config) {
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("the broker sent no certificate")
		}
		intermediates := x509.NewCertPool()
		for _, cert := range cs.PeerCertificates[1:] {
			intermediates.AddCert(cert)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: intermediates})
		return err
	}
}
