package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// The benchmarks' kfake cluster runs in a child process, this test binary
// again: TestMain serves the cluster instead of running tests when
// brokerEnv describes one ("brokers partitions topic blackhole").
const (
	brokerEnv       = "PERFPRODUCER_BENCH_BROKER"
	brokerListening = "kfake listening on "
	// brokerHiccupMax is the child's last line, as its standard input
	// closes: the longest stall of its process (see hiccupMeter), in
	// nanoseconds.
	brokerHiccupMax = "kfake hiccup max ns "
)

// serveBroker is the child process's body: it starts the cluster spec
// describes, prints its addresses and serves until its standard input
// closes, which happens when the parent ends or dies. It returns the exit
// code.
func serveBroker(spec string) int {
	var brokers, partitions int
	var topic string
	var blackhole bool
	if _, err := fmt.Sscan(spec, &brokers, &partitions, &topic, &blackhole); err != nil {
		fmt.Fprintf(os.Stderr, "%s=%q: want \"brokers partitions topic blackhole\": %v\n", brokerEnv, spec, err)
		return 2
	}
	opts := []kfake.Opt{kfake.NumBrokers(brokers), kfake.SeedTopics(int32(partitions), topic)}
	if blackhole {
		opts = append(opts, kfake.BlackholeProduce())
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		fmt.Fprintf(os.Stderr, "starting kfake: %v\n", err)
		return 1
	}
	defer c.Close()
	var tally produceTally
	tally.watch(c)
	hiccups := startHiccupMeter()
	fmt.Println(brokerListening + strings.Join(c.ListenAddrs(), ","))
	_, _ = io.Copy(io.Discard, os.Stdin)
	fmt.Printf("%s%s\n", produceTallyLine, &tally)
	fmt.Printf("%s%d\n", brokerHiccupMax, hiccups.end())
	return 0
}

// brokerProcess is a running child broker.
type brokerProcess struct {
	addrs []string
	pid   int
	// stop ends the process and returns what it reported. Safe to call
	// twice.
	stop func() brokerReport
}

// brokerReport is what a broker process says as it ends.
type brokerReport struct {
	// Hiccup is the longest stall its process saw (see hiccupMeter), or
	// 0 if it did not say.
	Hiccup time.Duration
	// Produce is what it was sent over its life, warm-up included (see
	// produceTally); zero if it did not say.
	Produce produceCounts
}

// processCPUOf is the CPU time process pid has used so far, from
// /proc/PID/stat (utime and stime, in the kernel's fixed 100 Hz ticks).
func processCPUOf(pid int) (time.Duration, error) {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading the CPU time of process %d: %w", pid, err)
	}
	// The command name, in parentheses, may hold spaces: fields are
	// counted after its closing parenthesis, from field 3 (state).
	fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
	var utime, stime int64
	if _, err := fmt.Sscan(fields[11]+" "+fields[12], &utime, &stime); err != nil {
		return 0, fmt.Errorf("parsing /proc/%d/stat: %w", pid, err)
	}
	const tick = 10 * time.Millisecond
	return time.Duration(utime+stime) * tick, nil
}

// startBroker starts a kfake cluster of brokers with one topic of
// partitions in a child process; the process ends with the benchmark.
func startBroker(b *testing.B, brokers, partitions int, topic string, blackhole bool) *brokerProcess {
	b.Helper()
	self, err := os.Executable()
	if err != nil {
		b.Fatalf("finding the test binary to run the broker: %v", err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %d %s %t", brokerEnv, brokers, partitions, topic, blackhole))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatalf("starting the broker process: %v", err)
	}
	addrs := make(chan []string, 1)
	var report brokerReport
	outDone := make(chan struct{})
	go func() {
		defer close(outDone)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if list, ok := strings.CutPrefix(lines.Text(), brokerListening); ok {
				addrs <- strings.Split(list, ",")
			}
			if ns, ok := strings.CutPrefix(lines.Text(), brokerHiccupMax); ok {
				_, _ = fmt.Sscan(ns, &report.Hiccup)
			}
			if counts, ok := strings.CutPrefix(lines.Text(), produceTallyLine); ok {
				report.Produce, _ = parseProduceCounts(counts)
			}
		}
		close(addrs)
		_, _ = io.Copy(io.Discard, stdout) // the child must never block on a full pipe
	}()
	stop := sync.OnceValue(func() brokerReport {
		stdin.Close()
		<-outDone
		_ = cmd.Wait() // its exit status says nothing about the benchmark
		return report
	})
	b.Cleanup(func() { stop() })
	select {
	case list, ok := <-addrs:
		if !ok {
			b.Fatal("the broker process ended without listening")
		}
		return &brokerProcess{addrs: list, pid: cmd.Process.Pid, stop: stop}
	case <-time.After(startDeadline):
		b.Fatal("the broker process did not start listening in time")
	}
	return nil
}
