//go:build linux

package netpoll

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/stream/streamtest"
)

// testPKI is a certificate authority made for one test and a server
// certificate it signed.
type testPKI struct {
	pool   *x509.CertPool
	server tls.Certificate
}

// newTestPKI makes a CA and a server certificate for names (IP literals or
// DNS names) valid from notBefore to notAfter.
func newTestPKI(t testing.TB, names []string, notBefore, notAfter time.Time) testPKI {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "netpoll test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	template := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: names[0]},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, name := range names {
		if ip := net.ParseIP(name); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else {
			template.DNSNames = append(template.DNSNames, name)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return testPKI{pool: pool, server: tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}}
}

// validPKI is a PKI whose server certificate names 127.0.0.1 and is valid
// now.
func validPKI(t testing.TB) testPKI {
	return newTestPKI(t, []string{"127.0.0.1"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
}

// serveTLS wraps serve in a TLS server with cert.
func serveTLS(cert tls.Certificate, serve func(net.Conn)) func(net.Conn) {
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	return func(c net.Conn) {
		tc := tls.Server(c, cfg)
		defer tc.Close()
		serve(tc)
	}
}

// TestTLSRoundTrip echoes requests over TLS 1.2 and 1.3, small and large,
// with many small iovecs and few large ones, through a small send buffer so
// records wait in the backlog: every frame comes back intact and every send
// is completed once, in order.
func TestTLSRoundTrip(t *testing.T) {
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			pki := validPKI(t)
			ln := streamtest.Listen(t, "tcp4", serveTLS(pki.server, streamtest.Echo))
			s := newSelector(t, Config{
				SendBufferBytes: 4096,
				TLS:             &tls.Config{RootCAs: pki.pool, MinVersion: version, MaxVersion: version},
			})
			streamtest.Connect(t, s, 3, ln.Addr().String())
			var payloads [][]byte
			for i, size := range []int{10, 5000, 1 << 20, 3, 70000} {
				payload := make([]byte, size)
				for j := range payload {
					payload[j] = byte(i + j*31)
				}
				payloads = append(payloads, payload)
				request := streamtest.Frame(payload)
				// A split at every 1000 bytes mixes small iovecs with large ones.
				var iovecs [][]byte
				for len(request) > 0 {
					step := min(len(request), 1000+i*20000)
					iovecs, request = append(iovecs, request[:step]), request[step:]
				}
				if err := s.Send(3, iovecs, uint64(i)); err != nil {
					t.Fatal(err)
				}
			}
			var got streamtest.Outcomes
			streamtest.PollUntil(t, s, &got, func() bool { return len(got.Frames[3]) == len(payloads) })
			for i, payload := range payloads {
				if !bytes.Equal(got.Frames[3][i], payload) {
					t.Errorf("frame %d: %d bytes that differ from the %d sent (first difference at %d)",
						i, len(got.Frames[3][i]), len(payload), streamtest.FirstDifference(got.Frames[3][i], payload))
				}
			}
			var want []Completion
			for i := range payloads {
				want = append(want, Completion{ID: 3, Token: uint64(i)})
			}
			if !slices.Equal(got.Sent, want) {
				t.Errorf("sent = %v, want %v", got.Sent, want)
			}
			if len(got.Connected) != 1 {
				t.Errorf("connected = %v, want [3] once", got.Connected)
			}
		})
	}
}

// TestTLSManyFramesAtOnce has the peer answer with a burst of frames, in
// two records, larger than the selector's receive buffer: every frame
// arrives, in order, although the first record alone fills the buffer with
// frames of one Poll.
func TestTLSManyFramesAtOnce(t *testing.T) {
	pki := validPKI(t)
	const frames, size = 300, 100
	ln := streamtest.Listen(t, "tcp4", serveTLS(pki.server, func(c net.Conn) {
		var burst []byte
		for i := range frames {
			burst = append(burst, streamtest.Frame(bytes.Repeat([]byte{byte(i)}, size))...)
		}
		buf := make([]byte, 4)
		if _, err := c.Read(buf); err != nil {
			return
		}
		c.Write(burst)
		c.Read(buf) // until the client closes
	}))
	s := newSelector(t, Config{TLS: &tls.Config{RootCAs: pki.pool}})
	streamtest.Connect(t, s, 1, ln.Addr().String())
	if err := s.Send(1, [][]byte{streamtest.Frame([]byte("go"))}, 1); err != nil {
		t.Fatal(err)
	}
	var got streamtest.Outcomes
	streamtest.PollUntil(t, s, &got, func() bool { return len(got.Frames[1]) == frames })
	for i, f := range got.Frames[1] {
		if len(f) != size || f[0] != byte(i) {
			t.Fatalf("frame %d is %d bytes of %d, want %d bytes of %d", i, len(f), f[0], size, byte(i))
		}
	}
}

