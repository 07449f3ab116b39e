//go:build linux

package core

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

// testCA is a certificate authority made for one test.
type testCA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	pem     string
	pool    *x509.CertPool
	counter int64
}

func newTestCA(t testing.TB) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "perfproducer test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert: cert, key: key, pool: pool, counter: 1,
		pem: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))}
}

// issue signs a certificate for names, valid from notBefore to notAfter,
// for usage; it returns it for crypto/tls and as PEM key and chain.
func (ca *testCA) issue(t testing.TB, names []string, notBefore, notAfter time.Time, usage x509.ExtKeyUsage) (tls.Certificate, string, string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	ca.counter++
	template := &x509.Certificate{
		SerialNumber: big.NewInt(ca.counter), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: notBefore, NotAfter: notAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
	}
	for _, name := range names {
		if ip := net.ParseIP(name); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else {
			template.DNSNames = append(template.DNSNames, name)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	chainPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, keyPEM, chainPEM
}

// serverCert is a broker certificate for 127.0.0.1 valid now.
func (ca *testCA) serverCert(t testing.TB) tls.Certificate {
	cert, _, _ := ca.issue(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), x509.ExtKeyUsageServerAuth)
	return cert
}

// secretWatch captures every log line at debug level and the errors a test
// saw, and fails the test at its end if any holds one of the secrets.
type secretWatch struct {
	mu      sync.Mutex
	logs    bytes.Buffer
	errs    []string
	secrets []string
}

func watchSecrets(t *testing.T, secrets ...string) *secretWatch {
	w := &secretWatch{secrets: secrets}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		text := w.logs.String() + strings.Join(w.errs, "\n")
		for _, s := range w.secrets {
			if s != "" && strings.Contains(text, s) {
				t.Errorf("a secret appears in the logs or errors:\n%s", text)
			}
		}
	})
	return w
}

func (w *secretWatch) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.logs.Write(p)
}

func (w *secretWatch) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

func (w *secretWatch) saw(err error) {
	if err != nil {
		w.mu.Lock()
		w.errs = append(w.errs, err.Error())
		w.mu.Unlock()
	}
}

// produceAndReadBack sends n records to topic, waits for them all and
// reads them back with a franz-go client configured with opts.
func produceAndReadBack(t *testing.T, c *kfake.Cluster, p *Producer, topic string, n int, w *secretWatch, opts ...kgo.Opt) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	for i := range n {
		if err := p.Send(ctx, &Record{Topic: topic, Value: fmt.Appendf(nil, "record %d", i)}, func(_ RecordMetadata, err error) {
			w.saw(err)
			if err != nil {
				t.Errorf("record %d: %v", i, err)
			}
		}); err != nil {
			w.saw(err)
			t.Fatalf("Send: %v", err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	got := kafkatest.ConsumeWith(t, c, topic, n, n, opts...)
	seen := map[string]bool{}
	for _, r := range got {
		seen[string(r.Value)] = true
	}
	for i := range n {
		if !seen[fmt.Sprintf("record %d", i)] {
			t.Errorf("record %d was not read back", i)
		}
	}
}

// TestTLSEndToEnd writes over TLS and mutual TLS, with the CA, the client
// key and its chain given as PEM properties, and reads every record back.
func TestTLSEndToEnd(t *testing.T) {
	for _, mutual := range []bool{false, true} {
		t.Run(fmt.Sprintf("mutual=%v", mutual), func(t *testing.T) {
			ca := newTestCA(t)
			server := &tls.Config{Certificates: []tls.Certificate{ca.serverCert(t)}}
			client := &tls.Config{RootCAs: ca.pool}
			_, keyPEM, chainPEM := "", "", ""
			if mutual {
				var clientCert tls.Certificate
				clientCert, keyPEM, chainPEM = ca.issue(t, []string{"producer"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour), x509.ExtKeyUsageClientAuth)
				server.ClientAuth, server.ClientCAs = tls.RequireAndVerifyClientCert, ca.pool
				client.Certificates = []tls.Certificate{clientCert}
			}
			w := watchSecrets(t, keyPEM, strings.Split(strings.TrimSpace(keyPEM), "\n")[min(1, len(keyPEM))])
			c := kafkatest.NewCluster(t, 1, "secure", 3, kfake.TLS(server))
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.Logger = w.logger()
				for key, value := range map[string]string{
					"security.protocol":              "SSL",
					"ssl.truststore.certificates":    ca.pem,
					"ssl.keystore.key":               keyPEM,
					"ssl.keystore.certificate.chain": chainPEM,
				} {
					if err := cfg.Set(key, value); err != nil {
						t.Fatal(err)
					}
				}
				cfg.Transport = TransportEpoll
			})
			produceAndReadBack(t, c, p, "secure", 200, w, kgo.DialTLSConfig(client))
			if s := fmt.Sprint(p.cfg); keyPEM != "" && strings.Contains(s, keyPEM) {
				t.Errorf("Config.String shows the private key: %s", s)
			}
		})
	}
}

