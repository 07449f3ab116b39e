//go:build linux

package bpf

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/btf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"
)

// Tracer is the probes attached to one process. Its methods are safe for
// concurrent use.
type Tracer struct {
	mu      sync.Mutex
	objs    *tracerObjects
	links   []link.Link
	numCPUs int

	// writevs is the reader of the kernel's log of writevs; drained
	// collects what it read. A goroutine drains it every
	// writevDrainInterval, so the log never fills while the process
	// writes less than its size in that time; stop ends it, done says it
	// has.
	writevs    *ringbuf.Reader
	drained    []Writev
	drainErr   error
	stop, done chan struct{}
	stopOnce   sync.Once
}

// writevDrainInterval is how often the writev log is read. The probes wake
// no reader per call, so the log is polled.
const writevDrainInterval = 50 * time.Millisecond

// Attach loads the probes and attaches them to the process o.PID; they count
// from then until Close. ctx bounds the setup only.
func Attach(ctx context.Context, o Options) (*Tracer, error) {
	if o.PID <= 0 {
		return nil, fmt.Errorf("bpf: Options.PID must be a process id, not %d", o.PID)
	}
	if len(o.Ports) > maxPorts {
		return nil, fmt.Errorf("bpf: at most %d ports can be filtered on, not %d", maxPorts, len(o.Ports))
	}
	if err := unix.Kill(o.PID, 0); errors.Is(err, unix.ESRCH) {
		return nil, fmt.Errorf("bpf: no process has pid %d: %w", o.PID, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Kernels before 5.11 charge BPF maps to RLIMIT_MEMLOCK.
	if err := rlimit.RemoveMemlock(); err != nil {
		return nil, classify("raising the locked-memory limit", err)
	}
	spec, err := loadTracer()
	if err != nil {
		return nil, fmt.Errorf("bpf: reading the embedded probes: %w", err)
	}
	if err := spec.Variables[tracerVarTargetTgid].Set(uint32(o.PID)); err != nil {
		return nil, fmt.Errorf("bpf: setting the traced pid: %w", err)
	}
	if o.LogWritevs {
		if err := spec.Variables[tracerVarWritevSlot].Set(writevSlot()); err != nil {
			return nil, fmt.Errorf("bpf: setting the writev slot: %w", err)
		}
	} else {
		// Unused: the smallest ring the kernel takes, a page.
		spec.Maps[tracerMapWritevs].MaxEntries = uint32(os.Getpagesize())
	}
	if len(o.Ports) > 0 {
		if err := spec.Variables[tracerVarFilterPorts].Set(uint8(1)); err != nil {
			return nil, fmt.Errorf("bpf: setting the port filter: %w", err)
		}
	}
	objs := new(tracerObjects)
	if err := spec.LoadAndAssign(objs, nil); err != nil {
		return nil, classify("loading the probes", err)
	}
	t := &Tracer{objs: objs, numCPUs: ebpf.MustPossibleCPU()}
	if err := t.configure(o); err != nil {
		t.Close()
		return nil, err
	}
	if err := t.attach(ctx); err != nil {
		t.Close()
		return nil, err
	}
	if !o.LogWritevs {
		return t, nil
	}
	if t.writevs, err = ringbuf.NewReader(objs.Writevs); err != nil {
		t.Close()
		return nil, classify("opening the writev log", err)
	}
	t.stop, t.done = make(chan struct{}), make(chan struct{})
	go t.drainWritevs()
	return t, nil
}

// writevSlot is writev's slot in the stats map, which the probes log.
func writevSlot() uint32 {
	for i, sc := range tracedSyscalls {
		if sc.name == "writev" {
			return uint32(i + 1)
		}
	}
	return 0
}

// drainWritevs reads the writev log every writevDrainInterval until stop.
func (t *Tracer) drainWritevs() {
	defer close(t.done)
	tick := time.NewTicker(writevDrainInterval)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
		t.mu.Lock()
		t.drainLocked()
		t.mu.Unlock()
	}
}

// writevEventSize is sizeof(struct writev_event) in tracer.c.
const writevEventSize = 40

// drainLocked moves what the writev log holds into t.drained.
func (t *Tracer) drainLocked() {
	if t.writevs == nil || t.drainErr != nil {
		return
	}
	// A deadline already passed makes the reader return what the log
	// holds, then os.ErrDeadlineExceeded, without waiting.
	t.writevs.SetDeadline(time.Now())
	var rec ringbuf.Record
	for {
		err := t.writevs.ReadInto(&rec)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		if err != nil {
			t.drainErr = fmt.Errorf("bpf: reading the writev log: %w", err)
			return
		}
		if len(rec.RawSample) < writevEventSize {
			continue
		}
		b := rec.RawSample
		t.drained = append(t.drained, Writev{
			Enter: int64(binary.LittleEndian.Uint64(b[0:])),
			Exit:  int64(binary.LittleEndian.Uint64(b[8:])),
			Ret:   int64(binary.LittleEndian.Uint64(b[16:])),
			Iov0:  binary.LittleEndian.Uint64(b[24:]),
			TID:   binary.LittleEndian.Uint32(b[32:]),
			FD:    int32(binary.LittleEndian.Uint32(b[36:])),
		})
	}
}

// Writevs returns every writev of the traced process since Attach (less
// any the probes lost, see WritevsLost), in the order they returned.
func (t *Tracer) Writevs() ([]Writev, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.objs == nil {
		return nil, ErrClosed
	}
	if t.writevs == nil {
		return nil, ErrNoWritevLog
	}
	t.drainLocked()
	if t.drainErr != nil {
		return nil, t.drainErr
	}
	return slices.Clone(t.drained), nil
}

// WritevsLost is how many writevs the probes could not log because the
// log was full.
func (t *Tracer) WritevsLost() (uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.objs == nil {
		return 0, ErrClosed
	}
	var n uint64
	if err := t.objs.WritevsLost.Get(&n); err != nil {
		return 0, fmt.Errorf("bpf: reading the count of lost writevs: %w", err)
	}
	return n, nil
}

// Stages joins batches, stamped by the traced producer, with the writevs
// the probes saw, and measures each stage of their lives.
func (t *Tracer) Stages(batches []BatchStamps) (BatchReport, error) {
	writevs, err := t.Writevs()
	if err != nil {
		return BatchReport{}, err
	}
	lost, err := t.WritevsLost()
	if err != nil {
		return BatchReport{}, err
	}
	r := Breakdown(JoinWritevs(batches, writevs))
	r.WritevsLost = lost
	return r, nil
}

// configure fills the maps the probes read: which syscalls to time, in which
// slot, and the port filter.
func (t *Tracer) configure(o Options) error {
	for i, sc := range tracedSyscalls {
		if err := t.objs.SyscallSlots.Put(uint32(sc.nr), uint32(i+1)); err != nil {
			return fmt.Errorf("bpf: configuring syscall %s: %w", sc.name, err)
		}
	}
	for _, p := range o.Ports {
		if err := t.objs.Ports.Put(p, uint8(1)); err != nil {
			return fmt.Errorf("bpf: configuring port %d: %w", p, err)
		}
	}
	return nil
}

func (t *Tracer) attach(ctx context.Context) error {
	raw := []struct {
		name string
		prog *ebpf.Program
	}{
		{"sys_enter", t.objs.SysEnter},
		{"sys_exit", t.objs.SysExit},
		{"sock_send_length", t.objs.SockSend},
		{"tcp_retransmit_skb", t.objs.TcpRetransmit},
	}
	for _, r := range raw {
		l, err := link.AttachRawTracepoint(link.RawTracepointOptions{Name: r.name, Program: r.prog})
		if err != nil {
			return classify("attaching to tracepoint "+r.name, err)
		}
		t.links = append(t.links, l)
	}
	return ctx.Err()
}

// classify wraps err, from doing what, in ErrPermission or ErrNotSupported
// when it is one of those.
func classify(what string, err error) error {
	switch {
	case errors.Is(err, unix.EPERM):
		return fmt.Errorf("%w: %s: %w", ErrPermission, what, err)
	case errors.Is(err, ebpf.ErrNotSupported), errors.Is(err, btf.ErrNotSupported),
		errors.Is(err, os.ErrNotExist), errors.Is(err, unix.EOPNOTSUPP):
		return fmt.Errorf("%w: %s: %w", ErrNotSupported, what, err)
	}
	return fmt.Errorf("bpf: %s: %w", what, err)
}

// Close detaches the probes and frees their maps.
func (t *Tracer) Close() error {
	t.stopOnce.Do(func() {
		if t.stop != nil {
			close(t.stop)
			<-t.done
		}
	})
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.objs == nil {
		return nil
	}
	var errs []error
	if t.writevs != nil {
		errs = append(errs, t.writevs.Close())
		t.writevs = nil
	}
	for _, l := range t.links {
		errs = append(errs, l.Close())
	}
	errs = append(errs, t.objs.Close())
	t.objs, t.links = nil, nil
	return errors.Join(errs...)
}

// Snapshot reads what the probes have counted since Attach. Each counter is
// read atomically, the snapshot as a whole is not: a call that ends while it
// is read may be in one table and not yet another.
func (t *Tracer) Snapshot() (Snapshot, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.objs == nil {
		return Snapshot{}, ErrClosed
	}
	var s Snapshot
	var err error
	if s.TCPSend, err = t.calls(tcpSendSlot); err != nil {
		return Snapshot{}, err
	}
	for i, sc := range tracedSyscalls {
		c, err := t.calls(uint32(i + 1))
		if err != nil {
			return Snapshot{}, err
		}
		s.Syscalls = append(s.Syscalls, Syscall{Name: sc.name, Calls: c})
	}
	var k tracerConnKey
	var v tracerConnStats
	it := t.objs.Conns.Iterate()
	for it.Next(&k, &v) {
		s.Conns = append(s.Conns, Conn{
			LocalPort:    k.LocalPort,
			RemotePort:   k.RemotePort,
			Sends:        v.Sends,
			SendTotal:    time.Duration(v.SendNs),
			SendMax:      time.Duration(v.SendMaxNs),
			SendBytes:    v.SendBytes,
			Retransmits:  v.Retransmits,
			SRTT:         time.Duration(v.SrttUs) * time.Microsecond,
			SendQueue:    v.SendQueue,
			MaxSendQueue: v.MaxSendQueue,
		})
	}
	if err := it.Err(); err != nil {
		return Snapshot{}, fmt.Errorf("bpf: reading the connection table: %w", err)
	}
	sort.Slice(s.Conns, func(i, j int) bool { return s.Conns[i].LocalPort < s.Conns[j].LocalPort })
	return s, nil
}

// The kernel's histograms are Histograms: a NUM_BUCKETS in tracer.c other
// than NumBuckets fails to compile here.
var _ Histogram = tracerCallStats{}.LatencyHist

// calls sums slot's per-CPU counters.
func (t *Tracer) calls(slot uint32) (Calls, error) {
	perCPU := make([]tracerCallStats, t.numCPUs)
	if err := t.objs.Stats.Lookup(slot, &perCPU); err != nil {
		return Calls{}, fmt.Errorf("bpf: reading the stats of slot %d: %w", slot, err)
	}
	var c Calls
	for _, p := range perCPU {
		c.Count += p.Count
		c.Errors += p.Errors
		c.Total += time.Duration(p.TotalNs)
		c.Max = max(c.Max, time.Duration(p.MaxNs))
		c.Bytes += p.Bytes
		for i := range NumBuckets {
			c.Latency[i] += p.LatencyHist[i]
			c.BytesHist[i] += p.BytesHist[i]
		}
	}
	return c, nil
}