// TestTLSHandshakeFailures: a certificate the client cannot trust ends the
// connection with ErrTLSHandshake and the reason crypto/x509 gives, and the
// connection is never reported connected.
func TestTLSHandshakeFailures(t *testing.T) {
	now := time.Now()
	for _, tc := range []struct {
		name   string
		pki    func(t testing.TB) testPKI
		trust  func(server testPKI, t testing.TB) *x509.CertPool
		reason any
	}{
		{
			name:   "unknown authority",
			pki:    validPKI,
			trust:  func(_ testPKI, t testing.TB) *x509.CertPool { return validPKI(t).pool },
			reason: &x509.UnknownAuthorityError{},
		},
		{
			name: "expired",
			pki: func(t testing.TB) testPKI {
				return newTestPKI(t, []string{"127.0.0.1"}, now.Add(-2*time.Hour), now.Add(-time.Hour))
			},
			trust:  func(server testPKI, _ testing.TB) *x509.CertPool { return server.pool },
			reason: &x509.CertificateInvalidError{},
		},
		{
			name: "host name mismatch",
			pki: func(t testing.TB) testPKI {
				return newTestPKI(t, []string{"broker.example"}, now.Add(-time.Hour), now.Add(time.Hour))
			},
			trust:  func(server testPKI, _ testing.TB) *x509.CertPool { return server.pool },
			reason: &x509.HostnameError{},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pki := tc.pki(t)
			ln := streamtest.Listen(t, "tcp4", serveTLS(pki.server, streamtest.Echo))
			s := newSelector(t, Config{TLS: &tls.Config{RootCAs: tc.trust(pki, t)}})
			streamtest.Connect(t, s, 1, ln.Addr().String())
			var got streamtest.Outcomes
			streamtest.PollUntil(t, s, &got, func() bool { return got.Disconnected[1] != nil })
			err := got.Disconnected[1]
			if !errors.Is(err, ErrTLSHandshake) {
				t.Errorf("error = %v, want ErrTLSHandshake", err)
			}
			switch want := tc.reason.(type) {
			case *x509.UnknownAuthorityError:
				if !errors.As(err, want) {
					t.Errorf("error = %v, want an x509.UnknownAuthorityError", err)
				}
			case *x509.CertificateInvalidError:
				if !errors.As(err, want) || want.Reason != x509.Expired {
					t.Errorf("error = %v, want an x509.CertificateInvalidError for expiry", err)
				}
			case *x509.HostnameError:
				if !errors.As(err, want) {
					t.Errorf("error = %v, want an x509.HostnameError", err)
				}
			}
			if len(got.Connected) != 0 {
				t.Errorf("connected = %v, want none", got.Connected)
			}
		})
	}
}

// TestTLSCloseDuringHandshake closes a connection whose peer never answers
// the ClientHello: the handshake's goroutine ends (goleak checks) and its
// outcome is never reported, not even for the id connected again.
func TestTLSCloseDuringHandshake(t *testing.T) {
	accepted := make(chan struct{})
	var once sync.Once
	ln := streamtest.Listen(t, "tcp4", func(c net.Conn) {
		once.Do(func() { close(accepted) })
		buf := make([]byte, 1024)
		for {
			if _, err := c.Read(buf); err != nil {
				return
			}
		}
	})
	s := newSelector(t, Config{TLS: &tls.Config{RootCAs: x509.NewCertPool()}})
	streamtest.Connect(t, s, 1, ln.Addr().String())
	var got streamtest.Outcomes
	streamtest.PollUntil(t, s, &got, func() bool {
		select {
		case <-accepted:
			return s.conns[1].state == stateHandshaking
		default:
			return false
		}
	})
	s.CloseConnection(1)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if len(got.Connected) != 0 || len(got.Disconnected) != 0 {
		t.Errorf("connected = %v, disconnected = %v; want neither", got.Connected, got.Disconnected)
	}
}
