package bpf

import (
	"cmp"
	"slices"
	"sort"
	"time"
)

// BatchStamps is one batch's life as the producer stamped it, in
// CLOCK_MONOTONIC nanoseconds (the clock of the kernel's stamps): the
// fields of core.BatchStamps, which this package does not import. Sealed is
// at or before the batch's request was first written; Written, when not
// zero, and ResponseRead are at or after its last write returned.
type BatchStamps struct {
	Topic         string
	Partition     int32
	Records       int32
	Bytes         int32
	Appended      int64
	Sealed        int64
	Written       int64
	ResponseRead  int64
	CallbacksDone int64
}

// Writev is one writev call of the traced process, as the probes saw it:
// CLOCK_MONOTONIC nanoseconds at entry and return, the return value (bytes,
// or a negative errno), and the calling thread.
type Writev struct {
	Enter, Exit int64
	Ret         int64
	TID         uint32
}

// BatchLife is a batch's stamps joined with the kernel's writev stamps:
// WritevEnter is the entry of the first writev that began after the batch
// was sealed, WritevExit the return of the last that returned before the
// producer saw the request written (or read its answer). The producer
// writes only from its sender goroutine, so with one broker connection these
// are exactly the writevs that carried the batch's request; with several,
// a write to another broker inside that window counts too. Joined is false
// when no writev fell in the window (one made before Attach).
type BatchLife struct {
	BatchStamps
	WritevEnter, WritevExit int64
	Joined                  bool
}

// JoinWritevs places each batch's request writes among writevs, which it
// sorts by entry.
func JoinWritevs(batches []BatchStamps, writevs []Writev) []BatchLife {
	slices.SortFunc(writevs, func(a, b Writev) int { return cmp.Compare(a.Enter, b.Enter) })
	lives := make([]BatchLife, len(batches))
	for i, b := range batches {
		lives[i].BatchStamps = b
		end := b.Written
		if end == 0 {
			end = b.ResponseRead
		}
		first := sort.Search(len(writevs), func(j int) bool { return writevs[j].Enter >= b.Sealed })
		for _, w := range writevs[first:] {
			if w.Enter > end {
				break
			}
			if w.Exit > end || w.Ret <= 0 {
				continue
			}
			if !lives[i].Joined {
				lives[i].WritevEnter, lives[i].Joined = w.Enter, true
			}
			lives[i].WritevExit = max(lives[i].WritevExit, w.Exit)
		}
	}
	return lives
}

// Stage names, in the order of a batch's life.
const (
	StageAppendToSeal       = "append→seal"
	StageSealToWritev       = "seal→writev"
	StageWritev             = "writev"
	StageWritevToResponse   = "writev→response"
	StageResponseToCallback = "response→callbacks"
	StageTotal              = "total"
)

// Stage is the time batches spent in one stage of their life: how many
// batches it was measured for, and the exact 50th and 99th percentile and
// maximum of their times.
type Stage struct {
	Name  string        `json:"name"`
	Count int           `json:"count"`
	P50   time.Duration `json:"p50_ns"`
	P99   time.Duration `json:"p99_ns"`
	Max   time.Duration `json:"max_ns"`
}

// BatchReport is the per-stage breakdown of batches' lives.
type BatchReport struct {
	// Batches is how many batches were stamped; Joined how many of them
	// had their writes found among the kernel's writevs. Stages measured
	// from a writev stamp count the joined batches only.
	Batches int `json:"batches"`
	Joined  int `json:"joined"`
	// WritevsLost counts writevs the probes could not log (their buffer
	// was full); batches whose writes were among them join with the
	// writevs around them or not at all.
	WritevsLost uint64  `json:"writevs_lost"`
	Stages      []Stage `json:"stages"`
}

// Breakdown measures every stage of lives.
func Breakdown(lives []BatchLife) BatchReport {
	spans := []struct {
		name   string
		kernel bool
		span   func(*BatchLife) int64
	}{
		{StageAppendToSeal, false, func(l *BatchLife) int64 { return l.Sealed - l.Appended }},
		{StageSealToWritev, true, func(l *BatchLife) int64 { return l.WritevEnter - l.Sealed }},
		{StageWritev, true, func(l *BatchLife) int64 { return l.WritevExit - l.WritevEnter }},
		{StageWritevToResponse, true, func(l *BatchLife) int64 { return l.ResponseRead - l.WritevExit }},
		{StageResponseToCallback, false, func(l *BatchLife) int64 { return l.CallbacksDone - l.ResponseRead }},
		{StageTotal, false, func(l *BatchLife) int64 { return l.CallbacksDone - l.Appended }},
	}
	r := BatchReport{Batches: len(lives)}
	for i := range lives {
		if lives[i].Joined {
			r.Joined++
		}
	}
	times := make([]int64, 0, len(lives))
	for _, s := range spans {
		times = times[:0]
		for i := range lives {
			if !s.kernel || lives[i].Joined {
				times = append(times, s.span(&lives[i]))
			}
		}
		r.Stages = append(r.Stages, stageOf(s.name, times))
	}
	return r
}

// stageOf is the stage name with times, which it sorts.
func stageOf(name string, times []int64) Stage {
	st := Stage{Name: name, Count: len(times)}
	if len(times) == 0 {
		return st
	}
	slices.Sort(times)
	st.P50 = time.Duration(percentile(times, 50))
	st.P99 = time.Duration(percentile(times, 99))
	st.Max = time.Duration(times[len(times)-1])
	return st
}

// percentile is the p-th percentile of sorted, by nearest rank.
func percentile(sorted []int64, p int) int64 {
	rank := (len(sorted)*p + 99) / 100
	return sorted[max(rank, 1)-1]
}
