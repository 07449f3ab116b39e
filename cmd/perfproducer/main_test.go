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
	"time"

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
		{"perf lab flags", []string{"--duration", "90s", "--warmup=5s", "--producers", "4", "--json", "r.json", "--plot", "r.SVG"}, func(o *options) bool {
			return o.duration == 90*time.Second && o.warmup == 5*time.Second && o.producers == 4 && o.numRecords == maxRecords &&
				o.jsonFile == "r.json" && o.plotFile == "r.SVG"
		}, ""},
		{"embedded cluster flags", []string{"--embedded-brokers", "1", "--partitions", "2", "--embedded-blackhole"}, func(o *options) bool {
			return o.embedded == embeddedOptions{brokers: 1, partitions: 2, blackhole: true}
		}, ""},
		{"embedded cluster defaults", nil, func(o *options) bool {
			return o.embedded == embeddedOptions{brokers: 3, partitions: 12} && o.producers == 1
		}, ""},
		{"transport", []string{"--transport", "iouring"}, func(o *options) bool { return o.producerProps["transport"] == "iouring" }, ""},
		{"unknown flag", []string{"--nope"}, nil, "unknown flag --nope"},
		{"missing value", []string{"--topic"}, nil, "--topic needs a value"},
		{"bad number", []string{"--num-records", "x"}, nil, "not a whole number"},
		{"zero records", []string{"--num-records", "0"}, nil, "greater than zero"},
		{"two payload sources", []string{"--record-size", "5", "--payload-monotonic"}, nil, "only one of"},
		{"seq needs 8 bytes", []string{"--record-size", "4", "--payload-seq"}, nil, "at least 8"},
		{"bad property", []string{"--producer-props", "novalue"}, nil, "NAME=VALUE"},
		{"duration and num-records", []string{"--num-records", "5", "--duration", "1s"}, nil, "either --num-records or --duration, not both"},
		{"bad duration", []string{"--duration", "10"}, nil, `--duration "10" is not a duration such as 30s or 5m`},
		{"zero duration", []string{"--duration", "0s"}, nil, "--duration should be greater than zero"},
		{"negative warmup", []string{"--warmup", "-1s"}, nil, "--warmup"},
		{"zero producers", []string{"--producers", "0"}, nil, "--producers should be greater than zero"},
		{"huge producers", []string{"--producers", "99999999999"}, nil, "--producers 99999999999 is out of range"},
		{"too many records", []string{"--num-records", "1099511627777"}, nil, "--num-records should be at most 1099511627776"},
		{"value too large", []string{"--record-size", "16777216"}, nil, "--record-size should be at most 16777215 bytes"},
		{"bad throughput", []string{"--throughput", "NaN"}, nil, `--throughput "NaN" is not a number`},
		{"plot extension", []string{"--plot", "r.jpg"}, nil, `--plot "r.jpg" should name a .svg or .png file`},
		{"json without a name", []string{"--json="}, nil, "--json needs a file name"},
		{"embedded brokers with a cluster", []string{"--bootstrap-server", "h:1", "--embedded-brokers", "1"}, nil,
			"--embedded-brokers shapes the embedded cluster and cannot go with --bootstrap-server"},
		{"partitions with a cluster", []string{"--partitions", "3", "--bootstrap-server", "h:1"}, nil, "--partitions shapes the embedded cluster"},
		{"blackhole with a cluster", []string{"--embedded-blackhole", "--bootstrap-server=h:1"}, nil, "--embedded-blackhole shapes the embedded cluster"},
		{"zero partitions", []string{"--partitions", "0"}, nil, "--partitions should be greater than zero"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o, err := parseArgs(tc.args)
			if tc.err != "" {
				if err == nil || !errors.Is(err, errUsage) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("parseArgs(%q) = %v, want a usage error containing %q", tc.args, err, tc.err)
				}
				if msg := err.Error(); strings.Contains(msg, "\n") || strings.HasPrefix(msg, "usage") {
					t.Fatalf("parseArgs(%q) error %q, want one sentence", tc.args, msg)
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
// start, with --payload-seq and keys, on each transport, and reads every
// record back.
func TestRunAgainstCluster(t *testing.T) {
	for _, transport := range []string{"epoll", "iouring"} {
		t.Run(transport, func(t *testing.T) { testRunAgainstCluster(t, transport) })
	}
}

func testRunAgainstCluster(t *testing.T, transport string) {
	const topic, n, size = "cli", 20_000, 50
	c := kafkatest.NewCluster(t, 3, topic, 6)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{
		"--topic", topic, "--num-records", "20000", "--record-size", "50", "--throughput", "-1",
		"--payload-seq", "--key-size", "8", "--bootstrap-server", strings.Join(c.ListenAddrs(), ","),
		"--transport", transport, "--producer-props", "compression.type=zstd", "transport.fallback=false",
	}, &stdout, &stderr)
	skipRefusedIOURing(t, transport, code, stderr.String())
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

// skipRefusedIOURing skips a run on io_uring that failed because the
// kernel refused io_uring, except in CI, whose kernel has it.
func skipRefusedIOURing(t *testing.T, transport string, code int, stderr string) {
	t.Helper()
	if code != exitOK && transport == "iouring" && os.Getenv("CI") != "true" && strings.Contains(stderr, "io_uring") {
		t.Skipf("io_uring is refused here: %s", stderr)
	}
}

// TestRunEmbedded runs the command against its embedded cluster, on each
// transport.
func TestRunEmbedded(t *testing.T) {
	for _, transport := range []string{"epoll", "iouring"} {
		t.Run(transport, func(t *testing.T) { testRunEmbedded(t, transport) })
	}
}

func testRunEmbedded(t *testing.T, transport string) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "5000", "--print-metrics", "--transport", transport,
		"--producer-props", "transport.fallback=false"}, &stdout, &stderr)
	skipRefusedIOURing(t, transport, code, stderr.String())
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

