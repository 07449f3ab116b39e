package bpf

import (
	"math"
	"testing"
)

func TestBucketUpperBound(t *testing.T) {
	for _, tc := range []struct {
		bucket int
		want   uint64
	}{
		{0, 1},
		{1, 3},
		{9, 1023},
		{NumBuckets - 2, 1<<(NumBuckets-1) - 1},
		{NumBuckets - 1, math.MaxUint64},
	} {
		if got := BucketUpperBound(tc.bucket); got != tc.want {
			t.Errorf("BucketUpperBound(%d) = %d, want %d", tc.bucket, got, tc.want)
		}
	}
}

func TestHistogramPercentile(t *testing.T) {
	// 90 values in bucket 3 (8..15), 9 in bucket 10, 1 in bucket 20.
	var h Histogram
	h[3], h[10], h[20] = 90, 9, 1
	for _, tc := range []struct {
		p    float64
		want uint64
	}{
		{0.001, 15},
		{50, 15},
		{90, 15},
		{90.5, 2047},
		{99, 2047},
		{99.5, 1<<21 - 1},
		{100, 1<<21 - 1},
	} {
		if got := h.Percentile(tc.p); got != tc.want {
			t.Errorf("p%v = %d, want %d", tc.p, got, tc.want)
		}
	}
	if got := h.Count(); got != 100 {
		t.Errorf("Count = %d, want 100", got)
	}
	var empty Histogram
	if got := empty.Percentile(50); got != 0 {
		t.Errorf("p50 of an empty histogram = %d, want 0", got)
	}
}

func TestLatencyPercentileIsAtMostMax(t *testing.T) {
	c := Calls{Count: 3, Max: 100}
	c.Latency[4], c.Latency[6] = 2, 1 // 16..31 and 64..127
	if got := c.LatencyPercentile(50); got != 31 {
		t.Errorf("p50 = %d, want the bucket bound 31", got)
	}
	if got := c.LatencyPercentile(99); got != 100 {
		t.Errorf("p99 = %d, want the max 100, below the bucket bound 127", got)
	}
}
