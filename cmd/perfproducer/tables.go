package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/perfproducer/perfproducer/bpf"
)

// printTables prints what the probes counted: a row per syscall, a row of
// TCP sends, and a row per TCP connection. Percentiles come from log2
// histograms and are bucket upper bounds (within a factor of two above the
// true value); "≤" says so.
func printTables(w io.Writer, s bpf.Snapshot) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "syscall\tcalls\terrors\ttotal\tp50 ≤\tp99 ≤\tmax\tbytes\tbytes p50 ≤\t")
	for _, sc := range s.Syscalls {
		callsRow(tw, sc.Name, &sc.Calls)
	}
	callsRow(tw, "tcp send", &s.TCPSend)
	tw.Flush()
	fmt.Fprintln(w, "(bytes: the sum of what successful calls returned, bytes for sends and receives, events for epoll, threads woken for futex;")
	fmt.Fprintln(w, " tcp send: from a send syscall's entry to TCP's sendmsg returning, on sockets that pass --port)")

	fmt.Fprintln(w)
	if len(s.Conns) == 0 {
		fmt.Fprintln(w, "no TCP connection sent data")
		return
	}
	fmt.Fprintln(tw, "local port\tremote port\tsends\tbytes\tavg send\tmax send\tsrtt\tsend-q\tmax send-q\tretransmits\t")
	for _, c := range s.Conns {
		var avg time.Duration
		if c.Sends > 0 {
			avg = c.SendTotal / time.Duration(c.Sends)
		}
		fmt.Fprintf(tw, "%d\t%d\t%d\t%d\t%v\t%v\t%v\t%d\t%d\t%d\t\n",
			c.LocalPort, c.RemotePort, c.Sends, c.SendBytes, avg, c.SendMax, c.SRTT, c.SendQueue, c.MaxSendQueue, c.Retransmits)
	}
	tw.Flush()
}

func callsRow(w io.Writer, name string, c *bpf.Calls) {
	if c.Count == 0 {
		fmt.Fprintf(w, "%s\t0\t-\t-\t-\t-\t-\t-\t-\t\n", name)
		return
	}
	fmt.Fprintf(w, "%s\t%d\t%d\t%v\t%v\t%v\t%v\t%d\t%d\t\n", name, c.Count, c.Errors, c.Total,
		c.LatencyPercentile(50), c.LatencyPercentile(99), c.Max, c.Bytes, c.BytesHist.Percentile(50))
}

// printStages prints the per-stage breakdown of batches' lives, exact
// percentiles of every stamped batch.
func printStages(w io.Writer, r *bpf.BatchReport) {
	fmt.Fprintf(w, "batch stages: %d batches, %d with their request's writevs found, %d of them by its address", r.Batches, r.Joined, r.Exact)
	if r.WritevsLost > 0 {
		fmt.Fprintf(w, " (%d writevs lost to a full log)", r.WritevsLost)
	}
	fmt.Fprintln(w)
	if r.Batches == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "stage\tbatches\tp50\tp99\tmax\t")
	for _, s := range r.Stages {
		if s.Count == 0 {
			fmt.Fprintf(tw, "%s\t0\t-\t-\t-\t\n", s.Name)
			continue
		}
		fmt.Fprintf(tw, "%s\t%d\t%v\t%v\t%v\t\n", s.Name, s.Count, s.P50, s.P99, s.Max)
	}
	tw.Flush()
	fmt.Fprintln(w, "(append→seal: first record appended to the start of the sender loop that sealed the batch; seal→writev: to the")
	fmt.Fprintln(w, " entry of the writev that began writing its request; writev: to the return of the one that wrote its last byte;")
	fmt.Fprintln(w, " writev→response: to the response read; response→callbacks: to the sender's next clock read, callbacks run.")
	fmt.Fprintln(w, " A request written behind another's bytes is found by time: the writevs between its seal and its write's end)")
}
