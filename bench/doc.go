// Package bench compares perfproducer with franz-go, sarama, kafka-go and
// librdkafka: on one matrix of workloads as fast as each client goes
// (BenchmarkMatrix), and at a fixed rate, for the latency of each record
// from its intended send time (BenchmarkLatency), both in its tests. It is
// a module of its own so that the clients it compares against, librdkafka's
// cgo binding above all, never enter the module graph of perfproducer's
// users.
//
// Each run starts a kfake cluster and the client in child processes of
// their own (the test binary run again), so the broker's CPU time,
// allocations and garbage collection are not counted as the client's, and
// each client's peak RSS is its own.
package bench
