// Command perfproducer is a Kafka producer benchmark with
// kafka-producer-perf-test's flags and output, driving the perfproducer
// library.
//
//	perfproducer --topic T --num-records N --record-size S --throughput -1 \
//	    --producer-props bootstrap.servers=host:9092 acks=all linger.ms=5
//
// With no --bootstrap-server (and no bootstrap.servers property) it starts an
// embedded, in-process Kafka cluster (3 brokers, the topic with 12
// partitions), so `go run ./cmd/perfproducer` works on a fresh machine.
//
// Beyond the Java tool's flags: --bootstrap-server; --payload-seq writes each
// record's index (0..N-1, big-endian) into the first 8 bytes of its value so a
// reader can check for loss, duplicates and order; --key-size N gives each
// record a random N-byte key (keyed partitioning). It prints a line every
// five seconds and a final line with the 50th, 95th, 99th and 99.9th
// percentiles, in the Java tool's words, and exits non-zero if any record
// failed. --trace also traces the run with eBPF (the bpf package) and prints
// its syscall and TCP tables at the end, then the stages of every batch's
// life (append, seal, writev entered and returned, response, callbacks:
// count, p50, p99, max), the producer's stamps joined with the kernel's.
//
//	perfproducer trace --pid N [--port 9092] [--duration 30s]
//
// prints the same tables for any process, a Kafka client of any kind, so a
// perf lab can compare clients' syscall behaviour. Bad flags exit 2.
//
// It runs on Linux only, as the producer does; elsewhere it exits non-zero
// with an error saying so.
package main
