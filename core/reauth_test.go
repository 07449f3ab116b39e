//go:build linux

package core

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/scram"
)

func TestReauthenticationDelay(t *testing.T) {
	const lifetime = 10 * time.Second
	for _, tc := range []struct {
		r    float64
		want time.Duration
	}{
		{0, 8500 * time.Millisecond},
		{0.5, 9 * time.Second},
		{0.999, 9499 * time.Millisecond},
	} {
		if got := reauthenticationDelay(lifetime, tc.r); got.Round(time.Millisecond) != tc.want {
			t.Errorf("reauthenticationDelay(%v, %v) = %v, want %v", lifetime, tc.r, got, tc.want)
		}
	}
}

// TestReauthentication: a broker that grants SASL sessions a lifetime
// (connections.max.reauth.ms) sees the producer authenticate again on the
// connections it has, while records keep flowing, and every record
// arrives.
func TestReauthentication(t *testing.T) {
	const user, password, topic = "carol", "reauth-secret", "reauth"
	w := watchSecrets(t, password)
	var accepted atomic.Int64
	c := kafkatest.NewCluster(t, 1, topic, 2,
		kfake.EnableSASL(), kfake.Superuser(SASLScramSHA512, user, password),
		kfake.BrokerConfigs(map[string]string{"connections.max.reauth.ms": "400"}),
		countingListener(&accepted))
	handshakes := countRequests(c, kmsg.SASLHandshake)
	p := newTestProducer(t, c, func(cfg *Config) {
		cfg.Logger = w.logger()
		cfg.Transport = TransportEpoll
		for key, value := range map[string]string{
			"security.protocol": "SASL_PLAINTEXT",
			"sasl.mechanism":    SASLScramSHA512,
			"sasl.jaas.config":  `org.apache.kafka.common.security.scram.ScramLoginModule required username="` + user + `" password="` + password + `";`,
		} {
			if err := cfg.Set(key, value); err != nil {
				t.Fatal(err)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	// Records go until the connections have re-authenticated twice over:
	// more handshakes than connections accepted.
	sent := 0
	for handshakes.Load() < accepted.Load()+2 {
		if _, err := p.SendSync(ctx, &Record{Topic: topic, Value: fmt.Appendf(nil, "%d", sent)}); err != nil {
			w.saw(err)
			t.Fatalf("record %d: %v (%d handshakes on %d connections)", sent, err, handshakes.Load(), accepted.Load())
		}
		sent++
	}
	kafkatest.ConsumeWith(t, c, topic, sent, sent, kgo.SASL(scram.Auth{User: user, Pass: password}.AsSha512Mechanism()))
}
