package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
	"github.com/perfproducer/perfproducer/perf"
	"github.com/twmb/franz-go/pkg/kfake"
)

// readReport decodes the --json file at path.
func readReport(t *testing.T, path string) *runReport {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var r runReport
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("decoding %s: %v\n%s", path, err, data)
	}
	if r.Schema != reportSchema {
		t.Fatalf("schema %q, want %q", r.Schema, reportSchema)
	}
	return &r
}

// checkLatency checks that a distribution's percentiles are in order and
// its curve rises.
func checkLatency(t *testing.T, name string, l *latencyReport) {
	t.Helper()
	ps := []float64{l.P50US, l.P90US, l.P95US, l.P99US, l.P999US, l.P9999US}
	for i := 1; i < len(ps); i++ {
		if ps[i] < ps[i-1] {
			t.Errorf("%s percentiles out of order: %v", name, ps)
		}
	}
	// Percentiles are HDR bucket tops, up to 0.1% above the exact max.
	if l.P50US <= 0 || l.MaxUS*1.001+1 < l.P9999US {
		t.Errorf("%s p50 %vµs, p99.99 %vµs, max %vµs: want a positive p50 and the max at the top", name, l.P50US, l.P9999US, l.MaxUS)
	}
	if len(l.Curve) < 2 || l.Curve[0].Percentile != 0 {
		t.Fatalf("%s curve %v, want points from 0%%", name, l.Curve)
	}
	for i := 1; i < len(l.Curve); i++ {
		if l.Curve[i].Percentile <= l.Curve[i-1].Percentile || l.Curve[i].LatencyUS < l.Curve[i-1].LatencyUS {
			t.Fatalf("%s curve falls at point %d: %v", name, i, l.Curve)
		}
	}
}

// TestRunJSON runs a paced run of two producers on the embedded cluster
// with --json and checks the report against the run and itself.
func TestRunJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "4000", "--throughput", "20000", "--producers", "2",
		"--embedded-brokers", "1", "--partitions", "2", "--producer-props", "linger.ms=1", "--json", path}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	r := readReport(t, path)

	c := r.Config
	if c.NumRecords != 4000 || c.DurationNS != 0 || c.Producers != 2 || c.Throughput != 20000 || c.RecordSize != 100 ||
		c.Embedded == nil || *c.Embedded != (embeddedConfig{Brokers: 1, Partitions: 2}) ||
		c.Properties["linger.ms"] != "1" || c.Properties["client.id"] != "perf-producer-client" || c.Properties["bootstrap.servers"] == "" {
		t.Errorf("config = %+v", c)
	}
	s := r.Summary
	if s.Sent != 4000 || s.Records != 4000 || s.Failed != 0 || s.WarmupRecords != 0 || s.Bytes != 400_000 || s.RecordsPerSec <= 0 {
		t.Errorf("summary = %+v, want 4000 records of 100 bytes, none failed", s)
	}
	if m := finalLine.FindStringSubmatch(stdout.String()); m == nil || m[1] != "4000" {
		t.Errorf("stdout has no final line of 4000 records:\n%s", stdout.String())
	}

	if r.Latency.Basis != "intended" || r.UncorrectedLatency == nil || r.UncorrectedLatency.Basis != "append" {
		t.Fatalf("a paced run's latency bases: %q and %+v, want intended and append", r.Latency.Basis, r.UncorrectedLatency)
	}
	checkLatency(t, "latency", &r.Latency)
	checkLatency(t, "uncorrected latency", r.UncorrectedLatency)
	// Each record's intended send time is at or before its append.
	u := r.UncorrectedLatency
	for _, p := range [][2]float64{{r.Latency.P50US, u.P50US}, {r.Latency.P99US, u.P99US}, {r.Latency.MaxUS, u.MaxUS}} {
		if p[0] < p[1] {
			t.Errorf("corrected latency %vµs below uncorrected %vµs", p[0], p[1])
		}
	}

	var records, bytes int64
	for i, iv := range r.Intervals {
		records += iv.Records
		bytes += iv.Bytes
		if iv.EndNS < iv.StartNS || (i > 0 && iv.StartNS != r.Intervals[i-1].EndNS) {
			t.Errorf("interval %d = %+v does not follow the one before", i, iv)
		}
	}
	if len(r.Intervals) == 0 || records != s.Records || bytes != s.Bytes {
		t.Errorf("%d intervals of %d records, %d bytes; the summary has %d, %d", len(r.Intervals), records, bytes, s.Records, s.Bytes)
	}
	if len(r.Errors) != 0 {
		t.Errorf("errors %v in a run without failures", r.Errors)
	}
	if sent := r.Metrics["producer-metrics:record-send-total:{client-id=perf-producer-client}"]; sent != 4000.0 {
		t.Errorf("record-send-total metric %v, want 4000; metrics %v", sent, r.Metrics)
	}
	if r.Trace != nil {
		t.Errorf("a trace report without --trace")
	}
}

