// Package perf shapes and measures load for the perfproducer command: a
// constant-rate schedule and its rate limiter for --throughput, HDR
// histograms of send latency (from each record's intended send time when
// paced, free of coordinated omission), and the periodic and final reports
// in kafka-producer-perf-test's wording.
//
// This package imports no other package of the project.
package perf
