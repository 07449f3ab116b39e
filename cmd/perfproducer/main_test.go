package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// finalLine is kafka-producer-perf-test's closing line.
var finalLine = regexp.MustCompile(`(?m)^(\d+) records sent, [\d.]+ records/sec \([\d.]+ MB/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.$`)

func TestParseArgs(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want func(*options) bool
		err  string
	}{
		{"defaults", nil, func(o *options) bool {
			return o.topic == defaultTopic && o.numRecords == defaultNumRecords && o.recordSize == defaultRecordSize && o.throughput == -1
		}, ""},
		{"java flags", []string{"--topic", "t", "--num-records", "10", "--record-size=20", "--throughput", "5.5", "--producer-props", "acks=1", "linger.ms=7", "--print-metrics"}, func(o *options) bool {
			return o.topic == "t" && o.numRecords == 10 && o.recordSize == 20 && o.throughput == 5.5 &&
				o.producerProps["acks"] == "1" && o.producerProps["linger.ms"] == "7" && o.printMetrics
		}, ""},
		{"our flags", []string{"--payload-seq", "--key-size", "16", "--bootstrap-server", "h:1", "--trace"}, func(o *options) bool {
			return o.payloadSeq && o.keySize == 16 && o.bootstrapServer == "h:1" && o.trace
		}, ""},
		{"transport", []string{"--transport", "iouring"}, func(o *options) bool { return o.producerProps["transport"] == "iouring" }, ""},
		{"unknown flag", []string{"--nope"}, nil, "unknown flag --nope"},
		{"missing value", []string{"--topic"}, nil, "--topic needs a value"},
		{"bad number", []string{"--num-records", "x"}, nil, "not a whole number"},
		{"zero records", []string{"--num-records", "0"}, nil, "greater than zero"},
		{"two payload sources", []string{"--record-size", "5", "--payload-monotonic"}, nil, "only one of"},
		{"seq needs 8 bytes", []string{"--record-size", "4", "--payload-seq"}, nil, "at least 8"},
		{"bad property", []string{"--producer-props", "novalue"}, nil, "NAME=VALUE"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseArgs(tc.args)
			if tc.err != "" {
				if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseArgs(%q) = %v, want a usage error containing %q", tc.args, err, tc.err)
				}
				return
			}
			if err != nil || !tc.want(o) {
				t.Fatalf("parseArgs(%q) = %+v, %v", tc.args, o, err)
			}
		})
	}
}

// TestRunAgainstCluster runs the command against a cluster it did not
// start, with --payload-seq and keys, and reads every record back.
func TestRunAgainstCluster(t *testing.T) {
	const topic, n, size = "cli", 20_000, 50
	c := kafkatest.NewCluster(t, 3, topic, 6)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{
		"--topic", topic, "--num-records", "20000", "--record-size", "50", "--throughput", "-1",
		"--payload-seq", "--key-size", "8", "--bootstrap-server", strings.Join(c.ListenAddrs(), ","),
		"--producer-props", "compression.type=zstd",
	}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	m := finalLine.FindStringSubmatch(stdout.String())
	if m == nil || m[1] != "20000" {
		t.Fatalf("no final line for 20000 records in:\n%s", stdout.String())
	}

	seen := make([]bool, n)
	last := map[int32]uint64{}
	for _, r := range kafkatest.Consume(t, c, topic, n) {
		if len(r.Value) != size || len(r.Key) != 8 {
			t.Fatalf("record with %d-byte value and %d-byte key, want %d and 8", len(r.Value), len(r.Key), size)
		}
		i := binary.BigEndian.Uint64(r.Value)
		if i >= n || seen[i] {
			t.Fatalf("record %d duplicated or out of range", i)
		}
		seen[i] = true
		if prev, ok := last[r.Partition]; ok && i < prev {
			t.Fatalf("partition %d: record %d after %d", r.Partition, i, prev)
		}
		last[r.Partition] = i
	}
}

func TestRunEmbedded(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "5000", "--print-metrics"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if !finalLine.MatchString(stdout.String()) || !strings.Contains(stdout.String(), "record-send-total") {
		t.Fatalf("missing final line or metrics:\n%s", stdout.String())
	}
	if !strings.Contains(stderr.String(), "embedded cluster") {
		t.Fatalf("the embedded cluster was not announced: %s", stderr.String())
	}
}

// TestRunPrintsJavaMetrics: --print-metrics prints the producer's metrics
// under the Java producer's names and tags, producer-wide and per broker,
// sorted, with Java's three decimals.
func TestRunPrintsJavaMetrics(t *testing.T) {
	const topic = "metrics"
	c := kafkatest.NewCluster(t, 2, topic, 4)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--topic", topic, "--num-records", "2000", "--record-size", "50", "--print-metrics",
		"--bootstrap-server", strings.Join(c.ListenAddrs(), ",")}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	const tags = `\{client-id=perf-producer-client\}`
	for _, want := range []string{
		`^producer-metrics:record-send-total:` + tags + ` +: 2000\.000$`,
		`^producer-metrics:record-send-rate:` + tags + ` +: \d+\.\d{3}$`,
		`^producer-metrics:request-latency-avg:` + tags + ` +: \d+\.\d{3}$`,
		`^producer-metrics:buffer-available-bytes:` + tags + ` +: \d+\.\d{3}$`,
		`^producer-node-metrics:request-latency-max:\{client-id=perf-producer-client, node-id=node-\d+\} +: \d+\.\d{3}$`,
		`^producer-node-metrics:outgoing-byte-total:\{client-id=perf-producer-client, node-id=node-\d+\} +: \d+\.\d{3}$`,
	} {
		if !regexp.MustCompile(`(?m)` + want).MatchString(out) {
			t.Errorf("no line matches %s in:\n%s", want, out)
		}
	}
	names := regexp.MustCompile(`(?m)^(producer-\S+) +: `).FindAllStringSubmatch(out, -1)
	if !slices.IsSortedFunc(names, func(a, b []string) int { return strings.Compare(a[1], b[1]) }) {
		t.Errorf("metrics not sorted by name:\n%s", out)
	}
}

func TestRunExitsNonZeroOnFailures(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "10", "--record-size", "2000", "--producer-props", "max.request.size=1000"}, &stdout, &stderr)
	if code != exitFailed {
		t.Fatalf("exit %d with every record too large, want %d; stderr:\n%s", code, exitFailed, stderr.String())
	}
	if !strings.Contains(stderr.String(), "10 of 10 records failed") {
		t.Fatalf("stderr does not count the failures:\n%s", stderr.String())
	}
}

func TestRunUsageError(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--transactional-id", "x"}, &stdout, &stderr); code != exitUsage {
		t.Fatalf("exit %d for an unsupported flag, want %d", code, exitUsage)
	}
}

func TestRunPayloadFile(t *testing.T) {
	const topic = "payloads"
	c := kafkatest.NewCluster(t, 1, topic, 2)
	path := t.TempDir() + "/payloads.txt"
	if err := os.WriteFile(path, []byte("alpha|beta|gamma|"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--topic", topic, "--num-records", "300", "--payload-file", path,
		"--payload-delimiter", "|", "--bootstrap-server", c.ListenAddrs()[0]}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	counts := map[string]int{}
	for _, r := range kafkatest.Consume(t, c, topic, 300) {
		counts[string(r.Value)]++
	}
	if len(counts) != 3 || counts["alpha"] == 0 || counts["beta"] == 0 || counts["gamma"] == 0 {
		t.Fatalf("values read back: %v, want only alpha, beta and gamma, each at least once", counts)
	}
}
