// Command perfproducer is a Kafka producer benchmark with
// kafka-producer-perf-test's flags and output, driving the perfproducer
// library.
//
//	perfproducer --topic T --num-records N --record-size S --throughput -1 \
//	    --producer-props bootstrap.servers=host:9092 acks=all linger.ms=5
//
// With no --bootstrap-server (and no bootstrap.servers property) it starts an
// embedded, in-process Kafka cluster, so `go run ./cmd/perfproducer` works on
// a fresh machine: --embedded-brokers brokers (default 3), the topic with
// --partitions partitions (default 12), and with --embedded-blackhole brokers
// that acknowledge records and store none, which keeps the brokers' storage
// out of the figures. These three flags with a cluster of one's own are a
// usage error.
//
// Beyond the Java tool's flags: --bootstrap-server; --payload-seq writes each
// record's index (0..N-1, big-endian) into the first 8 bytes of its value so a
// reader can check for loss, duplicates and order; --key-size N gives each
// record a random N-byte key (keyed partitioning). It prints a line every
// five seconds and a final line with the 50th, 95th, 99th and 99.9th
// percentiles, in the Java tool's words, and exits non-zero if any record
// failed. Stdout holds only those lines (and --print-metrics's and --trace's
// tables), so the Java tool's parsers keep working.
//
// # Perf-lab flags
//
// --duration D runs for D instead of --num-records (giving both is a usage
// error). --warmup D leaves out the records that complete in the first D:
// the measurement starts when the warmup ends, so they are in no periodic
// line, not in the final line, the histograms, --json's figures or --plot,
// and rates are over the measured time only; --json counts them as
// warmup_records. A --duration run sends for the warmup plus D; a
// --num-records run sends N records in all, the warmup's among them.
// Failures are always counted, the warmup's too.
//
// --producers N sends from N goroutines through the one producer: goroutine
// g sends records g, g+N, g+2N, ... of one schedule, so each paces
// --throughput/N and none can take another's share.
//
// When --throughput paces the run, each record's latency is measured from
// its intended send time, start + i/throughput (the throttle's schedule),
// to the producer's completion stamp: free of coordinated omission, so a
// stall that blocks Send counts for every record that was due during it,
// not only for the few in flight. The final and periodic lines then report
// that latency; the latency from the record's append (what the Java tool
// measures) is kept beside it in --json and --plot. An unpaced run has no
// schedule and measures from the append. Either way the callback reads no
// clock: the producer stamps append and completion from clock reads it
// makes anyway, and the intended time is arithmetic on the record's index,
// which rides in Record.Opaque with the value's size (so a run has at most
// 2^40 records and a value at most 16 MiB - 1 bytes).
//
// --json FILE writes every figure of the run as one JSON document, schema
// "perfproducer.run/v1" (the runReport type; each field's unit is in its
// name: _ns nanoseconds, _us microseconds): config (the flags and the
// producer properties, with the values of secrets such as passwords,
// tokens and sasl.jaas.config replaced by "[redacted]"), summary (records
// sent, counted, in the warmup and failed; bytes, rates, elapsed), latency
// and, for a paced run, uncorrected_latency (p50, p90, p95, p99, p99.9,
// p99.99 and max in microseconds, and the percentile curve), intervals (the
// periodic windows, then the one still open at the end, so their records add
// up to the summary's), errors (failures by kind: the core sentinel matched,
// such as core.ErrRecordTooLarge, else the broker's error code by Kafka's
// name, such as NOT_LEADER_OR_FOLLOWER), metrics (as --print-metrics prints
// them, numbers as JSON numbers, a metric without samples as null) and, with --trace, trace (the bpf package's Report).
//
// --plot FILE.svg or FILE.png draws two panels side by side: the latency
// percentile curve in HdrHistogram's style (x: the percentile on a log scale
// of 1/(1-p), labelled 50%, 90%, 99%, 99.9%, ...; y: latency in ms; both
// curves of a paced run) and the throughput in records/s of each interval.
//
// On a terminal, stderr shows a live progress line (records completed, rate,
// phase), drawn from the counters four times a second, never per record; on
// a file or a pipe it shows nothing.
//
// --trace also traces the run with eBPF (the bpf package) and prints its
// syscall and TCP tables at the end, then the stages of every batch's life
// (append, seal, writev entered and returned, response, callbacks: count,
// p50, p99, max), the producer's stamps joined with the kernel's.
//
//	perfproducer trace --pid N [--port 9092] [--duration 30s]
//
// prints the same tables for any process, a Kafka client of any kind, so a
// perf lab can compare clients' syscall behaviour.
//
// A bad command line exits 2 with one sentence saying what is wrong, then
// the usage: a flag, a producer property, or a file a flag names that cannot
// be read or written. --help prints the usage and exits 0.
//
// It runs on Linux only, as the producer does; elsewhere it exits non-zero
// with an error saying so.
package main
