package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

func TestTraceBadCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no pid", []string{"trace"}, "trace needs --pid"},
		{"pid not a number", []string{"trace", "--pid", "x"}, `--pid "x" is not a process id`},
		{"pid zero", []string{"trace", "--pid=0"}, "is not a process id"},
		{"pid without value", []string{"trace", "--pid"}, "--pid needs a value"},
		{"bad port", []string{"trace", "--pid", "1", "--port", "9092,70000"}, `--port "70000" is not a TCP port`},
		{"bad duration", []string{"trace", "--pid", "1", "--duration", "5"}, `--duration "5" is not a positive duration`},
		{"negative duration", []string{"trace", "--pid", "1", "--duration", "-1s"}, "is not a positive duration"},
		{"unknown flag", []string{"trace", "--pid", "1", "--topic", "t"}, "unknown flag --topic for trace"},
		{"stray argument", []string{"trace", "1"}, `unexpected argument "1"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(context.Background(), tc.args, &stdout, &stderr)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr.String(), tc.want) || !strings.Contains(stderr.String(), "Usage: perfproducer trace") {
				t.Errorf("stderr %q, want %q and the trace usage", stderr.String(), tc.want)
			}
		})
	}
}

func TestParseTraceArgs(t *testing.T) {
	o, err := parseTraceArgs([]string{"--pid", "42", "--port", "9092,9093", "--port=9094", "--duration=30s"})
	if err != nil {
		t.Fatal(err)
	}
	if o.pid != 42 || len(o.ports) != 3 || o.ports[0] != 9092 || o.ports[2] != 9094 || o.duration.String() != "30s" {
		t.Fatalf("parsed %+v", o)
	}
}

// requireTracing skips a test that loads eBPF probes where it cannot: not
// root, or (given the command's stderr) a system without eBPF tracing. CI,
// root on a kernel with BTF, fails instead.
func requireTracing(t *testing.T, stderr string) {
	t.Helper()
	reason := ""
	switch {
	case os.Geteuid() != 0:
		reason = "loading eBPF probes needs root"
	case strings.Contains(stderr, "not supported"):
		reason = stderr
	default:
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI must run the eBPF tests: %s", reason)
	}
	t.Skip(reason)
}

// TestTraceCommand traces this process briefly and checks that the tables
// are printed.
func TestTraceCommand(t *testing.T) {
	requireTracing(t, "")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"trace", "--pid", strconv.Itoa(os.Getpid()), "--duration", "1ms"}, &stdout, &stderr)
	if code == exitFailed {
		requireTracing(t, stderr.String())
	}
	if code != exitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	for _, want := range []string{"syscall", "writev", "epoll_pwait", "tcp send"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("tables lack %q:\n%s", want, stdout.String())
		}
	}
}

// writevRow is the writev row of the syscall table, with its call count.
var writevRow = regexp.MustCompile(`(?m)^\s*writev\s+(\d+)\s`)

// batchSendTotal is --print-metrics's count of batches sent.
var batchSendTotal = regexp.MustCompile(`(?m)^producer-metrics:batch-send-total:\S*\s+: (\d+)$`)

// stagesHeader is the first line of the stage breakdown.
var stagesHeader = regexp.MustCompile(`(?m)^batch stages: (\d+) batches, (\d+) with their request's writevs found, \d+ of them by its address$`)

// TestRunWithTrace runs the benchmark with --trace and checks that the
// tables follow the final line, with the producer's writevs and its
// connection to a broker, and that the stage breakdown covers every
// batch the producer sent.
func TestRunWithTrace(t *testing.T) {
	requireTracing(t, "")
	const topic = "traced"
	c := kafkatest.NewCluster(t, 2, topic, 4)
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--topic", topic, "--num-records", "2000", "--trace", "--print-metrics",
		"--bootstrap-server", strings.Join(c.ListenAddrs(), ",")}, &stdout, &stderr)
	if code == exitFailed {
		requireTracing(t, stderr.String())
	}
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	out := stdout.String()
	final := finalLine.FindStringIndex(out)
	m := writevRow.FindStringSubmatchIndex(out)
	if final == nil || m == nil || m[0] < final[1] {
		t.Fatalf("want the final line, then a writev row:\n%s", out)
	}
	if calls := out[m[2]:m[3]]; calls == "0" {
		t.Errorf("no writev counted:\n%s", out)
	}
	// The sticky partitioner may put all 2,000 records on partitions of
	// one broker; the producer talks to at least one.
	seen := 0
	for _, addr := range c.ListenAddrs() {
		_, port, _ := net.SplitHostPort(addr)
		if regexp.MustCompile(`(?m)^\s*\d+\s+` + port + `\s`).MatchString(out) {
			seen++
		}
	}
	if seen == 0 {
		t.Errorf("no connection to a broker port in the TCP table:\n%s", out)
	}
	sent, at := batchSendTotal.FindStringSubmatch(out), stagesHeader.FindStringIndex(out)
	if sent == nil || at == nil {
		t.Fatalf("want the batch-send-total metric and the stage breakdown:\n%s", out)
	}
	breakdown := out[at[0]:]
	stages := stagesHeader.FindStringSubmatch(breakdown)
	if stages[1] != sent[1] || stages[2] != sent[1] || sent[1] == "0" {
		t.Errorf("stage breakdown of %s batches, %s joined; the producer sent %s:\n%s", stages[1], stages[2], sent[1], out)
	}
	for _, stage := range []string{"append→seal", "seal→writev", "writev", "writev→response", "response→callbacks", "total"} {
		row := regexp.MustCompile(`(?m)^\s*` + stage + `\s+` + sent[1] + `\s`)
		if !row.MatchString(breakdown) {
			t.Errorf("no %s row for %s batches in the stage breakdown:\n%s", stage, sent[1], out)
		}
	}
	kafkatest.Consume(t, c, topic, 2000)
}

// TestTracePidOfProducer traces another perfproducer process, built with
// its symbols, with trace --pid until it exits: the stages of its batches
// follow the tables, each batch joined with its request's writevs.
func TestTracePidOfProducer(t *testing.T) {
	requireTracing(t, "")
	const topic = "traced-pid"
	c := kafkatest.NewCluster(t, 1, topic, 4)
	exe := filepath.Join(t.TempDir(), "perfproducer")
	build := exec.Command("go", "build", "-o", exe, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building perfproducer: %v\n%s", err, out)
	}
	// Paced so that it is still producing once the probes are attached.
	child := exec.Command(exe, "--topic", topic, "--num-records", "3000", "--throughput", "1000",
		"--bootstrap-server", strings.Join(c.ListenAddrs(), ","))
	if err := child.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	exited := make(chan error, 1)
	go func() {
		exited <- child.Wait()
		stop()
	}()
	var stdout, stderr bytes.Buffer
	code := run(ctx, []string{"trace", "--pid", strconv.Itoa(child.Process.Pid)}, &stdout, &stderr)
	if err := <-exited; err != nil {
		t.Fatalf("the traced perfproducer: %v", err)
	}
	if code == exitFailed {
		requireTracing(t, stderr.String())
	}
	if code != exitOK {
		t.Fatalf("exit code %d, stderr %q", code, stderr.String())
	}
	m := stagesHeader.FindStringSubmatch(stdout.String())
	if m == nil || m[1] == "0" || m[1] != m[2] {
		t.Fatalf("want the stages of the child's batches, every one joined:\n%s", stdout.String())
	}
	kafkatest.Consume(t, c, topic, 3000)
}
