package bench

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// tlsBrokerEnv, set beside brokerEnv, makes the child broker serve TLS
// with the certificate chain and key of the two PEM files it names
// ("chain.pem key.pem"). The child inherits it from the benchmark, which
// sets it around startBroker.
const tlsBrokerEnv = "PERFPRODUCER_BENCH_BROKER_TLS"

// A child started with tlsBrokerEnv serves a TLS cluster before TestMain
// would serve a plain one.
func init() {
	files, spec := os.Getenv(tlsBrokerEnv), os.Getenv(brokerEnv)
	if files != "" && spec != "" {
		os.Exit(serveTLSBroker(spec, files))
	}
}

// serveTLSBroker is serveBroker with TLS.
func serveTLSBroker(spec, files string) int {
	var brokers, partitions int
	var topic string
	var blackhole bool
	if _, err := fmt.Sscan(spec, &brokers, &partitions, &topic, &blackhole); err != nil {
		fmt.Fprintf(os.Stderr, "%s=%q: want \"brokers partitions topic blackhole\": %v\n", brokerEnv, spec, err)
		return 2
	}
	var chain, key string
	if _, err := fmt.Sscan(files, &chain, &key); err != nil {
		fmt.Fprintf(os.Stderr, "%s=%q: want \"chain.pem key.pem\": %v\n", tlsBrokerEnv, files, err)
		return 2
	}
	cert, err := tls.LoadX509KeyPair(chain, key)
	if err != nil {
		fmt.Fprintf(os.Stderr, "loading the broker's certificate: %v\n", err)
		return 1
	}
	opts := []kfake.Opt{kfake.NumBrokers(brokers), kfake.SeedTopics(int32(partitions), topic),
		kfake.TLS(&tls.Config{Certificates: []tls.Certificate{cert}})}
	if blackhole {
		opts = append(opts, kfake.BlackholeProduce())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting kfake: %v\n", err)
		return 1
	}
	defer c.Close()
	fmt.Println(brokerListening + strings.Join(c.ListenAddrs(), ","))
	_, _ = io.Copy(io.Discard, os.Stdin)
	return 0
}

// benchCA is a certificate authority and a broker certificate for
// 127.0.0.1 it signed, made for one benchmark: the CA as PEM for
// perfproducer's ssl.truststore.certificates and as a pool for franz-go,
// the broker's chain and key in files for the child broker.
type benchCA struct {
	pem   string
	pool  *x509.CertPool
	files string
}

func newBenchCA(b *testing.B) *benchCA {
	b.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	caTemplate := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "perfproducer bench CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		b.Fatal(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		b.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		b.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, template, caCert, &key.PublicKey, caKey)
	if err != nil {
		b.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	chain, keyFile := filepath.Join(dir, "chain.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		b.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &benchCA{
		pem:   string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})),
		pool:  pool,
		files: chain + " " + keyFile,
	}
}

// tlsClients are benchClients over TLS trusting ca.
func tlsClients(ca *benchCA) []benchClient {
	return []benchClient{
		{name: "perfproducer", open: func(brokers []string, r row, acked ackFunc) (benchProducer, error) {
			return openPerfproducerWith(brokers, r, acked, func(cfg *core.Config) {
				cfg.SecurityProtocol = core.SecuritySSL
				cfg.TLS = &tls.Config{RootCAs: ca.pool}
			})
		}},
		{name: "franz-go", open: func(brokers []string, r row, acked ackFunc) (benchProducer, error) {
			p, err := openFranzGo(brokers, r, acked)
			if err != nil {
				return nil, err
			}
			plain := p.(*franzGoBench)
			opts := append(plain.cl.Opts(), kgo.DialTLSConfig(&tls.Config{RootCAs: ca.pool}))
			plain.close()
			cl, err := kgo.NewClient(opts...)
			if err != nil {
				return nil, err
			}
			fb := &franzGoBench{cl: cl, acked: acked}
			fb.promise = func(_ *kgo.Record, err error) { fb.failures.record(err) }
			return fb, nil
		}},
	}
}

// tlsRows are BenchmarkTLS's workloads: the baseline (100-byte records,
// 12 partitions, one broker, acks=1) and 1 KiB records, where encryption
// weighs more per record.
func tlsRows() []row {
	return []row{baseline(), baseline().with(withSize(1024))}
}

// BenchmarkTLS is the cost of TLS: each client of tlsClients runs each of
// tlsRows over plain TCP (the matrix's client of that name) and over TLS (TLS 1.3, the CA made for the run),
// as BenchmarkMatrix runs a row. Names read
// size=100/parts=12/brokers=1/acks=1/codec=none/keys=0/tls=on/client=franz-go.
func BenchmarkTLS(b *testing.B) {
	s, err := matrixSettingsFromEnv()
	if err != nil {
		b.Fatal(err)
	}
	ca := newBenchCA(b)
	encrypted := tlsClients(ca)
	plain := make([]benchClient, len(encrypted))
	for i, c := range encrypted {
		plain[i], _ = clientNamed(c.name)
	}
	clients := map[bool][]benchClient{false: plain, true: encrypted}
	for _, r := range tlsRows() {
		for _, overTLS := range []bool{false, true} {
			for _, client := range clients[overTLS] {
				name := fmt.Sprintf("%s/tls=%s/client=%s", r, map[bool]string{false: "off", true: "on"}[overTLS], client.name)
				b.Run(name, func(b *testing.B) {
					if overTLS {
						b.Setenv(tlsBrokerEnv, ca.files)
					}
					benchRow(b, r, client, s.blackhole)
				})
			}
		}
	}
}
