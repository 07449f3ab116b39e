package tsc

import (
	"testing"
	"time"
)

var sinkNanos int64

// BenchmarkRead compares one read of this package's Clock with the
// runtime clock reads it stands in for: time.Since (runtime nanotime) and
// time.Now (the wall and the monotonic clock).
func BenchmarkRead(b *testing.B) {
	b.Run("clock=tsc", func(b *testing.B) {
		c := New()
		for !c.Extrapolating() && !c.off.Load() {
			c.Nanotime()
			time.Sleep(time.Millisecond)
		}
		for b.Loop() {
			sinkNanos += c.Nanotime()
		}
		b.ReportMetric(map[bool]float64{false: 0, true: 1}[c.Extrapolating()], "extrapolating")
	})
	b.Run("clock=runtime", func(b *testing.B) {
		start := time.Now()
		for b.Loop() {
			sinkNanos += int64(time.Since(start))
		}
	})
	b.Run("clock=time.Now", func(b *testing.B) {
		for b.Loop() {
			sinkNanos += time.Now().UnixNano()
		}
	})
}