// TestRunUsageErrors: a bad command line, a bad property, or a file a flag
// names that cannot be used exits 2 with one sentence saying why, then the
// usage, and runs nothing.
func TestRunUsageErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unsupported flag", []string{"--transactional-id", "x"}, "perfproducer: unknown flag --transactional-id\n"},
		{"stray argument", []string{"10"}, "perfproducer: unexpected argument \"10\": flags start with --\n"},
		{"both run lengths", []string{"--duration", "1s", "--num-records", "1"}, "perfproducer: give either --num-records or --duration, not both\n"},
		{"bad property value", []string{"--producer-props", "linger.ms=soon"}, "perfproducer: invalid producer configuration: linger.ms=\"soon\""},
		{"unknown property", []string{"--producer-props", "sasl.password=x"}, "is not a producer property"},
		{"missing config file", []string{"--producer.config", dir + "/none.properties"}, "perfproducer: --producer.config cannot be read: open "},
		{"missing payload file", []string{"--payload-file", dir + "/none.txt"}, "perfproducer: --payload-file cannot be read: open "},
		{"unwritable json", []string{"--json", dir + "/no/such/dir/r.json"}, "perfproducer: --json " + dir + "/no/such/dir/r.json cannot be written: "},
		{"bootstrap property with embedded flags", []string{"--producer-props", "bootstrap.servers=h:1", "--partitions", "3"},
			"perfproducer: --partitions shapes the embedded cluster and cannot go with the bootstrap.servers property\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run(context.Background(), tc.args, &stdout, &stderr); code != exitUsage {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, exitUsage, stderr.String())
			}
			first, rest, _ := strings.Cut(stderr.String(), "\n")
			if !strings.Contains(first+"\n", tc.want) || !strings.HasPrefix(rest, "Usage: perfproducer") {
				t.Fatalf("stderr:\n%s\nwant a first line with %q, then the usage", stderr.String(), tc.want)
			}
			if stdout.Len() != 0 {
				t.Fatalf("stdout %q, want nothing", stdout.String())
			}
		})
	}
}

func TestRunHelp(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d for --help, want %d", code, exitOK)
	}
	for _, flag := range []string{"--duration", "--warmup", "--producers", "--json", "--plot", "--embedded-brokers", "--partitions", "--embedded-blackhole"} {
		if !strings.Contains(stdout.String(), flag) {
			t.Errorf("the usage lacks %s:\n%s", flag, stdout.String())
		}
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

// TestRunProducersSplitRecords: three goroutines send through one producer
// and share the records: each index goes exactly once.
func TestRunProducersSplitRecords(t *testing.T) {
	const topic, n = "shared", 6000
	c := kafkatest.NewCluster(t, 2, topic, 4)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--topic", topic, "--num-records", "6000", "--producers", "3", "--throughput", "30000",
		"--payload-seq", "--record-size", "16", "--bootstrap-server", strings.Join(c.ListenAddrs(), ",")}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if m := finalLine.FindStringSubmatch(stdout.String()); m == nil || m[1] != "6000" {
		t.Fatalf("no final line for 6000 records in:\n%s", stdout.String())
	}
	seen := make([]bool, n)
	for _, r := range kafkatest.Consume(t, c, topic, n) {
		i := binary.BigEndian.Uint64(r.Value)
		if i >= n || seen[i] {
			t.Fatalf("record %d duplicated or out of range", i)
		}
		seen[i] = true
	}
}

// TestRunEmbeddedShape: the embedded cluster takes --embedded-brokers and
// --partitions, and says so.
func TestRunEmbeddedShape(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "100", "--embedded-brokers", "2", "--partitions", "5", "--embedded-blackhole"}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	if announced := regexp.MustCompile(`embedded cluster of 2 brokers at [\d.:]+,[\d.:]+, topic "perf-test" with 5 partitions`); !announced.MatchString(stderr.String()) {
		t.Fatalf("stderr does not announce 2 brokers and 5 partitions:\n%s", stderr.String())
	}
}
