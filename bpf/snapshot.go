package bpf

import "time"

// Calls is what the probes counted of one kind of call (a syscall, or a
// TCP send). Latency is a histogram of nanoseconds. Errors counts the calls
// that returned an error; Bytes and BytesHist sum and histogram the return
// values of the others: bytes for the send and receive syscalls, and what the
// return value means for the rest (ready events for epoll, threads woken for
// futex).
type Calls struct {
	Count     uint64        `json:"count"`
	Errors    uint64        `json:"errors"`
	Total     time.Duration `json:"total_ns"`
	Max       time.Duration `json:"max_ns"`
	Latency   Histogram     `json:"latency_ns_log2"`
	Bytes     uint64        `json:"bytes"`
	BytesHist Histogram     `json:"bytes_log2"`
}

// LatencyPercentile is an upper bound of the p-th percentile of the calls'
// latency: Histogram.Percentile's bucket bound, or Max where that is lower.
func (c *Calls) LatencyPercentile(p float64) time.Duration {
	return time.Duration(min(c.Latency.Percentile(p), uint64(c.Max)))
}

// Syscall is one syscall's row of the syscall table.
type Syscall struct {
	Name string `json:"name"`
	Calls
}

// Conn is one TCP connection the traced process sent on, keyed by its ports.
// Sends, SendTotal, SendMax and SendBytes are its TCP sends as in
// Snapshot.TCPSend. SRTT and SendQueue are sampled as each send returns: SRTT
// is the kernel's smoothed round-trip time, SendQueue the bytes written but
// not yet acknowledged (ss's Send-Q), with the send's own bytes. Retransmits
// counts segments the kernel sent again, from any context.
type Conn struct {
	LocalPort    uint16        `json:"local_port"`
	RemotePort   uint16        `json:"remote_port"`
	Sends        uint64        `json:"sends"`
	SendTotal    time.Duration `json:"send_total_ns"`
	SendMax      time.Duration `json:"send_max_ns"`
	SendBytes    uint64        `json:"send_bytes"`
	Retransmits  uint64        `json:"retransmits"`
	SRTT         time.Duration `json:"srtt_ns"`
	SendQueue    uint32        `json:"send_queue"`
	MaxSendQueue uint32        `json:"max_send_queue"`
}

// Snapshot is what the probes have counted since Attach.
type Snapshot struct {
	// Syscalls has one row per traced syscall, in a fixed order, calls or
	// not; a syscall this architecture lacks (epoll_wait on arm64) is left
	// out.
	Syscalls []Syscall `json:"syscalls"`
	// TCPSend counts the sends on TCP sockets that pass the port filter,
	// through any of the traced send syscalls: latency is from the
	// syscall's entry to TCP's sendmsg returning (the sock_send_length
	// tracepoint), so it is the kernel's work on the send less the
	// syscall's return; bytes are what TCP took.
	TCPSend Calls `json:"tcp_send"`
	// Conns are the TCP connections the process sent on, by local port.
	Conns []Conn `json:"conns"`
}

// Syscall returns the row of the syscall named name.
func (s *Snapshot) Syscall(name string) (Syscall, bool) {
	for _, sc := range s.Syscalls {
		if sc.Name == name {
			return sc, true
		}
	}
	return Syscall{}, false
}

// Retransmits is the sum of the connections' retransmits.
func (s *Snapshot) Retransmits() uint64 {
	var n uint64
	for _, c := range s.Conns {
		n += c.Retransmits
	}
	return n
}
