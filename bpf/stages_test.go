package bpf_test

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/bpf"
)

func TestJoinWritevs(t *testing.T) {
	const req = 0xc000100000
	batch := bpf.BatchStamps{Request: req, RequestBytes: 10, Appended: 100, Sealed: 200, Written: 500, ResponseRead: 900, CallbacksDone: 950}
	unwritten := batch
	unwritten.Written = 0
	cases := []struct {
		name          string
		batch         bpf.BatchStamps
		writevs       []bpf.Writev
		joined, exact bool
		enter, ex     int64
	}{
		{"by time: one writev in the window", batch, []bpf.Writev{{Enter: 300, Exit: 320, Ret: 10}}, true, false, 300, 320},
		{"by time: a partial write and its rest", batch, []bpf.Writev{{Enter: 400, Exit: 450, Ret: 5}, {Enter: 250, Exit: 260, Ret: 5}}, true, false, 250, 450},
		{"by time: writevs outside the window", batch, []bpf.Writev{{Enter: 150, Exit: 210, Ret: 5}, {Enter: 480, Exit: 520, Ret: 5}, {Enter: 600, Exit: 610, Ret: 5}}, false, false, 0, 0},
		{"by time: a failed writev", batch, []bpf.Writev{{Enter: 300, Exit: 320, Ret: -11}}, false, false, 0, 0},
		{"by time: no Written, the response bounds the window", unwritten, []bpf.Writev{{Enter: 600, Exit: 700, Ret: 5}}, true, false, 600, 700},
		{"no writev", batch, nil, false, false, 0, 0},
		{"exact: the writev that began the request, not another broker's around it", batch, []bpf.Writev{
			{Enter: 210, Exit: 220, Ret: 99, Iov0: 0xc000200000, FD: 8},
			{Enter: 230, Exit: 240, Ret: 10, Iov0: req, FD: 7},
			{Enter: 250, Exit: 260, Ret: 99, Iov0: 0xc000300000, FD: 9},
		}, true, true, 230, 240},
		{"exact: a partial write finished on the same descriptor", batch, []bpf.Writev{
			{Enter: 230, Exit: 240, Ret: 4, Iov0: req, FD: 7},
			{Enter: 250, Exit: 260, Ret: 99, Iov0: 0xc000300000, FD: 9},
			{Enter: 300, Exit: 310, Ret: 6, Iov0: req + 4, FD: 7},
			{Enter: 400, Exit: 410, Ret: 50, Iov0: 0xc000400000, FD: 7},
		}, true, true, 230, 310},
		{"exact: an earlier request at the same address is not it", batch, []bpf.Writev{
			{Enter: 100, Exit: 110, Ret: 10, Iov0: req, FD: 7},
			{Enter: 300, Exit: 310, Ret: 10, Iov0: req, FD: 7},
		}, true, true, 300, 310},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lives := bpf.JoinWritevs([]bpf.BatchStamps{tc.batch}, tc.writevs)
			if len(lives) != 1 {
				t.Fatalf("%d lives for one batch", len(lives))
			}
			l := lives[0]
			if l.Joined != tc.joined || l.Exact != tc.exact || l.WritevEnter != tc.enter || l.WritevExit != tc.ex {
				t.Fatalf("joined %v (exactly %v), writev %d..%d; want %v (%v), %d..%d",
					l.Joined, l.Exact, l.WritevEnter, l.WritevExit, tc.joined, tc.exact, tc.enter, tc.ex)
			}
		})
	}
}

func TestBreakdown(t *testing.T) {
	var lives []bpf.BatchLife
	for i := range int64(100) {
		lives = append(lives, bpf.BatchLife{
			BatchStamps: bpf.BatchStamps{Appended: 0, Sealed: 10 + i, ResponseRead: 1000, CallbacksDone: 1001},
			WritevEnter: 500, WritevExit: 600, Joined: i%2 == 0,
		})
	}
	r := bpf.Breakdown(lives)
	if r.Batches != 100 || r.Joined != 50 {
		t.Fatalf("%d batches, %d joined; want 100, 50", r.Batches, r.Joined)
	}
	want := map[string]bpf.Stage{
		bpf.StageAppendToSeal:       {Name: bpf.StageAppendToSeal, Count: 100, P50: 59, P99: 108, Max: 109},
		bpf.StageSealToWritev:       {Name: bpf.StageSealToWritev, Count: 50, P50: 440, P99: 490, Max: 500 - 10},
		bpf.StageWritev:             {Name: bpf.StageWritev, Count: 50, P50: 100, P99: 100, Max: 100},
		bpf.StageWritevToResponse:   {Name: bpf.StageWritevToResponse, Count: 50, P50: 400, P99: 400, Max: 400},
		bpf.StageResponseToCallback: {Name: bpf.StageResponseToCallback, Count: 100, P50: 1, P99: 1, Max: 1},
		bpf.StageTotal:              {Name: bpf.StageTotal, Count: 100, P50: 1001, P99: 1001, Max: 1001},
	}
	if len(r.Stages) != len(want) {
		t.Fatalf("%d stages, want %d", len(r.Stages), len(want))
	}
	for _, s := range r.Stages {
		if s != want[s.Name] {
			t.Errorf("stage %s: %+v, want %+v", s.Name, s, want[s.Name])
		}
	}
}

// TestReportRoundTrips: what EncodeJSON writes, DecodeReport reads back
// unchanged.
func TestReportRoundTrips(t *testing.T) {
	r := bpf.Report{
		Kernel: bpf.Snapshot{
			Syscalls: []bpf.Syscall{{Name: "writev", Calls: bpf.Calls{Count: 3, Errors: 1, Total: time.Millisecond, Max: 700 * time.Microsecond, Bytes: 4096}}},
			TCPSend:  bpf.Calls{Count: 2, Bytes: 4096},
			Conns:    []bpf.Conn{{LocalPort: 40000, RemotePort: 9092, Sends: 2, SRTT: 50 * time.Microsecond, MaxSendQueue: 100}},
		},
		Batches: &bpf.BatchReport{Batches: 2, Joined: 1, Exact: 1, WritevsLost: 3, Stages: []bpf.Stage{{Name: bpf.StageWritev, Count: 1, P50: 5, P99: 6, Max: 7}}},
	}
	r.Kernel.Syscalls[0].Latency[3] = 3
	r.Kernel.Syscalls[0].BytesHist[11] = 2
	var buf bytes.Buffer
	if err := r.EncodeJSON(&buf); err != nil {
		t.Fatalf("EncodeJSON: %v", err)
	}
	back, err := bpf.DecodeReport(&buf)
	if err != nil {
		t.Fatalf("DecodeReport: %v", err)
	}
	if !reflect.DeepEqual(back, r) {
		t.Fatalf("round trip changed the report:\n got %+v\nwant %+v", back, r)
	}
	if _, err := bpf.DecodeReport(bytes.NewBufferString("{")); err == nil {
		t.Fatal("DecodeReport accepted a truncated document")
	}
}
