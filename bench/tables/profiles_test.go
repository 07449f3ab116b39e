package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/pprof/profile"
)

func TestClassifyStacks(t *testing.T) {
	for _, tc := range []struct {
		stack []string // leaf first
		want  work
	}{
		{[]string{"github.com/pierrec/lz4/v4/internal/lz4block.(*Compressor).get", "github.com/perfproducer/perfproducer/core.compressRecords"}, workCodec},
		{[]string{"runtime.memmove", "github.com/klauspost/compress/zstd.(*Encoder).EncodeAll"}, workCodec},
		{[]string{"runtime.memclrNoHeapPointers", "runtime.mallocgc", "github.com/twmb/franz-go/pkg/kgo.(*recBuf).bufferRecord"}, workGC},
		{[]string{"runtime.scanobject", "runtime.gcDrain", "runtime.gcBgMarkWorker"}, workGC},
		{[]string{"internal/runtime/syscall/linux.Syscall6", "syscall.Syscall", "internal/poll.(*FD).Write"}, workSyscall},
		{[]string{"runtime.futex", "runtime.notesleep", "runtime.findRunnable"}, workSyscall},
		{[]string{"hash/crc32.castagnoliSSE42Triple", "github.com/perfproducer/perfproducer/core.(*sender).sealFront"}, workCopy},
		{[]string{"runtime.memmove", "github.com/perfproducer/perfproducer/core.(*batch).tryAppend"}, workCopy},
		{[]string{"runtime.lock2", "runtime.findRunnable"}, workRuntime},
		{[]string{"internal/runtime/maps.(*Map).getWithKeySmall"}, workRuntime},
		{[]string{"sync/atomic.(*Uint64).CompareAndSwap", "github.com/perfproducer/perfproducer/core.(*batch).tryAppend"}, workClient},
		{nil, workRuntime},
	} {
		if got := classify(tc.stack); got != tc.want {
			t.Errorf("classify(%q) = %s, want %s", tc.stack, workNames[got], workNames[tc.want])
		}
	}
}

// TestSplitsFromProfiles: the CPU of every round's profile of a client and
// row adds up, split by kind, and the table holds it against the peer's.
func TestSplitsFromProfiles(t *testing.T) {
	dir := t.TempDir()
	row := "size=100,parts=12,brokers=1,acks=1,codec=lz4,keys=0"
	writeCPUProfile(t, filepath.Join(dir, "perfproducer-"+row+"-round1.cpu.pprof"), map[string]int64{
		"github.com/pierrec/lz4/v4.CompressBlock": 600, "github.com/perfproducer/perfproducer/core.(*batch).tryAppend": 200,
	})
	writeCPUProfile(t, filepath.Join(dir, "perfproducer-"+row+"-round2.cpu.pprof"), map[string]int64{
		"internal/runtime/syscall/linux.Syscall6": 100, "runtime.memmove": 100,
	})
	writeCPUProfile(t, filepath.Join(dir, "franz-go-"+row+".cpu.pprof"), map[string]int64{
		"github.com/pierrec/lz4/v4.CompressBlock": 500, "github.com/twmb/franz-go/pkg/kgo.(*sink).produce": 500,
	})
	writeCPUProfile(t, filepath.Join(dir, "unrelated.cpu.pprof"), map[string]int64{"main.main": 1})
	splits, err := readSplits(dir)
	if err != nil {
		t.Fatal(err)
	}
	name := "BenchmarkMatrix/" + strings.ReplaceAll(row, ",", "/")
	ours := splits[name]["perfproducer"]
	if want := (split{0.6, 0.1, 0.1, 0, 0, 0.2}); ours != want {
		t.Fatalf("perfproducer's split = %v, want %v", ours, want)
	}
	if len(splits) != 1 || len(splits[name]) != 2 {
		t.Fatalf("splits for %d rows (%v), want one row of two clients", len(splits), splits)
	}
	res := results{values: make(map[string]map[string]map[string][]float64)}
	input := name + "/client=perfproducer-2 1 1000 cpu-ns/op\n" + name + "/client=franz-go-2 1 1600 cpu-ns/op\n"
	if err := res.read(strings.NewReader(input)); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res.printSplits(&out, splits, "perfproducer", "franz-go")
	// Our codec is 600 ns of a budget of 800; with syscalls and copies it
	// takes the whole budget.
	want := "| Matrix/size=100/parts=12/brokers=1/acks=1/codec=lz4/keys=0 | 0.62 | 600 / 800 | 100 / 0 | 100 / 0 | 0 / 0 | 0 / 0 | 200 / 800 | codec+syscalls+copy 1.00× the budget |"
	if !strings.Contains(out.String(), want) {
		t.Fatalf("table\n%s\nhas no line starting %q", out.String(), want)
	}
}

func TestOverBudget(t *testing.T) {
	for _, tc := range []struct {
		ours, peer float64
		s          split
		want       string
	}{
		{400, 1000, split{0.5, 0.5}, ""},
		{1000, 1000, split{0.6, 0.1, 0.1, 0, 0, 0.2}, "codec alone 1.20× the budget"},
		{1000, 1000, split{0.3, 0.2, 0.1, 0, 0, 0.4}, "codec+syscalls+copy 1.20× the budget"},
		{1000, 1600, split{0.2, 0.1, 0.1, 0, 0, 0.6}, "the rest 600 ns, 400 left for it"},
	} {
		if got := overBudget(tc.ours, tc.peer, tc.s); got != tc.want {
			t.Errorf("overBudget(%v, %v, %v) = %q, want %q", tc.ours, tc.peer, tc.s, got, tc.want)
		}
	}
}

// writeCPUProfile writes a CPU profile with one sample per function, of
// that many nanoseconds, its stack that function alone.
func writeCPUProfile(t *testing.T, file string, ns map[string]int64) {
	t.Helper()
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     10_000_000,
	}
	for name, v := range ns {
		fn := &profile.Function{ID: uint64(len(p.Function) + 1), Name: name}
		loc := &profile.Location{ID: uint64(len(p.Location) + 1), Line: []profile.Line{{Function: fn}}}
		p.Function = append(p.Function, fn)
		p.Location = append(p.Location, loc)
		p.Sample = append(p.Sample, &profile.Sample{Location: []*profile.Location{loc}, Value: []int64{1, v}})
	}
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := p.Write(f); err != nil {
		t.Fatal(err)
	}
}
