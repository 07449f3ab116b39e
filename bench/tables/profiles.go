package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/google/pprof/profile"
)

// work is a kind of work a CPU profile's samples are sorted into.
type work int

const (
	workCodec   work = iota // compression libraries
	workSyscall             // system calls: the kernel's side of the sockets, polling, futexes
	workCopy                // memmove, memclr and CRC32C: work per byte in user space
	workGC                  // the garbage collector and allocation
	workRuntime             // the rest of the Go runtime: scheduler, locks, maps, channels
	workClient              // the client's own code
	works
)

var workNames = [works]string{"codec", "syscalls", "copy+CRC", "GC+alloc", "runtime", "client"}

// codecFrame, gcFrame and syscallLeaf name the functions that make a sample
// codec, GC or system-call work; the first that matches, in that order, wins.
var (
	codecFrame  = regexp.MustCompile(`^(github\.com/pierrec/lz4|github\.com/klauspost/compress|compress/|github\.com/golang/snappy|github\.com/eapache/go-xerial-snappy)`)
	gcFrame     = regexp.MustCompile(`^(runtime\.(gcBgMarkWorker|gcAssistAlloc|bgsweep|bgscavenge|mallocgc|newobject|makeslice|growslice|gcStart|gcMarkDone|wbBufFlush|gcDrain|markroot|scanobject|sweepone)|gcWriteBarrier)`)
	syscallLeaf = regexp.MustCompile(`^(syscall\.|golang\.org/x/sys/unix\.|internal/runtime/syscall|runtime/internal/syscall|runtime\.(futex|epollwait|usleep|osyield|nanosleep|madvise|mmap|munmap|sysMmap|write1|read|timer_settime|tgkill|rtsigprocmask|sigaltstack|raise|exitThread|clone)$)`)
	copyLeaf    = regexp.MustCompile(`^(runtime\.(memmove|memclrNoHeapPointers|memequal|memeqbody)$|hash/crc32\.)`)
)

// classify sorts one sample by its stack, leaf first.
func classify(stack []string) work {
	for _, fn := range stack {
		if codecFrame.MatchString(fn) {
			return workCodec
		}
	}
	for _, fn := range stack {
		if gcFrame.MatchString(fn) {
			return workGC
		}
	}
	if len(stack) == 0 {
		return workRuntime
	}
	leaf := stack[0]
	switch {
	case syscallLeaf.MatchString(leaf):
		return workSyscall
	case copyLeaf.MatchString(leaf):
		return workCopy
	case strings.HasPrefix(leaf, "runtime.") || strings.HasPrefix(leaf, "internal/runtime/"):
		return workRuntime
	}
	return workClient
}

// split is the share of a client's CPU in each kind of work.
type split [works]float64

// profileName is how the bench module names a client process's CPU
// profile: client-row-roundN.cpu.pprof, the row's slashes as commas.
var profileName = regexp.MustCompile(`^(.+?)-(size=[^-]+)(?:-round\d+)?\.cpu\.pprof$`)

// readSplits reads every CPU profile in dir and returns, per matrix row
// (as its benchmark name) and client, the split of the CPU of all its
// rounds together.
func readSplits(dir string) (map[string]map[string]split, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.cpu.pprof"))
	if err != nil {
		return nil, err
	}
	cpu := make(map[string]map[string]*[works]int64)
	for _, name := range names {
		m := profileName.FindStringSubmatch(filepath.Base(name))
		if m == nil {
			continue
		}
		row := "BenchmarkMatrix/" + strings.ReplaceAll(m[2], ",", "/")
		if cpu[row] == nil {
			cpu[row] = make(map[string]*[works]int64)
		}
		if cpu[row][m[1]] == nil {
			cpu[row][m[1]] = new([works]int64)
		}
		if err := addProfile(name, cpu[row][m[1]]); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	out := make(map[string]map[string]split)
	for row, clients := range cpu {
		out[row] = make(map[string]split)
		for client, ns := range clients {
			total := int64(0)
			for _, v := range ns {
				total += v
			}
			if total == 0 {
				continue
			}
			var s split
			for k, v := range ns {
				s[k] = float64(v) / float64(total)
			}
			out[row][client] = s
		}
	}
	return out, nil
}

// addProfile adds the CPU time of the profile in file to ns, by kind.
func addProfile(file string, ns *[works]int64) error {
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return err
	}
	value := -1
	for i, st := range p.SampleType {
		if st.Type == "cpu" {
			value = i
		}
	}
	if value < 0 {
		return fmt.Errorf("not a CPU profile")
	}
	var stack []string
	for _, s := range p.Sample {
		stack = stack[:0]
		for _, loc := range s.Location {
			// A location's lines are innermost first, as its stack is.
			for _, line := range loc.Line {
				if line.Function != nil {
					stack = append(stack, line.Function.Name)
				}
			}
		}
		ns[classify(stack)] += s.Value[value]
	}
	return nil
}

// printSplits writes, for each row, where our CPU per record went beside
// the peer's, and why a row misses the goal (CPU per record at most half
// the peer's): the budget is half the peer's CPU per record, and the reason
// names the first of these that overruns it on its own: our codec; our
// codec with our system calls and copies (the work per byte both clients
// do); else the rest (our own code, the runtime, GC), against what the
// budget leaves it.
func (res *results) printSplits(w io.Writer, splits map[string]map[string]split, ours, peer string) {
	fmt.Fprintf(w, "\nwhere the CPU goes, ns per record (%s / %s, medians of cpu-ns/op split as their profiles are)\n\n", ours, peer)
	fmt.Fprintf(w, "| workload | CPU %s/%s | %s | reason if over half |\n|---|---:|%s---|\n",
		ours, peer, strings.Join(workNames[:], " | "), strings.Repeat("---:|", int(works)))
	for _, workload := range res.workloads {
		ourCPU := median(res.values[workload][ours]["cpu-ns/op"])
		peerCPU := median(res.values[workload][peer]["cpu-ns/op"])
		ourSplit, ok1 := splits[workload][ours]
		peerSplit, ok2 := splits[workload][peer]
		if ourCPU <= 0 || peerCPU <= 0 || !ok1 || !ok2 {
			continue
		}
		cells := make([]string, works)
		for k := range works {
			cells[k] = format(ourSplit[k]*ourCPU) + " / " + format(peerSplit[k]*peerCPU)
		}
		fmt.Fprintf(w, "| %s | %.2f | %s | %s |\n", strings.TrimPrefix(workload, "Benchmark"), ourCPU/peerCPU,
			strings.Join(cells, " | "), overBudget(ourCPU, peerCPU, ourSplit))
	}
}

// overBudget says why our CPU per record, split as s, is over half the
// peer's, or nothing when it is not.
func overBudget(ourCPU, peerCPU float64, s split) string {
	budget := peerCPU / 2
	if ourCPU <= budget {
		return ""
	}
	codec := s[workCodec] * ourCPU
	perByte := codec + (s[workSyscall]+s[workCopy])*ourCPU
	switch {
	case codec > budget:
		return fmt.Sprintf("codec alone %.2f× the budget", codec/budget)
	case perByte >= budget:
		return fmt.Sprintf("codec+syscalls+copy %.2f× the budget", perByte/budget)
	}
	return fmt.Sprintf("the rest %s ns, %s left for it", format(ourCPU-perByte), format(budget-perByte))
}
