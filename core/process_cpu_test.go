package core

import (
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
