package bench

import (
	"sync"
	"time"
)

// hiccupMeter measures the machine's own stalls while a client runs, as
// jHiccup's control process does: a goroutine in the benchmark's process,
// which does nothing else meanwhile, sleeps 1 ms again and again and
// notes how much longer each sleep took. A client's latency cannot be
// shorter than the stalls every process on the machine suffers (a virtual
// CPU the host does not run, a timer interrupt served late), so the
// longest hiccup tells how much of a client's max latency the machine
// alone explains.
type hiccupMeter struct {
	stop    chan struct{}
	done    sync.WaitGroup
	longest time.Duration
}

// hiccupInterval is the meter's sleep: short enough to see stalls of a
// millisecond, long enough to cost nothing the clients would notice.
const hiccupInterval = time.Millisecond

// startHiccupMeter starts measuring.
func startHiccupMeter() *hiccupMeter {
	m := &hiccupMeter{stop: make(chan struct{})}
	m.done.Add(1)
	go func() {
		defer m.done.Done()
		timer := time.NewTimer(hiccupInterval)
		defer timer.Stop()
		for {
			start := time.Now()
			timer.Reset(hiccupInterval)
			select {
			case <-m.stop:
				return
			case <-timer.C:
			}
			m.longest = max(m.longest, time.Since(start)-hiccupInterval)
		}
	}()
	return m
}

// end stops the meter and returns the longest hiccup it saw: the most a
// 1 ms sleep overslept.
func (m *hiccupMeter) end() time.Duration {
	close(m.stop)
	m.done.Wait()
	return m.longest
}
