package bpf_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/perfproducer/perfproducer/bpf"
	"github.com/perfproducer/perfproducer/core"
	"github.com/perfproducer/perfproducer/internal/kafkatest"
)

// Producer child mode: the test binary, run again with producerEnv set to
// brokers' addresses, opens a producer on them, says "ready", waits for a
// line on stdin, sends childRecords records to childTopic, closes the
// producer and prints the number of batches it sent.
const (
	producerEnv  = "PERFPRODUCER_BPF_TEST_PRODUCER"
	childTopic   = "bpf-child"
	childRecords = 5000
)

func produceAsChild(brokers []string) error {
	cfg := core.DefaultConfig()
	cfg.BootstrapServers = brokers
	cfg.BatchSize = 8 << 10
	p, err := core.NewProducer(cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), kafkatest.Deadline)
	defer cancel()
	fmt.Println("ready")
	if _, err := bufio.NewReader(os.Stdin).ReadString('\n'); err != nil {
		return err
	}
	value := make([]byte, 200)
	for range childRecords {
		if err := p.Send(ctx, &core.Record{Topic: childTopic, Value: value}, nil); err != nil {
			return err
		}
	}
	if err := p.Close(ctx); err != nil {
		return err
	}
	st := p.Stats()
	if st.RecordsSent != childRecords {
		return fmt.Errorf("%d records sent, want %d", st.RecordsSent, childRecords)
	}
	fmt.Println(st.BatchesSent)
	return nil
}

// TestBatchStampsLayout: the probe reads core.BatchStamps at the offsets
// tracer.c's struct batch_stamps assumes.
func TestBatchStampsLayout(t *testing.T) {
	var s core.BatchStamps
	for _, f := range []struct {
		name      string
		got, want uintptr
	}{
		{"Partition", unsafe.Offsetof(s.Partition), 16},
		{"Records", unsafe.Offsetof(s.Records), 20},
		{"Bytes", unsafe.Offsetof(s.Bytes), 24},
		{"Request", unsafe.Offsetof(s.Request), 32},
		{"RequestBytes", unsafe.Offsetof(s.RequestBytes), 40},
		{"Appended", unsafe.Offsetof(s.Appended), 48},
		{"Sealed", unsafe.Offsetof(s.Sealed), 56},
		{"Written", unsafe.Offsetof(s.Written), 64},
		{"ResponseRead", unsafe.Offsetof(s.ResponseRead), 72},
		{"CallbacksDone", unsafe.Offsetof(s.CallbacksDone), 80},
		{"size", unsafe.Sizeof(s), 88},
	} {
		if unsafe.Sizeof(uintptr(0)) == 8 && f.got != f.want {
			t.Errorf("core.BatchStamps.%s at %d, the probe reads it at %d", f.name, f.got, f.want)
		}
	}
}

// TestTraceChildProducerStages traces a second process, a producer, through
// its batch probe point: every batch it sent is stamped, and joins with its
// request's writevs.
func TestTraceChildProducerStages(t *testing.T) {
	c := kafkatest.NewCluster(t, 2, childTopic, 4)
	// go test strips the symbol table the probe is found by: the child is
	// this package's tests linked again with it.
	exe := filepath.Join(t.TempDir(), "bpf.test")
	build := exec.Command("go", "test", "-c", "-o", exe, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the child: %v\n%s", err, out)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), producerEnv+"="+strings.Join(c.ListenAddrs(), ","))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	defer stdin.Close()
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); line != "ready\n" {
		t.Fatalf("child said %q (%v), want ready", line, err)
	}

	tr := attachWith(t, bpf.Options{PID: cmd.Process.Pid, LogWritevs: true, BatchStamps: true})
	if _, err := io.WriteString(stdin, "go\n"); err != nil {
		t.Fatal(err)
	}
	line, err := out.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the child's count of batches: %v", err)
	}
	sent, err := strconv.Atoi(strings.TrimSpace(line))
	if err != nil || sent == 0 {
		t.Fatalf("child said %q, want its count of batches", line)
	}
	batches, err := tr.Batches()
	if err != nil {
		t.Fatalf("Batches: %v", err)
	}
	writevs, err := tr.Writevs()
	if err != nil {
		t.Fatalf("Writevs: %v", err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	kafkatest.Consume(t, c, childTopic, childRecords)
	if len(batches) != sent {
		t.Fatalf("%d batches stamped through the probe, the child sent %d", len(batches), sent)
	}
	var records int32
	for i, l := range bpf.JoinWritevs(batches, writevs) {
		records += l.Records
		if !l.Joined || !l.Exact {
			t.Fatalf("batch %d (%+v) not joined by its request's address with the child's %d writevs", i, l.BatchStamps, len(writevs))
		}
		order := []int64{l.Appended, l.Sealed, l.WritevEnter, l.WritevExit, l.ResponseRead, l.CallbacksDone}
		for j := 1; j < len(order); j++ {
			if order[j] < order[j-1] {
				t.Fatalf("batch %d: stages out of time order: %+v", i, l)
			}
		}
	}
	if records != childRecords {
		t.Fatalf("the stamped batches hold %d records, the child sent %d", records, childRecords)
	}
}
