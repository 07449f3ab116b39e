//go:build linux

package bpf

import (
	"context"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
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

	// writevs and stamps are the kernel's logs of writevs and batch
	// stamps, nil when not asked for. A goroutine drains them every
	// drainInterval, so they never fill while the process logs less than
	// their size in that time; stop ends it, done says it has.
	writevs    *ringLog[Writev]
	stamps     *ringLog[BatchStamps]
	stop, done chan struct{}
	stopOnce   sync.Once
}

// drainInterval is how often the logs are read. The probes wake no reader
// per record, so the logs are polled.
const drainInterval = 50 * time.Millisecond

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
	// A process with the batch probe point gets its writevs logged too:
	// its batches are joined with them.
	probe, semaphore := false, uint64(0)
	if o.BatchStamps {
		probe, semaphore = findBatchProbe(o.PID)
	}
	logWritevs := o.LogWritevs || probe
	if logWritevs {
		if err := spec.Variables[tracerVarWritevSlot].Set(writevSlot()); err != nil {
			return nil, fmt.Errorf("bpf: setting the writev slot: %w", err)
		}
	} else {
		// Unused: the smallest ring the kernel takes, a page.
		spec.Maps[tracerMapWritevs].MaxEntries = uint32(os.Getpagesize())
	}
	if !probe {
		spec.Maps[tracerMapStamps].MaxEntries = uint32(os.Getpagesize())
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
	if logWritevs {
		r, err := ringbuf.NewReader(objs.Writevs)
		if err != nil {
			t.Close()
			return nil, classify("opening the writev log", err)
		}
		t.writevs = &ringLog[Writev]{name: "writev", reader: r, size: writevEventSize, decode: decodeWritev}
	}
	if probe {
		if err := t.attachBatchProbe(o.PID, semaphore); err != nil {
			t.Close()
			return nil, err
		}
	}
	if t.writevs != nil || t.stamps != nil {
		t.stop, t.done = make(chan struct{}), make(chan struct{})
		go t.drainLogs()
	}
	return t, nil
}

// batchProbeFunc and batchProbeSemaphore are the producer's probe point and
// its semaphore (see core's batchProbe).
const (
	batchProbeFunc      = "github.com/perfproducer/perfproducer/core.batchStamped"
	batchProbeSemaphore = "github.com/perfproducer/perfproducer/core.batchProbe"
)

// findBatchProbe reports whether pid's executable has the batch probe
// point and where in the file its semaphore lies. An executable that cannot
// be read as ELF (deleted, or not ELF) has none.
func findBatchProbe(pid int) (bool, uint64) {
	semaphore, err := symbolFileOffset(fmt.Sprintf("/proc/%d/exe", pid), batchProbeSemaphore)
	return err == nil, semaphore
}

// attachBatchProbe attaches the batch_stamped uprobe to pid's executable,
// with its semaphore as reference counter.
func (t *Tracer) attachBatchProbe(pid int, semaphore uint64) error {
	exe := fmt.Sprintf("/proc/%d/exe", pid)
	ex, err := link.OpenExecutable(exe)
	if err != nil {
		return classify("opening the executable of pid "+fmt.Sprint(pid), err)
	}
	l, err := ex.Uprobe(batchProbeFunc, t.objs.BatchStamped, &link.UprobeOptions{PID: pid, RefCtrOffset: semaphore})
	if err != nil {
		return classify("attaching to the batch probe", err)
	}
	t.links = append(t.links, l)
	r, err := ringbuf.NewReader(t.objs.Stamps)
	if err != nil {
		return classify("opening the batch stamp log", err)
	}
	t.stamps = &ringLog[BatchStamps]{name: "batch stamp", reader: r, size: stampEventSize, decode: decodeStamps}
	return nil
}

// symbolFileOffset is where in the file path the symbol name's bytes lie.
func symbolFileOffset(path, name string) (uint64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	syms, err := f.Symbols()
	if err != nil {
		return 0, err
	}
	for _, s := range syms {
		if s.Name != name {
			continue
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_LOAD && s.Value >= p.Vaddr && s.Value < p.Vaddr+p.Filesz {
				return s.Value - p.Vaddr + p.Off, nil
			}
		}
		return 0, fmt.Errorf("symbol %s lies in no loaded part of %s", name, path)
	}
	return 0, fmt.Errorf("%s has no symbol %s", path, name)
}

// Sizes of the logs' records: struct writev_event and struct batch_stamps
// in tracer.c.
const (
	writevEventSize = 40
	stampEventSize  = 72
)

func decodeWritev(b []byte) Writev {
	return Writev{
		Enter: int64(binary.LittleEndian.Uint64(b[0:])),
		Exit:  int64(binary.LittleEndian.Uint64(b[8:])),
		Ret:   int64(binary.LittleEndian.Uint64(b[16:])),
		Iov0:  binary.LittleEndian.Uint64(b[24:]),
		TID:   binary.LittleEndian.Uint32(b[32:]),
		FD:    int32(binary.LittleEndian.Uint32(b[36:])),
	}
}

func decodeStamps(b []byte) BatchStamps {
	u32 := func(at int) int32 { return int32(binary.LittleEndian.Uint32(b[at:])) }
	u64 := func(at int) int64 { return int64(binary.LittleEndian.Uint64(b[at:])) }
	return BatchStamps{
		Partition: u32(0), Records: u32(4), Bytes: u32(8),
		Request: uint64(u64(16)), RequestBytes: u32(24),
		Appended: u64(32), Sealed: u64(40), Written: u64(48), ResponseRead: u64(56), CallbacksDone: u64(64),
	}
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

// drainLogs reads the logs every drainInterval until stop.
func (t *Tracer) drainLogs() {
	defer close(t.done)
	tick := time.NewTicker(drainInterval)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
		}
		t.mu.Lock()
		t.writevs.drain()
		t.stamps.drain()
		t.mu.Unlock()
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
	return t.writevs.all(ErrNoWritevLog)
}

// Batches returns the stamps of every batch the traced producer completed
// since Attach, with Options.BatchStamps (less any lost, see StampsLost),
// without their topics.
func (t *Tracer) Batches() ([]BatchStamps, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.objs == nil {
		return nil, ErrClosed
	}
	return t.stamps.all(ErrNoBatchProbe)
}

// StampsLost is how many batch stamps the probe could not log because the
// log was full.
func (t *Tracer) StampsLost() (uint64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.objs == nil {
		return 0, ErrClosed
	}
	var n uint64
	if err := t.objs.StampsLost.Get(&n); err != nil {
		return 0, fmt.Errorf("bpf: reading the count of lost batch stamps: %w", err)
	}
	return n, nil
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
	for _, r := range []*ringbuf.Reader{t.writevs.ringReader(), t.stamps.ringReader()} {
		if r != nil {
			errs = append(errs, r.Close())
		}
	}
	t.writevs, t.stamps = nil, nil
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