// TestSASLEndToEnd authenticates with each mechanism, credentials given as
// sasl.jaas.config, over plain TCP and over TLS, and reads every record
// back.
func TestSASLEndToEnd(t *testing.T) {
	const user, password = "alice", "correct-horse-battery"
	for _, tc := range []struct {
		mechanism, module string
		kgo               kgo.Opt
	}{
		{SASLPlain, "plain.PlainLoginModule", kgo.SASL(plain.Auth{User: user, Pass: password}.AsMechanism())},
		{SASLScramSHA256, "scram.ScramLoginModule", kgo.SASL(scram.Auth{User: user, Pass: password}.AsSha256Mechanism())},
		{SASLScramSHA512, "scram.ScramLoginModule", kgo.SASL(scram.Auth{User: user, Pass: password}.AsSha512Mechanism())},
	} {
		for _, overTLS := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/tls=%v", tc.mechanism, overTLS), func(t *testing.T) {
				w := watchSecrets(t, password)
				opts := []kfake.Opt{kfake.EnableSASL(), kfake.Superuser(tc.mechanism, user, password)}
				protocol, readOpts := "SASL_PLAINTEXT", []kgo.Opt{tc.kgo}
				ca := newTestCA(t)
				if overTLS {
					opts = append(opts, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{ca.serverCert(t)}}))
					protocol, readOpts = "SASL_SSL", append(readOpts, kgo.DialTLSConfig(&tls.Config{RootCAs: ca.pool}))
				}
				c := kafkatest.NewCluster(t, 2, "sasl", 3, opts...)
				p := newTestProducer(t, c, func(cfg *Config) {
					cfg.Logger = w.logger()
					cfg.Transport = TransportEpoll
					for key, value := range map[string]string{
						"security.protocol":           protocol,
						"sasl.mechanism":              tc.mechanism,
						"sasl.jaas.config":            "org.apache.kafka.common.security." + tc.module + ` required username="` + user + `" password="` + password + `";`,
						"ssl.truststore.certificates": ca.pem,
					} {
						if err := cfg.Set(key, value); err != nil {
							t.Fatal(err)
						}
					}
				})
				produceAndReadBack(t, c, p, "sasl", 200, w, readOpts...)
			})
		}
	}
}

// countingListener counts the connections a broker accepts.
func countingListener(accepted *atomic.Int64) kfake.Opt {
	return kfake.ListenFn(func(network, address string) (net.Listener, error) {
		ln, err := net.Listen(network, address)
		return &counted{Listener: ln, accepted: accepted}, err
	})
}

type counted struct {
	net.Listener
	accepted *atomic.Int64
}

func (l *counted) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// TestAuthenticationFailsFast: a wrong password, an unknown CA, an expired
// certificate and a host name mismatch each fail a Send with an error
// matching ErrAuthentication and its cause, instead of waiting out
// max.block.ms, after a handful of connection attempts, not a storm.
func TestAuthenticationFailsFast(t *testing.T) {
	const user, password, wrong = "bob", "the-right-one", "not-the-password"
	now := time.Now()
	for _, tc := range []struct {
		name string
		// setup returns the cluster's options and the producer's
		// properties.
		setup func(t *testing.T) ([]kfake.Opt, map[string]string)
		cause func(err error) bool
	}{
		{"wrong password", func(t *testing.T) ([]kfake.Opt, map[string]string) {
			return []kfake.Opt{kfake.EnableSASL(), kfake.Superuser(SASLScramSHA256, user, password)}, map[string]string{
				"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": SASLScramSHA256,
				"sasl.jaas.config": `org.apache.kafka.common.security.scram.ScramLoginModule required username="` + user + `" password="` + wrong + `";`,
			}
			// kfake closes the connection rather than answer
			// SASL_AUTHENTICATION_FAILED, so ErrAuthentication is all
			// there is to match.
		}, func(err error) bool {
			return strings.Contains(err.Error(), "SASL") || strings.Contains(err.Error(), SASLScramSHA256)
		}},
		{"unknown CA", func(t *testing.T) ([]kfake.Opt, map[string]string) {
			return []kfake.Opt{kfake.TLS(&tls.Config{Certificates: []tls.Certificate{newTestCA(t).serverCert(t)}})},
				map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": newTestCA(t).pem}
		}, func(err error) bool { var e x509.UnknownAuthorityError; return errors.As(err, &e) }},
		{"expired certificate", func(t *testing.T) ([]kfake.Opt, map[string]string) {
			ca := newTestCA(t)
			cert, _, _ := ca.issue(t, []string{"127.0.0.1"}, now.Add(-2*time.Hour), now.Add(-time.Hour), x509.ExtKeyUsageServerAuth)
			return []kfake.Opt{kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}})},
				map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": ca.pem}
		}, func(err error) bool {
			var e x509.CertificateInvalidError
			return errors.As(err, &e) && e.Reason == x509.Expired
		}},
		{"host name mismatch", func(t *testing.T) ([]kfake.Opt, map[string]string) {
			ca := newTestCA(t)
			cert, _, _ := ca.issue(t, []string{"broker.example"}, now.Add(-time.Hour), now.Add(time.Hour), x509.ExtKeyUsageServerAuth)
			return []kfake.Opt{kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}})},
				map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": ca.pem}
		}, func(err error) bool { var e x509.HostnameError; return errors.As(err, &e) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := watchSecrets(t, password, wrong)
			opts, props := tc.setup(t)
			var accepted atomic.Int64
			c := kafkatest.NewCluster(t, 1, "denied", 1, append(opts, countingListener(&accepted))...)
			p := newTestProducer(t, c, func(cfg *Config) {
				cfg.Logger = w.logger()
				cfg.Transport = TransportEpoll
				cfg.MaxBlock = testDeadline
				for key, value := range props {
					if err := cfg.Set(key, value); err != nil {
						t.Fatal(err)
					}
				}
			})
			ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
			defer cancel()
			_, err := p.SendSync(ctx, &Record{Topic: "denied", Value: []byte("x")})
			w.saw(err)
			if !errors.Is(err, ErrAuthentication) || !tc.cause(err) {
				t.Fatalf("SendSync = %v, want ErrAuthentication and its cause", err)
			}
			if errors.Is(err, ErrTimeout) {
				t.Errorf("SendSync waited out max.block.ms: %v", err)
			}
			if n := accepted.Load(); n > 3 {
				t.Errorf("%d connections before the Send failed, want at most 3", n)
			}
		})
	}
}

