package bpf

import "math"

// NumBuckets is the number of buckets of a Histogram.
const NumBuckets = 40

// Histogram is a log2 histogram as the kernel probes keep it: bucket i counts
// values v with 2^i <= v < 2^(i+1), bucket 0 also counts 0, and the last
// bucket counts everything from 2^(NumBuckets-1) up.
type Histogram [NumBuckets]uint64

// BucketUpperBound is the largest value bucket i counts: 2^(i+1)-1, and
// math.MaxUint64 for the last bucket.
func BucketUpperBound(i int) uint64 {
	if i >= NumBuckets-1 {
		return math.MaxUint64
	}
	return 1<<(i+1) - 1
}

// Count is the number of values in h.
func (h *Histogram) Count() uint64 {
	var n uint64
	for _, c := range h {
		n += c
	}
	return n
}

// Percentile is an upper bound of the p-th percentile (0 < p <= 100) of the
// values in h: the upper bound of the bucket that holds it, so within a factor
// of two of the true value, and never below it. It is 0 when h is empty.
func (h *Histogram) Percentile(p float64) uint64 {
	total := h.Count()
	if total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p / 100 * float64(total)))
	rank = max(rank, 1)
	var seen uint64
	for i, c := range h {
		seen += c
		if seen >= rank {
			return BucketUpperBound(i)
		}
	}
	return BucketUpperBound(NumBuckets - 1)
}
