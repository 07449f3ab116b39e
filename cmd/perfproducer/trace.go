package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/perfproducer/perfproducer/bpf"
	"github.com/perfproducer/perfproducer/core"
)

// traceOptions are the command line of `perfproducer trace`.
type traceOptions struct {
	pid      int
	ports    []uint16
	duration time.Duration
}

const traceUsage = `Usage: perfproducer trace --pid N [--port P]... [--duration D]

Traces any process, a Kafka client of any kind, with eBPF and prints its
syscall table (calls, latency, bytes of writev, sendmsg, read, epoll_wait,
futex, ...) and its TCP table (per connection: sends, srtt, send queue,
retransmits); for a perfproducer process built with its symbols, also the
stages of its batches. Needs root (or CAP_BPF and CAP_PERFMON), Linux 6.3
and BTF.

  --pid N          the process to trace, every thread of it (its pid on the host)
  --port P         only TCP connections to remote port P, e.g. 9092; repeat or
                   give P,Q,... for several (default: every connection)
  --duration D     how long to trace, e.g. 30s or 5m (default: until Ctrl-C)
`

// parseTraceArgs reads the command line after "trace", in the same flag
// style as the benchmark's.
func parseTraceArgs(args []string) (*traceOptions, error) {
	o := &traceOptions{}
	for i := 0; i < len(args); i++ {
		arg := args[i]
		if !strings.HasPrefix(arg, "--") {
			return nil, usagef("unexpected argument %q", arg)
		}
		name, value, hasValue := strings.Cut(arg[2:], "=")
		if name == "help" || name == "h" {
			return nil, errUsage
		}
		if !hasValue {
			if i+1 >= len(args) {
				return nil, usagef("--%s needs a value", name)
			}
			i++
			value = args[i]
		}
		switch name {
		case "pid":
			pid, err := strconv.Atoi(value)
			if err != nil || pid <= 0 {
				return nil, usagef("--pid %q is not a process id", value)
			}
			o.pid = pid
		case "port":
			for p := range strings.SplitSeq(value, ",") {
				port, err := strconv.ParseUint(p, 10, 16)
				if err != nil || port == 0 {
					return nil, usagef("--port %q is not a TCP port", p)
				}
				o.ports = append(o.ports, uint16(port))
			}
		case "duration":
			d, err := time.ParseDuration(value)
			if err != nil || d <= 0 {
				return nil, usagef("--duration %q is not a positive duration such as 30s", value)
			}
			o.duration = d
		default:
			return nil, usagef("unknown flag --%s for trace", name)
		}
	}
	if o.pid == 0 {
		return nil, usagef("trace needs --pid, the process to trace")
	}
	return o, nil
}

// runTrace is `perfproducer trace`: attach, wait for --duration or ctx, and
// print the tables.
func runTrace(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	o, err := parseTraceArgs(args)
	if err == errUsage { // --help
		fmt.Fprint(stdout, traceUsage)
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "perfproducer trace:", err)
		fmt.Fprint(stderr, traceUsage)
		return exitUsage
	}
	tr, err := bpf.Attach(ctx, bpf.Options{PID: o.pid, Ports: o.ports, BatchStamps: true})
	if err != nil {
		fmt.Fprintln(stderr, "perfproducer trace:", err)
		return exitFailed
	}
	defer tr.Close()
	if o.duration > 0 {
		fmt.Fprintf(stderr, "perfproducer trace: tracing pid %d for %v (Ctrl-C prints the tables sooner)\n", o.pid, o.duration)
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, o.duration)
		defer cancel()
	} else {
		fmt.Fprintf(stderr, "perfproducer trace: tracing pid %d; Ctrl-C prints the tables\n", o.pid)
	}
	<-ctx.Done()
	r, err := pidReport(tr)
	if err != nil {
		fmt.Fprintln(stderr, "perfproducer trace:", err)
		return exitFailed
	}
	printTables(stdout, r.Kernel)
	if r.Batches != nil {
		fmt.Fprintln(stdout)
		printStages(stdout, r.Batches)
	}
	return exitOK
}

// pidReport is trace's result: the tables, and the stages of the batches
// of a traced perfproducer producer.
func pidReport(tr *bpf.Tracer) (bpf.Report, error) {
	s, err := tr.Snapshot()
	if err != nil {
		return bpf.Report{}, err
	}
	batches, err := tr.Batches()
	if errors.Is(err, bpf.ErrNoBatchProbe) {
		return bpf.Report{Kernel: s}, nil
	}
	if err != nil {
		return bpf.Report{}, err
	}
	stages, err := tr.Stages(batches)
	if err != nil {
		return bpf.Report{}, err
	}
	return bpf.Report{Kernel: s, Batches: &stages}, nil
}

// selfTrace is --trace: the probes on this process and the stamps of the
// batches its producer completed.
type selfTrace struct {
	tr *bpf.Tracer
	// batches is appended to by the producer's sender goroutine only and
	// read once the producer is closed.
	batches []bpf.BatchStamps
}

// traceSelf attaches the probes to this process for --trace, with TCP
// filtered to the ports of servers (bootstrap.servers): the brokers of a
// cluster usually share one.
func traceSelf(ctx context.Context, servers string) (*selfTrace, error) {
	var ports []uint16
	for server := range strings.SplitSeq(servers, ",") {
		_, port, err := net.SplitHostPort(strings.TrimSpace(server))
		if err != nil {
			continue // core.ParseProperties has already said what is wrong
		}
		if n, err := strconv.ParseUint(port, 10, 16); err == nil && !slices.Contains(ports, uint16(n)) {
			ports = append(ports, uint16(n))
		}
	}
	tr, err := bpf.Attach(ctx, bpf.Options{PID: os.Getpid(), Ports: ports, LogWritevs: true})
	if err != nil {
		return nil, fmt.Errorf("--trace: %w", err)
	}
	return &selfTrace{tr: tr}, nil
}

// watch has p stamp every batch it completes for the stage breakdown.
func (t *selfTrace) watch(p *core.Producer) {
	// The field sets of the two types are the same: the conversion
	// compiles only while they are.
	p.TraceBatches(func(s core.BatchStamps) { t.batches = append(t.batches, bpf.BatchStamps(s)) })
}

// report is the trace's result; call it once the producer is closed.
func (t *selfTrace) report() (bpf.Report, error) {
	s, err := t.tr.Snapshot()
	if err != nil {
		return bpf.Report{}, err
	}
	stages, err := t.tr.Stages(t.batches)
	if err != nil {
		return bpf.Report{}, err
	}
	return bpf.Report{Kernel: s, Batches: &stages}, nil
}

// close detaches the probes.
func (t *selfTrace) close() error { return t.tr.Close() }

// printSelfTrace prints --trace's tables at the end of the run and returns
// the report they come from, or nil when there is none (the error is on
// stderr).
func printSelfTrace(stdout, stderr io.Writer, t *selfTrace) *bpf.Report {
	r, err := t.report()
	if err != nil {
		fmt.Fprintln(stderr, "perfproducer: --trace:", err)
		return nil
	}
	fmt.Fprintln(stdout)
	printTables(stdout, r.Kernel)
	if r.Batches != nil {
		fmt.Fprintln(stdout)
		printStages(stdout, r.Batches)
	}
	return &r
}
