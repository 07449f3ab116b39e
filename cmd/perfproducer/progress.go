package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/perfproducer/perfproducer/perf"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// progressEvery is how often the progress line is redrawn: often enough to
// look live, rarely enough that reading the counters costs nothing.
const progressEvery = 250 * time.Millisecond

// progress is the live line on a terminal's stderr: records completed
// (counted, warmup and failed alike) of --num-records, or a spinner for a
// --duration run. It reads the counters on a ticker of its own, never per
// record.
type progress struct {
	bar  *progressbar.ProgressBar
	done chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// startProgress draws the progress line on stderr if stderr is a
// terminal, and does nothing otherwise (stop is then a no-op too): the
// line is for a person watching, never for a file or a pipe, and never on
// stdout, whose lines are kafka-producer-perf-test's.
func startProgress(stderr io.Writer, o *options, stats *perf.Stats, start time.Time) *progress {
	if !isTerminal(stderr) {
		return nil
	}
	total := o.numRecords
	if o.duration > 0 {
		total = -1
	}
	p := &progress{
		bar: progressbar.NewOptions64(total,
			progressbar.OptionSetWriter(stderr),
			progressbar.OptionSetDescription(describe(o, start, start, 0)),
			progressbar.OptionShowCount(),
			progressbar.OptionSetRenderBlankState(true), // drawn at once, not at the first tick
			progressbar.OptionSetSpinnerChangeInterval(0),
			progressbar.OptionClearOnFinish(),
		),
		done: make(chan struct{}),
	}
	p.wg.Go(func() {
		tick := time.NewTicker(progressEvery)
		defer tick.Stop()
		for {
			select {
			case <-p.done:
				return
			case now := <-tick.C:
				records, warmup, failed := stats.Progress()
				done := records + warmup + failed
				p.bar.Describe(describe(o, start, now, done))
				_ = p.bar.Set64(done) // the writer's errors are not the run's
			}
		}
	})
	return p
}

// describe is the progress line's description at now, done records
// completed: the phase and the rate since the start.
func describe(o *options, start, now time.Time, done int64) string {
	phase := "producing"
	if now.Before(start.Add(o.warmup)) {
		phase = "warming up"
	}
	elapsed := now.Sub(start).Seconds()
	if elapsed <= 0 {
		return phase
	}
	return fmt.Sprintf("%s at %.0f records/s", phase, float64(done)/elapsed)
}

// stop erases the progress line; it may be called more than once.
func (p *progress) stop() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		close(p.done)
		p.wg.Wait()
		_ = p.bar.Finish()
	})
}
