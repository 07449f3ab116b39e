// Package perf shapes and measures load for the perfproducer command: a rate
// limiter for --throughput, HDR histograms of send latency, and the periodic
// and final reports in kafka-producer-perf-test's wording.
//
// This package imports no other package of the project.
package perf
