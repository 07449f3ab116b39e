//go:build linux

package core

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestQueuedRecordsFailOnAuthentication: records queued for a broker that
// then fails authentication (here its certificate changes to one from a
// CA the producer does not trust, and the connection drops) fail with
// ErrAuthentication and its cause, one callback each, rather than wait
// out delivery.timeout.ms.
func TestQueuedRecordsFailOnAuthentication(t *testing.T) {
	const topic, n = "pending", 40
	ca, stranger := newTestCA(t), newTestCA(t)
	good, bad := ca.serverCert(t), stranger.serverCert(t)
	var untrusted atomic.Bool
	server := &tls.Config{GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
		if untrusted.Load() {
			return &bad, nil
		}
		return &good, nil
	}}
	c := kafkatest.NewCluster(t, 1, topic, 2, kfake.TLS(server))
	w := watchSecrets(t)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Logger = w.logger()
		cfg.Transport = TransportEpoll
		cfg.DeliveryTimeout = testDeadline
		for key, value := range map[string]string{"security.protocol": "SSL", "ssl.truststore.certificates": ca.pem} {
			if err := cfg.Set(key, value); err != nil {
				t.Fatal(err)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	if _, err := p.SendSync(ctx, &Record{Topic: topic, Value: []byte("first")}); err != nil {
		t.Fatalf("SendSync before the certificate changed: %v", err)
	}
	untrusted.Store(true)
	c.ControlKey(int16(kmsg.Produce), func(kmsg.Request) (kmsg.Response, error, bool) {
		return nil, errors.New("dropping the connection"), true
	})
	log := &callbackLog{errs: map[string][]error{}}
	for i := range n {
		value := fmt.Sprint(i)
		if err := p.Send(ctx, &Record{Topic: topic, Value: []byte(value)}, log.callback(value, w)); err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	defer log.mu.Unlock()
	for i := range n {
		errs := log.errs[fmt.Sprint(i)]
		var unknownCA x509.UnknownAuthorityError
		if len(errs) != 1 || !errors.Is(errs[0], ErrAuthentication) || !errors.As(errs[0], &unknownCA) || errors.Is(errs[0], ErrTimeout) {
			t.Errorf("record %d: callbacks %v, want one with ErrAuthentication and the unknown CA", i, errs)
		}
	}
}
