//go:build linux

package core

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// BenchmarkSend runs its kfake cluster in a child process (this test binary
// again, running TestBenchBrokerProcess), so the broker's CPU time,
// allocations and garbage collection are not counted as the producer's:
// B/op and allocs/op are the producer's alone.
const (
	brokerProcessEnv    = "PERFPRODUCER_BENCH_BROKER"
	brokerProcessPrefix = "kfake listening on "
)

// TestBenchBrokerProcess is the body of that child process, and is skipped
// everywhere else. It starts the cluster its environment describes
// ("brokers partitions topic"), prints its addresses, and serves until its
// standard input closes, which happens when the parent ends or dies.
func TestBenchBrokerProcess(t *testing.T) {
	spec := os.Getenv(brokerProcessEnv)
	if spec == "" {
		t.Skip("runs only as the benchmarks' broker process")
	}
	var brokers, partitions int
	var topic string
	if _, err := fmt.Sscan(spec, &brokers, &partitions, &topic); err != nil {
		t.Fatalf("%s=%q: want \"brokers partitions topic\": %v", brokerProcessEnv, spec, err)
	}
	c := kafkatest.NewCluster(t, brokers, topic, partitions)
	fmt.Println(brokerProcessPrefix + strings.Join(c.ListenAddrs(), ","))
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// brokerProcess is a running child broker.
type brokerProcess struct {
	addrs []string
}

// startBrokerProcess starts a kfake cluster in a child process for the
// benchmark; the process ends with the benchmark.
func startBrokerProcess(b *testing.B, brokers, partitions int, topic string) *brokerProcess {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBenchBrokerProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%d %d %s", brokerProcessEnv, brokers, partitions, topic))
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
	b.Cleanup(func() {
		stdin.Close()
		_ = cmd.Wait() // its exit status says nothing about the benchmark
	})
	addrs := make(chan []string, 1)
	go func() {
		defer close(addrs)
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if list, ok := strings.CutPrefix(lines.Text(), brokerProcessPrefix); ok {
				addrs <- strings.Split(list, ",")
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // the child must never block on a full pipe
	}()
	select {
	case list, ok := <-addrs:
		if !ok {
			b.Fatal("the broker process ended without listening")
		}
		return &brokerProcess{addrs: list}
	case <-time.After(testDeadline):
		b.Fatal("the broker process did not start listening in time")
	}
	return nil
}