// TestSASLAuthenticationFailedAnswer: a broker that answers
// SaslAuthenticate with SASL_AUTHENTICATION_FAILED (58) and a message fails
// the Send with an error matching ErrAuthentication and
// ErrSASLAuthenticationFailed that carries the broker's message.
func TestSASLAuthenticationFailedAnswer(t *testing.T) {
	const user, password = "dave", "dave-secret"
	w := watchSecrets(t, password)
	c := kafkatest.NewCluster(t, 1, "refused", 1, kfake.EnableSASL(), kfake.Superuser(SASLPlain, user, password))
	c.ControlKey(int16(kmsg.SASLAuthenticate), func(req kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		resp := req.(*kmsg.SASLAuthenticateRequest).ResponseKind().(*kmsg.SASLAuthenticateResponse)
		resp.ErrorCode = 58
		msg := "Authentication failed: Invalid username or password"
		resp.ErrorMessage = &msg
		return resp, nil, true
	})
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Logger = w.logger()
		cfg.Transport = TransportEpoll
		for key, value := range map[string]string{
			"security.protocol": "SASL_PLAINTEXT", "sasl.mechanism": SASLPlain,
			"sasl.jaas.config": `org.apache.kafka.common.security.plain.PlainLoginModule required username="` + user + `" password="` + password + `";`,
		} {
			if err := cfg.Set(key, value); err != nil {
				t.Fatal(err)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	_, err := p.SendSync(ctx, &Record{Topic: "refused", Value: []byte("x")})
	w.saw(err)
	if !errors.Is(err, ErrAuthentication) || !errors.Is(err, ErrSASLAuthenticationFailed) || !strings.Contains(err.Error(), "Invalid username or password") {
		t.Errorf("SendSync = %v, want ErrAuthentication, ErrSASLAuthenticationFailed and the broker's message", err)
	}
}

// TestTLSUnderBackPressure writes large requests over TLS through a small
// socket send buffer, so sealed records often wait in the record layer's
// backlog and the broker answers a request before the transport accounts
// for its last bytes. Every record arrives once, and no request is lost to
// a garbled stream (which would show as a retry after request.timeout.ms).
func TestTLSUnderBackPressure(t *testing.T) {
	const topic, n = "backpressure", 30_000
	ca := newTestCA(t)
	c := kafkatest.NewCluster(t, 1, topic, 12, kfake.TLS(&tls.Config{Certificates: []tls.Certificate{ca.serverCert(t)}}))
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Transport = TransportEpoll
		cfg.SendBufferBytes = 8 << 10
		cfg.BufferMemory = 32 << 20
		cfg.RequestTimeout = 10 * time.Second
		cfg.DeliveryTimeout = testDeadline
		for key, value := range map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": ca.pem} {
			if err := cfg.Set(key, value); err != nil {
				t.Fatal(err)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	value := bytes.Repeat([]byte("0123456789 w"), 85)
	var failed atomic.Int64
	for i := range n {
		if err := p.Send(ctx, &Record{Topic: topic, Value: value}, func(_ RecordMetadata, err error) {
			if err != nil && failed.Add(1) == 1 {
				t.Errorf("record %d: %v", i, err)
			}
		}); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st := p.Stats(); st.Retries != 0 {
		t.Errorf("%d batches retried: a request got no answer", st.Retries)
	}
	kafkatest.ConsumeWith(t, c, topic, n, n, kgo.DialTLSConfig(&tls.Config{RootCAs: ca.pool}))
}
