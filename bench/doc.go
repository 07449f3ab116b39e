// Package bench compares perfproducer with franz-go and librdkafka on one
// matrix of workloads (BenchmarkMatrix, in its tests). It is a module of its
// own so that the clients it compares against, librdkafka's cgo binding
// above all, never enter the module graph of perfproducer's users.
//
// Each run starts a kfake cluster in a child process (the test binary run
// again), so the broker's CPU time, allocations and garbage collection are
// not counted as the client's.
package bench