// TestRunJSONDurationAndWarmup runs for a --duration after a --warmup: the
// records of the warmup are only counted as such.
func TestRunJSONDurationAndWarmup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--duration", "300ms", "--warmup", "200ms", "--throughput", "5000",
		"--embedded-brokers", "1", "--partitions", "1", "--embedded-blackhole", "--json", path}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	r := readReport(t, path)
	c, s := r.Config, r.Summary
	if c.NumRecords != 0 || c.DurationNS != int64(300*time.Millisecond) || c.WarmupNS != int64(200*time.Millisecond) || !c.Embedded.Blackhole {
		t.Errorf("config = %+v", c)
	}
	if s.Sent == 0 || s.Failed != 0 || s.Records+s.WarmupRecords != s.Sent {
		t.Errorf("summary = %+v: want records and warmup records to add up to those sent", s)
	}
	var records int64
	for _, iv := range r.Intervals {
		records += iv.Records
	}
	if records != s.Records {
		t.Errorf("intervals hold %d records, the summary %d", records, s.Records)
	}
	if m := finalLine.FindStringSubmatch(stdout.String()); m == nil || m[1] != fmt.Sprint(s.Records) {
		t.Errorf("stdout's final line does not count the %d records after the warmup:\n%s", s.Records, stdout.String())
	}
}

// TestRunJSONCountsErrorsByKind: every record is too large; the report
// still comes, with the failures counted by kind.
func TestRunJSONCountsErrorsByKind(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "10", "--record-size", "2000", "--embedded-brokers", "1",
		"--producer-props", "max.request.size=1000", "--json", path}, &stdout, &stderr)
	if code != exitFailed {
		t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitFailed, stderr.String())
	}
	r := readReport(t, path)
	if len(r.Errors) != 1 || r.Errors["core.ErrRecordTooLarge"] != 10 || r.Summary.Failed != 10 || r.Summary.Records != 0 {
		t.Fatalf("errors %v, summary %+v; want 10 core.ErrRecordTooLarge", r.Errors, r.Summary)
	}
}

