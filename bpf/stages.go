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
// zero, and ResponseRead are at or after its last write returned. Request
// is the address of the request's first byte, which the writev that begins
// writing it has as its first iovec's base (Writev.Iov0), and RequestBytes
// its size.
type BatchStamps struct {
	Topic         string
	Partition     int32
	Records       int32
	Bytes         int32
	Request       uint64
	RequestBytes  int32
	Appended      int64
	Sealed        int64
	Written       int64
	ResponseRead  int64
	CallbacksDone int64
}

// Writev is one writev call of the traced process, as the probes saw it:
// CLOCK_MONOTONIC nanoseconds at entry and return, the return value (bytes,
// or a negative errno), the base address of its first iovec (0 where the
// probes cannot read syscall arguments: only x86-64 and arm64 are known),
// its file descriptor (-1 likewise), and the calling thread.
type Writev struct {
	Enter, Exit int64
	Ret         int64
	Iov0        uint64
	FD          int32
	TID         uint32
}

// BatchLife is a batch's stamps joined with the kernel's writev stamps:
// WritevEnter is when the first writev that carried its request entered,
// WritevExit when the one that wrote the request's last byte returned.
//
// Exact joins find the writev whose first iovec is the request's first
// byte (Request), after the batch was sealed, and follow the writevs on its
// file descriptor until RequestBytes are written. A request written behind
// another one's bytes begins no writev; it is joined by time alone: the
// first writev that entered after the seal and the last that returned
// before the producer saw the request written (or read its answer). The
// producer writes only from its sender goroutine, so with one broker
// connection those are its request's writevs too, but with several a write
// to another broker in that window counts.
//
// Joined is false when no writev fell in the window (one made before
// Attach, or lost).
type BatchLife struct {
	BatchStamps
	WritevEnter, WritevExit int64
	Joined, Exact           bool
}

// JoinWritevs places each batch's request writes among writevs, which it
// sorts by entry.
func JoinWritevs(batches []BatchStamps, writevs []Writev) []BatchLife {
	slices.SortFunc(writevs, func(a, b Writev) int { return cmp.Compare(a.Enter, b.Enter) })
	beginning := map[uint64][]int{}
	for i, w := range writevs {
		if w.Iov0 != 0 && w.Ret > 0 {
			beginning[w.Iov0] = append(beginning[w.Iov0], i)
		}
	}
	lives := make([]BatchLife, len(batches))
	for i, b := range batches {
		l := &lives[i]
		l.BatchStamps = b
		end := b.Written
		if end == 0 {
			end = b.ResponseRead
		}
		if !joinExactly(l, writevs, beginning[b.Request], end) {
			joinByTime(l, writevs, end)
		}
	}
	return lives
}

// joinExactly joins l with the writev among candidates (indexes into
// writevs, by entry) that began writing its request after the seal, and
// the writevs on the same descriptor that wrote the rest of it before end.
func joinExactly(l *BatchLife, writevs []Writev, candidates []int, end int64) bool {
	if l.Request == 0 {
		return false
	}
	for _, c := range candidates {
		w := writevs[c]
		if w.Enter < l.Sealed || w.Exit > end {
			continue
		}
		l.WritevEnter, l.WritevExit, l.Joined, l.Exact = w.Enter, w.Exit, true, true
		written := w.Ret
		for _, more := range writevs[c+1:] {
			if written >= int64(l.RequestBytes) || more.Enter > end {
				break
			}
			if more.FD != w.FD || more.Ret <= 0 || more.Exit > end {
				continue
			}
			written += more.Ret
			l.WritevExit = more.Exit
		}
		return true
	}
	return false
}

// joinByTime joins l with the writevs between its seal and end.
func joinByTime(l *BatchLife, writevs []Writev, end int64) {
	first := sort.Search(len(writevs), func(j int) bool { return writevs[j].Enter >= l.Sealed })
	for _, w := range writevs[first:] {
		if w.Enter > end {
			break
		}
		if w.Exit > end || w.Ret <= 0 {
			continue
		}
		if !l.Joined {
			l.WritevEnter, l.Joined = w.Enter, true
		}
		l.WritevExit = max(l.WritevExit, w.Exit)
	}
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
	// Exact is how many of the joined batches were joined by their
	// request's address, not by time alone (see BatchLife).
	Exact int `json:"exact"`
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
		if lives[i].Exact {
			r.Exact++
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
