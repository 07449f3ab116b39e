package tsc

// haveCounter: amd64 has the time-stamp counter, read by RDTSC.
const haveCounter = true

// readTicks is the time-stamp counter (RDTSC). Unordered: the CPU may run
// it a few instructions early or late, which errs by nanoseconds.
func readTicks() uint64
