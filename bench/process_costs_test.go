package bench

import (
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// processCPU is the CPU time all threads of this process have used, user
// and system. The benchmarks report it per record beside wall time: on two
// shared cores wall time swings with whatever else runs, while the CPU a
// client spends per record barely moves. The broker runs in a child
// process, so its share is not counted.
func processCPU() time.Duration {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru) // cannot fail for RUSAGE_SELF with a valid pointer
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// heapAllocs counts heap allocations and their bytes so far, and the
// garbage collections. The benchmarks report allocations per thousand
// records (allocs/1000op) too: allocs/op is rounded down to a whole
// number, so it shows 0 even when every batch of ~140 records allocates.
func heapAllocs() (count, bytes uint64, gcs uint32) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.Mallocs, ms.TotalAlloc, ms.NumGC
}

// peakRSS is this process's resident set high-water mark, in bytes
// (getrusage's ru_maxrss, which Linux gives in KiB).
func peakRSS() int64 {
	var ru unix.Rusage
	_ = unix.Getrusage(unix.RUSAGE_SELF, &ru) // cannot fail for RUSAGE_SELF with a valid pointer
	return ru.Maxrss << 10
}
