package main

import (
	"maps"
	"strings"
	"time"

	"github.com/perfproducer/perfproducer/bpf"
	"github.com/perfproducer/perfproducer/perf"
)

// reportSchema names the version of runReport's JSON form; a change that
// renames or removes a field changes it.
const reportSchema = "perfproducer.run/v1"

// runReport is the document --json writes: every figure of the run. Each
// field's unit is in its JSON name: _ns nanoseconds, _us microseconds
// (latencies, as the histograms hold them), _sec seconds. Records that
// completed during --warmup are only in summary.warmup_records; errors and
// summary.failed count every failure, the warmup's too.
type runReport struct {
	// Schema is reportSchema.
	Schema string `json:"schema"`
	// Start is when the run began sending; the measurement starts
	// config.warmup_ns later.
	Start  time.Time `json:"start"`
	Config runConfig `json:"config"`
	// Summary is the final line's figures.
	Summary runSummary `json:"summary"`
	// Latency is the distribution the lines report: with --throughput
	// from each record's intended send time (basis "intended"), else from
	// its append to the producer (basis "append"), to its completion.
	Latency latencyReport `json:"latency"`
	// UncorrectedLatency, for a paced run only, is from each record's
	// append: what the run would report without the correction for
	// coordinated omission.
	UncorrectedLatency *latencyReport `json:"uncorrected_latency,omitempty"`
	// Intervals are the windows of the periodic lines, then the window
	// still open at the end, so their records add up to summary.records.
	Intervals []intervalReport `json:"intervals"`
	// Errors counts failed records by kind: a core sentinel's name
	// ("core.ErrRecordTooLarge"), a broker error code's Kafka name
	// ("NOT_LEADER_OR_FOLLOWER"), the context's error, or "other".
	Errors map[string]int64 `json:"errors"`
	// Metrics are the producer's metrics, as --print-metrics prints them.
	Metrics map[string]any `json:"metrics"`
	// Trace is --trace's report (bpf.Report's JSON form), when traced.
	Trace *bpf.Report `json:"trace,omitempty"`
}

// runConfig is the command line and the producer properties of the run.
type runConfig struct {
	Topic string `json:"topic"`
	// NumRecords is zero for a --duration run.
	NumRecords int64 `json:"num_records,omitempty"`
	DurationNS int64 `json:"duration_ns,omitempty"`
	WarmupNS   int64 `json:"warmup_ns"`
	Producers  int   `json:"producers"`
	// Throughput is --throughput in records/s; -1 is unpaced.
	Throughput       float64 `json:"throughput"`
	RecordSize       int     `json:"record_size,omitempty"`
	PayloadFile      string  `json:"payload_file,omitempty"`
	PayloadDelimiter string  `json:"payload_delimiter,omitempty"`
	PayloadMonotonic bool    `json:"payload_monotonic,omitempty"`
	PayloadSeq       bool    `json:"payload_seq,omitempty"`
	KeySize          int     `json:"key_size"`
	BootstrapServer  string  `json:"bootstrap_server,omitempty"`
	// Embedded is the embedded cluster's shape, when the run started one.
	Embedded       *embeddedConfig `json:"embedded,omitempty"`
	ProducerConfig string          `json:"producer_config,omitempty"`
	PrintMetrics   bool            `json:"print_metrics"`
	Trace          bool            `json:"trace"`
	Plot           string          `json:"plot,omitempty"`
	// Properties are the producer properties the run used, from
	// --producer.config, --producer-props and the flags, with the values
	// of secrets (see isSecretProperty) replaced by redacted.
	Properties map[string]string `json:"properties"`
}

type embeddedConfig struct {
	Brokers    int  `json:"brokers"`
	Partitions int  `json:"partitions"`
	Blackhole  bool `json:"blackhole"`
}

// runSummary is the final line's figures, the records handed to the
// producer (sent), and those that failed, in Send or after: records,
// warmup_records and failed add up to sent.
type runSummary struct {
	Sent          int64   `json:"sent"`
	Records       int64   `json:"records"`
	Bytes         int64   `json:"bytes"`
	Failed        int64   `json:"failed"`
	WarmupRecords int64   `json:"warmup_records"`
	ElapsedNS     int64   `json:"elapsed_ns"`
	RecordsPerSec float64 `json:"records_per_sec"`
	MiBPerSec     float64 `json:"mib_per_sec"`
}

// latencyReport is a latency distribution. Percentiles are HDR values
// (three significant digits, whole microseconds, never below the true
// value); max_us is exact.
type latencyReport struct {
	Basis   string  `json:"basis"`
	P50US   float64 `json:"p50_us"`
	P90US   float64 `json:"p90_us"`
	P95US   float64 `json:"p95_us"`
	P99US   float64 `json:"p99_us"`
	P999US  float64 `json:"p99_9_us"`
	P9999US float64 `json:"p99_99_us"`
	MaxUS   float64 `json:"max_us"`
	// Curve is the percentile curve as --plot draws it.
	Curve []curvePoint `json:"curve"`
}

