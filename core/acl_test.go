//go:build linux

package core

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
	"github.com/twmb/franz-go/pkg/sasl/plain"
)

const (
	aclAdmin, aclAdminPassword = "admin", "admin-secret-password"
	aclUser, aclUserPassword   = "writer", "writer-secret-password"
)

// topicACL allows the user op on one topic.
func topicACL(topic string, op kmsg.ACLOperation) kfake.ACL {
	return kfake.ACL{Resource: kmsg.ACLResourceTypeTopic, Name: topic, Pattern: kmsg.ACLResourcePatternTypeLiteral, Operation: op, Allow: true}
}

// newACLCluster starts a SASL/PLAIN cluster with ACLs on, an admin that
// bypasses them, and aclUser with acls; topics are seeded.
func newACLCluster(t *testing.T, topics []string, acls ...kfake.ACL) *kfake.Cluster {
	t.Helper()
	return kafkatest.NewCluster(t, 1, topics[0], 2,
		kfake.SeedTopics(2, topics[1:]...),
		kfake.EnableSASL(), kfake.EnableACLs(),
		kfake.Superuser(SASLPlain, aclAdmin, aclAdminPassword),
		kfake.User(SASLPlain, aclUser, aclUserPassword, acls...))
}

// newACLProducer is a producer authenticating as aclUser.
func newACLProducer(t *testing.T, c *kfake.Cluster, w *secretWatch, edit func(*Config)) *Producer {
	return newTestProducer(t, c, func(cfg *Config) {
		cfg.Logger = w.logger()
		for key, value := range map[string]string{
			"security.protocol": "SASL_PLAINTEXT",
			"sasl.mechanism":    SASLPlain,
			"sasl.jaas.config":  `org.apache.kafka.common.security.plain.PlainLoginModule required username="` + aclUser + `" password="` + aclUserPassword + `";`,
		} {
			if err := cfg.Set(key, value); err != nil {
				t.Fatal(err)
			}
		}
		if edit != nil {
			edit(cfg)
		}
	})
}

// callbackLog records every callback's error by record value.
type callbackLog struct {
	mu   sync.Mutex
	errs map[string][]error
}

func (l *callbackLog) callback(value string, w *secretWatch) Callback {
	return func(_ RecordMetadata, err error) {
		w.saw(err)
		l.mu.Lock()
		defer l.mu.Unlock()
		l.errs[value] = append(l.errs[value], err)
	}
}

// TestTopicAuthorization: a user may write one topic and only describe
// another. Records to the first arrive; each record to the second fails
// once, with TOPIC_AUTHORIZATION_FAILED, and its batch is never retried.
func TestTopicAuthorization(t *testing.T) {
	const allowed, denied, n = "allowed", "denied", 50
	w := watchSecrets(t, aclUserPassword, aclAdminPassword)
	c := newACLCluster(t, []string{allowed, denied},
		topicACL(allowed, kmsg.ACLOperationWrite),
		topicACL(denied, kmsg.ACLOperationDescribe))
	produces := countRequests(c, kmsg.Produce)
	p := newACLProducer(t, c, w, func(cfg *Config) { cfg.Retries = 1000 })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	log := &callbackLog{errs: map[string][]error{}}
	for i := range n {
		for _, topic := range []string{allowed, denied} {
			value := fmt.Sprintf("%s %d", topic, i)
			if err := p.Send(ctx, &Record{Topic: topic, Partition: int32(i % 2), PartitionSet: true, Value: []byte(value)}, log.callback(value, w)); err != nil {
				w.saw(err)
				t.Fatalf("Send to %s: %v", topic, err)
			}
		}
	}
	if err := p.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	for i := range n {
		if errs := log.errs[fmt.Sprintf("%s %d", allowed, i)]; len(errs) != 1 || errs[0] != nil {
			t.Errorf("record %d to %s: callbacks %v, want one without error", i, allowed, errs)
		}
		errs := log.errs[fmt.Sprintf("%s %d", denied, i)]
		if len(errs) != 1 || !errors.Is(errs[0], ErrTopicAuthorizationFailed) || errors.Is(errs[0], ErrTimeout) {
			t.Errorf("record %d to %s: callbacks %v, want one with TOPIC_AUTHORIZATION_FAILED", i, denied, errs)
		}
	}
	log.mu.Unlock()
	if st := p.Stats(); st.Retries != 0 || produces.Load() != st.ProduceResponses {
		t.Errorf("%d retries, %d Produce requests for %d responses: refused batches were sent again", st.Retries, produces.Load(), st.ProduceResponses)
	}
	got := kafkatest.ConsumeWith(t, c, allowed, n, n, kgo.SASL(plain.Auth{User: aclAdmin, Pass: aclAdminPassword}.AsMechanism()))
	if len(got) != n {
		t.Errorf("read back %d records of %s, want %d", len(got), allowed, n)
	}
}

// TestIdempotentWriteRefused: an idempotent producer whose user may
// write no topic (brokers since KIP-679 accept WRITE on any topic in place
// of IDEMPOTENT_WRITE on the cluster) gets CLUSTER_AUTHORIZATION_FAILED on
// InitProducerId. Its records fail with that error at once, not after
// delivery.timeout.ms, and nothing is produced.
func TestIdempotentWriteRefused(t *testing.T) {
	const topic, n = "no-write", 20
	w := watchSecrets(t, aclUserPassword, aclAdminPassword)
	c := newACLCluster(t, []string{topic, "other"}, topicACL(topic, kmsg.ACLOperationDescribe))
	produces := countRequests(c, kmsg.Produce)
	p := newACLProducer(t, c, w, func(cfg *Config) { cfg.DeliveryTimeout = testDeadline })
	ctx, cancel := context.WithTimeout(context.Background(), testDeadline)
	defer cancel()
	log := &callbackLog{errs: map[string][]error{}}
	for i := range n {
		value := fmt.Sprint(i)
		if err := p.Send(ctx, &Record{Topic: topic, Value: []byte(value)}, log.callback(value, w)); err != nil {
			w.saw(err)
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
		if len(errs) != 1 || !errors.Is(errs[0], ErrClusterAuthorizationFailed) || errors.Is(errs[0], ErrTimeout) {
			t.Errorf("record %d: callbacks %v, want one with CLUSTER_AUTHORIZATION_FAILED", i, errs)
		}
	}
	if got := produces.Load(); got != 0 {
		t.Errorf("%d Produce requests without a producer id", got)
	}
}
