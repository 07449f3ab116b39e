package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// javaLine is a line kafka-producer-perf-test prints: periodic or final.
var javaLine = regexp.MustCompile(`^\d+ records sent, [\d.]+ records/sec \([\d.]+ MB/sec\), [\d.]+ ms avg latency, [\d.]+ ms max latency(\.|, \d+ ms 50th, \d+ ms 95th, \d+ ms 99th, \d+ ms 99\.9th\.)$`)

// checkStdout fails the test unless every line of stdout is one the Java
// tool prints.
func checkStdout(t *testing.T, stdout string) {
	t.Helper()
	for line := range strings.Lines(stdout) {
		if !javaLine.MatchString(strings.TrimSuffix(line, "\n")) {
			t.Errorf("stdout line %q is not kafka-producer-perf-test's", line)
		}
	}
}

// TestNoProgressOffTerminal: with stderr a file, not a terminal, nothing of
// the progress line is written, there or on stdout.
func TestNoProgressOffTerminal(t *testing.T) {
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	var stdout bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "3000", "--throughput", "10000", "--embedded-brokers", "1"}, &stdout, stderr)
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	written, err := os.ReadFile(stderr.Name())
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSuffix(string(written), "\n"), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "perfproducer: no --bootstrap-server given") {
		t.Fatalf("stderr, not a terminal, holds more than the embedded cluster's line:\n%q", written)
	}
	checkStdout(t, stdout.String())
}

// TestProgressOnTerminal: with stderr a terminal, the progress line is
// drawn there, and stdout holds only the Java tool's lines.
func TestProgressOnTerminal(t *testing.T) {
	control, terminal := openPty(t)
	if !isTerminal(terminal) {
		t.Fatal("a pseudo-terminal is not taken for a terminal")
	}
	shown := make(chan []byte, 1)
	go func() {
		// Reading ends with an error once the terminal side is closed.
		var buf bytes.Buffer
		_, _ = io.Copy(&buf, control)
		shown <- buf.Bytes()
	}()
	var stdout bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "3000", "--throughput", "10000", "--embedded-brokers", "1"}, &stdout, terminal)
	terminal.Close()
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	out := string(<-shown)
	if !strings.Contains(out, "producing") || !strings.Contains(out, "/3000)") {
		t.Fatalf("no progress line on the terminal:\n%q", out)
	}
	checkStdout(t, stdout.String())
}