type curvePoint struct {
	Percentile float64 `json:"percentile"`
	LatencyUS  float64 `json:"latency_us"`
}

// intervalReport is one periodic window; start_ns and end_ns are from the
// measurement start.
type intervalReport struct {
	StartNS       int64   `json:"start_ns"`
	EndNS         int64   `json:"end_ns"`
	Records       int64   `json:"records"`
	Bytes         int64   `json:"bytes"`
	RecordsPerSec float64 `json:"records_per_sec"`
	MiBPerSec     float64 `json:"mib_per_sec"`
	AvgLatencyUS  float64 `json:"avg_latency_us"`
	MaxLatencyUS  float64 `json:"max_latency_us"`
}

// redacted replaces a secret's value in the report.
const redacted = "[redacted]"

// isSecretProperty reports whether the property named name holds a
// secret: a password, secret, token or credential of any kind, a JAAS
// configuration (it embeds credentials), or a private key.
func isSecretProperty(name string) bool {
	n := strings.ToLower(name)
	for _, word := range []string{"password", "secret", "token", "credential"} {
		if strings.Contains(n, word) {
			return true
		}
	}
	return strings.HasSuffix(n, "jaas.config") || n == "ssl.keystore.key"
}

func redactProperties(props map[string]string) map[string]string {
	r := maps.Clone(props)
	for k := range r {
		if isSecretProperty(k) {
			r[k] = redacted
		}
	}
	return r
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func newLatencyReport(basis string, d *perf.Distribution) latencyReport {
	r := latencyReport{
		Basis: basis,
		P50US: micros(d.P50), P90US: micros(d.P90), P95US: micros(d.P95), P99US: micros(d.P99),
		P999US: micros(d.P999), P9999US: micros(d.P9999), MaxUS: micros(d.Max),
		Curve: make([]curvePoint, len(d.Curve)),
	}
	for i, pt := range d.Curve {
		r.Curve[i] = curvePoint{Percentile: pt.Percentile, LatencyUS: micros(pt.Latency)}
	}
	return r
}

// newRunReport is the report of a run of o with the producer properties
// props, begun at start, that ended with sum; the caller adds the errors,
// metrics, trace and embedded cluster.
func newRunReport(o *options, props map[string]string, start time.Time, sum perf.Summary) *runReport {
	r := &runReport{
		Schema: reportSchema,
		Start:  start,
		Config: runConfig{
			Topic: o.topic, WarmupNS: int64(o.warmup), Producers: o.producers, Throughput: o.throughput,
			PayloadFile: o.payloadFile, PayloadMonotonic: o.payloadMonotonic, PayloadSeq: o.payloadSeq,
			KeySize: o.keySize, BootstrapServer: o.bootstrapServer, ProducerConfig: o.producerConfig,
			PrintMetrics: o.printMetrics, Trace: o.trace, Plot: o.plotFile,
			Properties: redactProperties(props),
		},
		Summary: runSummary{
			Records: sum.Records, Bytes: sum.Bytes, Failed: sum.Failed, WarmupRecords: sum.Warmup,
			ElapsedNS: int64(sum.Elapsed), RecordsPerSec: sum.RecordsPerSec, MiBPerSec: sum.MiBPerSec,
		},
		Intervals: make([]intervalReport, len(sum.Intervals)),
		Errors:    map[string]int64{},
		Metrics:   map[string]any{},
	}
	if o.duration > 0 {
		r.Config.DurationNS = int64(o.duration)
	} else {
		r.Config.NumRecords = o.numRecords
	}
	switch {
	case o.payloadFile != "":
		r.Config.PayloadDelimiter = o.payloadDelimiter
	case !o.payloadMonotonic:
		r.Config.RecordSize = o.recordSize
	}
	basis := "append"
	if o.throughput > 0 {
		basis = "intended"
	}
	if sum.Uncorrected != nil {
		u := newLatencyReport("append", sum.Uncorrected)
		r.UncorrectedLatency = &u
	}
	r.Latency = newLatencyReport(basis, &sum.Latency)
	for i, iv := range sum.Intervals {
		r.Intervals[i] = intervalReport{
			StartNS: int64(iv.Start), EndNS: int64(iv.End), Records: iv.Records, Bytes: iv.Bytes,
			RecordsPerSec: iv.RecordsPerSec, MiBPerSec: iv.MiBPerSec,
			AvgLatencyUS: micros(iv.AvgLatency), MaxLatencyUS: micros(iv.MaxLatency),
		}
	}
	return r
}
