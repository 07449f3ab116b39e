package bench

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// The environment chooses what BenchmarkMatrix runs; -bench patterns then
// select rows and clients by name.
const (
	// matrixEnv "full" runs the full product of the dimensions instead of
	// the default rows.
	matrixEnv = "BENCH_MATRIX"
	// blackholeEnv "off" makes the broker store records; by default it
	// acknowledges them without storing (kfake.BlackholeProduce), so the
	// client's own ceiling shows rather than the broker's.
	blackholeEnv = "BENCH_BLACKHOLE"
	// roundEnv n rotates the order in which clients run each row by n, so
	// that over rounds each client runs first, second and last alike.
	roundEnv = "BENCH_ROUND"
	// runLimitEnv is the longest a client sends in one run of
	// BenchmarkMatrix (a Go duration, default 20s; 0 for no limit): at
	// 1000 partitions and more, kafka-go sends a few thousand records a
	// second, and b.N of them would take hours.
	runLimitEnv = "BENCH_RUN_LIMIT"
	// profileEnv names a directory where each client process writes the
	// CPU profile of its whole run and its allocations (go tool pprof
	// reads both), named after the client, the row and (under scripts/bench)
	// the round.
	profileEnv = "BENCH_PROFILE"
	// valuesEnv "fresh" gives every record of BenchmarkMatrix a value of
	// its own, newly allocated and filled, as an application that
	// serializes each record does; by default records reuse 1,024 values
	// (benchValues), which stay in the CPU's caches. Both clients pay the
	// allocation alike; a client that keeps a record's value until the
	// broker answers then reads it from memory, as with real
	// applications, not from the cache.
	valuesEnv = "BENCH_VALUES"
)

// matrixSettings is what the environment chose.
type matrixSettings struct {
	rows      []row
	blackhole bool
	clients   []benchClient
	runLimit  time.Duration
	// freshValues: every record gets a value of its own (valuesEnv).
	freshValues bool
}

// matrixSettingsFromEnv reads the environment, failing on a value it does
// not know rather than running something else than asked.
func matrixSettingsFromEnv() (matrixSettings, error) {
	var s matrixSettings
	switch v := os.Getenv(matrixEnv); v {
	case "", "default":
		s.rows = defaultRows()
	case "full":
		s.rows = fullRows()
	default:
		return s, fmt.Errorf("%s=%q: want default or full", matrixEnv, v)
	}
	switch v := os.Getenv(blackholeEnv); v {
	case "", "on":
		s.blackhole = true
	case "off":
	default:
		return s, fmt.Errorf("%s=%q: want on or off", blackholeEnv, v)
	}
	switch v := os.Getenv(valuesEnv); v {
	case "", "reused":
	case "fresh":
		s.freshValues = true
	default:
		return s, fmt.Errorf("%s=%q: want reused or fresh", valuesEnv, v)
	}
	round := 0
	if v := os.Getenv(roundEnv); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return s, fmt.Errorf("%s=%q: want a round number, 0 or more", roundEnv, v)
		}
		round = n
	}
	s.runLimit = 20 * time.Second
	if v := os.Getenv(runLimitEnv); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 {
			return s, fmt.Errorf("%s=%q: want a duration such as 20s, or 0 for no limit", runLimitEnv, v)
		}
		s.runLimit = d
	}
	shift := round % len(benchClients)
	s.clients = append(append([]benchClient(nil), benchClients[shift:]...), benchClients[:shift]...)
	return s, nil
}