func TestErrorKind(t *testing.T) {
	tooLarge := &core.KafkaError{Code: 10, Name: "MESSAGE_TOO_LARGE"}
	cases := []struct {
		err  error
		want string
	}{
		{fmt.Errorf("record 5: %w", core.ErrRecordTooLarge), "core.ErrRecordTooLarge"},
		{errors.Join(core.ErrRecordTooLarge, tooLarge), "core.ErrRecordTooLarge"},
		{fmt.Errorf("batch: %w", core.ErrNotLeaderOrFollower), "NOT_LEADER_OR_FOLLOWER"},
		{&core.KafkaError{Code: 87, Name: "INVALID_RECORD"}, "INVALID_RECORD"},
		{errors.Join(core.ErrMaybeWritten, core.ErrTimeout), "core.ErrTimeout"},
		{&core.MaxBlockError{Topic: "t", Err: core.ErrUnknownTopic}, "core.ErrUnknownTopic"},
		{&core.MaxBlockError{Topic: "t", Bytes: 1, Err: errors.New("arena")}, "core.ErrTimeout"},
		{fmt.Errorf("send: %w", core.ErrClosed), "core.ErrClosed"},
		{context.Canceled, "context.Canceled"},
		{errors.New("something else"), "other"},
	}
	for _, tc := range cases {
		if got := errorKind(tc.err); got != tc.want {
			t.Errorf("errorKind(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}

func TestIsSecretProperty(t *testing.T) {
	for name, secret := range map[string]bool{
		"sasl.jaas.config": true, "ssl.key.password": true, "ssl.truststore.password": true,
		"sasl.oauthbearer.client.credentials.client.secret": true, "sasl.oauthbearer.token.endpoint.url": true,
		"ssl.keystore.key": true, "SASL.PASSWORD": true,
		"bootstrap.servers": false, "client.id": false, "linger.ms": false, "ssl.keystore.location": false,
	} {
		if got := isSecretProperty(name); got != secret {
			t.Errorf("isSecretProperty(%q) = %v, want %v", name, got, secret)
		}
	}
}

// TestReportRedactsSecrets writes a report, as --json does, for a run
// whose properties hold secrets: their values are not in the file. (The
// producer takes no security properties yet, so a run with them fails
// before it starts; this goes through the same writer.)
func TestReportRedactsSecrets(t *testing.T) {
	o, err := parseArgs([]string{"--producer-props", "client.id=lab", `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="u" password="hunter2";`,
		"ssl.key.password=s3cr3t-key", "--json", "r.json"})
	if err != nil {
		t.Fatal(err)
	}
	props, err := producerProps(o)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1000, 0)
	doc := newRunReport(o, props, start, perf.NewStats(nil, start, 0).Summary(start))
	path := filepath.Join(t.TempDir(), "r.json")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	out := &outputs{json: f}
	if err := out.writeJSON(doc); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"hunter2", "s3cr3t-key", "PlainLoginModule"} {
		if bytes.Contains(data, []byte(secret)) {
			t.Errorf("the report holds the secret %q:\n%s", secret, data)
		}
	}
	r := readReport(t, path)
	if p := r.Config.Properties; p["sasl.jaas.config"] != redacted || p["ssl.key.password"] != redacted || p["client.id"] != "lab" {
		t.Errorf("properties %v, want the secrets redacted and client.id kept", p)
	}
}

// TestRunJSONWithTrace: with --trace, the report holds the trace's, the
// same batches the producer sent.
func TestRunJSONWithTrace(t *testing.T) {
	requireTracing(t, "")
	path := filepath.Join(t.TempDir(), "run.json")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "2000", "--embedded-brokers", "1", "--trace", "--json", path}, &stdout, &stderr)
	if code == exitFailed {
		requireTracing(t, stderr.String())
	}
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	r := readReport(t, path)
	if r.Trace == nil || r.Trace.Batches == nil {
		t.Fatalf("no trace report with its batches in:\n%+v", r)
	}
	sent := r.Metrics["producer-metrics:batch-send-total:{client-id=perf-producer-client}"]
	if b := r.Trace.Batches; sent == 0.0 || float64(b.Batches) != sent || len(b.Stages) == 0 {
		t.Errorf("trace of %d batches in %d stages; the producer sent %v", b.Batches, len(b.Stages), sent)
	}
	if len(r.Trace.Kernel.Syscalls) == 0 || !strings.Contains(stdout.String(), "writev") {
		t.Errorf("no syscalls in the trace report, or no tables on stdout")
	}
}

// TestRunOverSASLKeepsTheSecret runs against a cluster that requires SASL
// PLAIN, with the password in sasl.jaas.config as users paste it from Java
// configs, and --print-metrics and --json: the run succeeds, and the
// password appears nowhere in stdout, stderr or the report.
func TestRunOverSASLKeepsTheSecret(t *testing.T) {
	const topic, user, password = "sasl-cli", "lab", "pw-9f2c61d0e4"
	c := kafkatest.NewCluster(t, 1, topic, 3, kfake.EnableSASL(), kfake.Superuser(core.SASLPlain, user, password))
	path := filepath.Join(t.TempDir(), "run.json")
	var stdout, stderr bytes.Buffer
	jaas := fmt.Sprintf(`org.apache.kafka.common.security.plain.PlainLoginModule required username="%s" password="%s";`, user, password)
	code := run(context.Background(), []string{
		"--topic", topic, "--num-records", "2000", "--bootstrap-server", strings.Join(c.ListenAddrs(), ","),
		"--print-metrics", "--json", path,
		"--producer-props", "security.protocol=SASL_PLAINTEXT", "sasl.mechanism=PLAIN", "sasl.jaas.config=" + jaas,
	}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	report, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for name, out := range map[string]string{"stdout": stdout.String(), "stderr": stderr.String(), "the JSON report": string(report)} {
		if strings.Contains(out, password) {
			t.Errorf("the password appears in %s", name)
		}
	}
	if r := readReport(t, path); r.Summary.Records != 2000 || r.Config.Properties["sasl.jaas.config"] != redacted {
		t.Errorf("report of %d records with sasl.jaas.config %q; want 2000 and %q", r.Summary.Records, r.Config.Properties["sasl.jaas.config"], redacted)
	}
}
