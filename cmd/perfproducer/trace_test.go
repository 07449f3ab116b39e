package main

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
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

// TestTraceCommand traces this process briefly and checks that the tables
// are printed; it needs root, as the bpf package's tests do.
func TestTraceCommand(t *testing.T) {
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must run the eBPF tests: loading eBPF probes needs root")
		}
		t.Skip("loading eBPF probes needs root")
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"trace", "--pid", strconv.Itoa(os.Getpid()), "--duration", "1ms"}, &stdout, &stderr)
	if code == exitFailed && strings.Contains(stderr.String(), "not supported") && os.Getenv("CI") != "true" {
		t.Skip(stderr.String())
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
