package bench

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/core"
)

// Each benchmark run's client, like its broker, runs in a child process,
// this test binary again: TestMain runs the job clientEnv describes (JSON)
// instead of running tests, and prints its result as one line after
// clientResultPrefix. A process of its own gives every client an honest
// peak RSS and CPU time, with nothing of another client's run in them.
const (
	clientEnv          = "PERFPRODUCER_BENCH_CLIENT"
	clientResultPrefix = "bench client result: "
)

// clientJob is one run of one client against a running broker: Records
// records as fast as the client takes them, for at most Limit
// (BenchmarkMatrix), or, with a Rate, Rate records per second for Duration
// (BenchmarkLatency).
type clientJob struct {
	Client    string
	Row       rowSpec
	Brokers   []string
	BrokerPID int
	Records   int
	Limit     time.Duration
	// FreshValues: every record gets a value of its own (BENCH_VALUES).
	FreshValues bool
	Rate        float64
	Duration    time.Duration
}

// rowSpec is a row as it travels to a client process.
type rowSpec struct {
	ValueSize, Partitions, Brokers int
	AcksAll                        bool
	Codec                          core.Compression
	KeySize                        int
}

func specOf(r row) rowSpec {
	return rowSpec{r.valueSize, r.partitions, r.brokers, r.acksAll, r.codec, r.keySize}
}

func (s rowSpec) row() row {
	return row{s.ValueSize, s.Partitions, s.Brokers, s.AcksAll, s.Codec, s.KeySize}
}

// clientResult is what a client process measured. Elapsed, CPU, BrokerCPU,
// Allocs and AllocBytes cover the timed part of the run only; PeakRSS is
// the process's high-water mark over its whole life.
type clientResult struct {
	Records    int64
	Elapsed    time.Duration
	CPU        time.Duration
	BrokerCPU  time.Duration
	Allocs     uint64
	AllocBytes uint64
	// GCs counts the client process's garbage collections.
	GCs     uint32
	PeakRSS int64 // bytes
	Latency *latencyResult
}

// serveClient is a client process's body: it runs the job spec describes
// and prints the result. It returns the exit code.
func serveClient(spec string) int {
	var job clientJob
	if err := json.Unmarshal([]byte(spec), &job); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", clientEnv, err)
		return 2
	}
	client, ok := clientNamed(job.Client)
	if !ok {
		fmt.Fprintf(os.Stderr, "%s: no client %q in this build (librdkafka needs -tags peers)\n", clientEnv, job.Client)
		return 2
	}
	if dir := os.Getenv(profileEnv); dir != "" {
		name := job.Client + "-" + strings.ReplaceAll(job.Row.row().String(), "/", ",")
		if round := os.Getenv(roundEnv); round != "" {
			name += "-round" + round // scripts/bench's rounds keep a profile each
		}
		stop, err := startProfiles(dir, name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", profileEnv, err)
			return 1
		}
		defer stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	brokerCPU := func() (time.Duration, error) { return processCPUOf(job.BrokerPID) }
	var res clientResult
	var err error
	if job.Rate > 0 {
		res, err = latencyRun(ctx, client, job.Row.row(), job.Brokers, job.Rate, job.Duration, brokerCPU)
	} else {
		res, err = throughputRun(ctx, client, job.Row.row(), job.Brokers, job.Records, job.Limit, job.FreshValues, brokerCPU)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", job.Client, err)
		return 1
	}
	res.PeakRSS = peakRSS()
	line, err := json.Marshal(res)
	if err != nil {
		fmt.Fprintf(os.Stderr, "encoding the result: %v\n", err)
		return 1
	}
	fmt.Println(clientResultPrefix + string(line))
	return 0
}

// startProfiles starts the CPU profile of this process into
// dir/name.cpu.pprof; stop ends it and writes the allocations so far into
// dir/name.allocs.pprof.
func startProfiles(dir, name string) (stop func(), err error) {
	cpu, err := os.Create(filepath.Join(dir, name+".cpu.pprof"))
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		cpu.Close()
		return nil, err
	}
	return func() {
		pprof.StopCPUProfile()
		cpu.Close()
		allocs, err := os.Create(filepath.Join(dir, name+".allocs.pprof"))
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", profileEnv, err)
			return
		}
		defer allocs.Close()
		if err := pprof.Lookup("allocs").WriteTo(allocs, 0); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", profileEnv, err)
		}
	}, nil
}

// runClient runs job in a client process and returns its result.
func runClient(b *testing.B, job clientJob) clientResult {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatalf("finding the test binary to run the client: %v", err)
	}
	spec, err := json.Marshal(job)
	if err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), startDeadline+runDeadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, self)
	cmd.Env = append(os.Environ(), clientEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatalf("starting the client process: %v", err)
	}
	var res clientResult
	found := false
	lines := bufio.NewScanner(stdout)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		if body, ok := strings.CutPrefix(lines.Text(), clientResultPrefix); ok {
			if err := json.Unmarshal([]byte(body), &res); err != nil {
				b.Fatalf("decoding the client's result: %v", err)
			}
			found = true
		}
	}
	_, _ = io.Copy(io.Discard, stdout)
	if err := cmd.Wait(); err != nil {
		b.Fatalf("the %s process failed: %v", job.Client, err)
	}
	if !found {
		b.Fatalf("the %s process ended without a result", job.Client)
	}
	return res
}
