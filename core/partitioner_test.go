package core

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/perfproducer/perfproducer/core/wire"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMurmur2JavaVectors checks hashes that Kafka's Java client computes:
// the cases of Kafka's own UtilsTest.testMurmur2, and further ones other
// Java-compatible ports check against Utils.murmur2.
func TestMurmur2JavaVectors(t *testing.T) {
	for _, tc := range []struct {
		key  string
		want int32
	}{
		{"21", -973932308},
		{"foobar", -790332482},
		{"a-little-bit-long-string", -985981536},
		{"a-little-bit-longer-string", -1486304829},
		{"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971},
		{"abc", 479470107},
		{"1", -1993445489},
		{"12", 126087238},
		{"123", -267702483},
		{"1234", -1614185708},
		{"12345", -1188365604},
	} {
		if got := Murmur2([]byte(tc.key)); got != tc.want {
			t.Errorf("Murmur2(%q) = %d, want %d", tc.key, got, tc.want)
		}
	}
}

// TestKeyPartitionMatchesFranzGo compares KeyPartition with franz-go's
// Java-compatible key partitioner on random keys of every length up to 64,
// including empty keys and bytes with the high bit set.
func TestKeyPartitionMatchesFranzGo(t *testing.T) {
	random := rand.New(rand.NewPCG(1, 2))
	franz := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	counts := []int{1, 2, 3, 7, 16, 100, 1000, 65537, math.MaxInt32}
	for range 10_000 {
		key := make([]byte, random.IntN(65))
		for i := range key {
			key[i] = byte(random.Uint32())
		}
		for _, n := range counts {
			want := franz.Partition(&kgo.Record{Key: key}, n)
			if got := KeyPartition(key, n); int(got) != want {
				t.Fatalf("KeyPartition(%x, %d) = %d, franz-go says %d", key, n, got, want)
			}
		}
		// Over 2^31 partitions franz-go's modulo leaves the whole positive
		// hash, which checks every bit Murmur2 returns but the sign.
		if got, want := Murmur2(key)&math.MaxInt32, franz.Partition(&kgo.Record{Key: key}, math.MaxInt32+1); int(got) != want {
			t.Fatalf("Murmur2(%x) & 0x7fffffff = %d, franz-go says %d", key, got, want)
		}
	}
}

func TestStickySwitchesAfterBatchSize(t *testing.T) {
	const batchSize, recordSize, records = 1000, 100, 10_000
	for _, tc := range []struct {
		name          string
		switchAllowed bool
		bytesPerTurn  int
	}{
		// A batch of batch.size holds 9 records after its header: the
		// turn ends when the ninth fills it.
		{"switch at a full batch", true, (batchSize - wire.BatchHeaderSize) / recordSize * recordSize},
		{"switch held back until twice batch.size", false, 2 * batchSize},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStickyPartitioner(batchSize, false)
			available := []int32{0, 1, 2, 3}
			seen := map[int32]bool{}
			turnBytes, switches := 0, 0
			for range records {
				p := s.Partition(available, 4)
				if !slices.Contains(available, p) {
					t.Fatalf("partition %d is not available", p)
				}
				seen[p] = true
				s.recordAppended(p, recordSize, tc.switchAllowed, available, 4)
				turnBytes += recordSize
				if s.turn.Load()&math.MaxUint32 == 0 { // a new turn began
					if turnBytes != tc.bytesPerTurn {
						t.Fatalf("switched after %d bytes, want %d", turnBytes, tc.bytesPerTurn)
					}
					turnBytes = 0
					switches++
				}
			}
			if want := records * recordSize / tc.bytesPerTurn; switches != want {
				t.Errorf("%d switches, want %d", switches, want)
			}
			if len(seen) != len(available) {
				t.Errorf("used partitions %v, want all of %v", seen, available)
			}
		})
	}
}

func TestStickyIgnoresBytesForAnOldPartition(t *testing.T) {
	s := newStickyPartitioner(1000, false)
	p := s.Partition(nil, 1<<20)
	s.recordAppended(p+1, 5000, true, nil, 1<<20)
	if s.Partition(nil, 1<<20) != p || s.turn.Load()&math.MaxUint32 != 0 {
		t.Errorf("bytes for another partition moved or counted toward partition %d", p)
	}
}

func TestStickyAvoidsPartitionsWithoutLeader(t *testing.T) {
	for _, tc := range []struct {
		name      string
		available []int32
		want      []int32
	}{
		{"some have leaders", []int32{1, 4, 6}, []int32{1, 4, 6}},
		{"one has a leader", []int32{5}, []int32{5}},
		{"none has a leader", nil, []int32{0, 1, 2, 3, 4, 5, 6, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newStickyPartitioner(10, false)
			seen := map[int32]bool{}
			for range 2000 {
				p := s.Partition(tc.available, 8)
				if !slices.Contains(tc.want, p) {
					t.Fatalf("partition %d, want one of %v", p, tc.want)
				}
				seen[p] = true
				s.recordAppended(p, 10, true, tc.available, 8)
			}
			if len(seen) != len(tc.want) {
				t.Errorf("used %v, want every one of %v", seen, tc.want)
			}
		})
	}
}

func TestStickyFollowsPartitionCount(t *testing.T) {
	s := newStickyPartitioner(16384, false)
	for s.Partition(nil, 100) < 10 {
		s.recordAppended(s.Partition(nil, 100), 16384, true, nil, 100)
	}
	if p := s.Partition(nil, 10); p >= 10 {
		t.Errorf("partition %d among 10", p)
	}
}

// TestStickyConcurrent has many goroutines share one partitioner. Each turn
// is told apart by its partition, drawn from 2^31-1, so a turn's partition
// received at least a batch's worth of records (batch.size less the header
// and less than one record: the partitioner never moves on early) and at
// most batch.size plus one record per goroutine more (it moves on as soon
// as it may; records already placed land late).
func TestStickyConcurrent(t *testing.T) {
	const (
		goroutines = 8
		records    = 2000
		batchSize  = 4000
		maxRecord  = 100
		partitions = math.MaxInt32
	)
	s := newStickyPartitioner(batchSize, false)
	tallies := make([]map[int32]int, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		tallies[g] = map[int32]int{}
		wg.Go(func() {
			for i := range records {
				size := 1 + (g+i)%maxRecord
				p := s.Partition(nil, partitions)
				tallies[g][p] += size
				s.recordAppended(p, size, true, nil, partitions)
			}
		})
	}
	wg.Wait()

	total := map[int32]int{}
	for _, tally := range tallies {
		for p, bytes := range tally {
			total[p] += bytes
		}
	}
	current := s.Partition(nil, partitions)
	if len(total) < goroutines*records*maxRecord/2/(batchSize+goroutines*maxRecord) {
		t.Errorf("only %d turns", len(total))
	}
	for p, bytes := range total {
		if p != current && bytes <= batchSize-wire.BatchHeaderSize-maxRecord {
			t.Errorf("partition %d left after %d bytes, before a %d-byte batch was full", p, bytes, batchSize)
		}
		if bytes > batchSize+goroutines*maxRecord {
			t.Errorf("partition %d kept for %d bytes, past batch.size %d and one record per goroutine", p, bytes, batchSize)
		}
	}
}

func TestStickyConcurrentUsesEveryAvailablePartition(t *testing.T) {
	const goroutines, records = 8, 5000
	available := []int32{0, 2, 3, 5, 7, 11}
	s := newStickyPartitioner(64, false)
	seen := make([]map[int32]bool, goroutines)
	var wg sync.WaitGroup
	for g := range goroutines {
		seen[g] = map[int32]bool{}
		wg.Go(func() {
			for range records {
				p := s.Partition(available, 12)
				seen[g][p] = true
				s.recordAppended(p, 16, true, available, 12)
			}
		})
	}
	wg.Wait()
	all := map[int32]bool{}
	for _, m := range seen {
		for p := range m {
			if !slices.Contains(available, p) {
				t.Errorf("partition %d has no leader", p)
			}
			all[p] = true
		}
	}
	if len(all) != len(available) {
		t.Errorf("used %v, want every one of %v", all, available)
	}
}

func TestPartitionLoadPick(t *testing.T) {
	// Queues 0, 3, 1 weigh 4, 1, 3: cumulative 4, 5, 8.
	s := newStickyPartitioner(1, true)
	s.updateLoad([]int32{0, 3, 1}, []int32{10, 11, 12}, 3)
	load := s.load.Load()
	if load == nil || !slices.Equal(load.cumulative, []uint32{4, 5, 8}) {
		t.Fatalf("load table %+v, want cumulative 4 5 8", load)
	}
	want := []int32{10, 10, 10, 10, 11, 12, 12, 12}
	for r, p := range want {
		if got := load.pick(uint32(r)); got != p {
			t.Errorf("pick(%d) = %d, want %d", r, got, p)
		}
		if got := load.pick(uint32(r + 8)); got != p {
			t.Errorf("pick(%d) = %d, want %d", r+8, got, p)
		}
	}
}

func TestUpdateLoad(t *testing.T) {
	for _, tc := range []struct {
		name                   string
		adaptive               bool
		queueSizes, partitions []int32
		numPartitions          int
		uniform                bool
	}{
		{"unequal queues", true, []int32{2, 0}, []int32{0, 1}, 2, false},
		{"equal queues", true, []int32{3, 3, 3}, []int32{0, 1, 2}, 3, true},
		{"equal queues, one partition left out", true, []int32{3, 3}, []int32{0, 2}, 3, false},
		{"one partition", true, []int32{5}, []int32{0}, 1, true},
		{"none eligible", true, nil, nil, 3, true},
		{"not adaptive", false, []int32{2, 0}, []int32{0, 1}, 2, true},
	} {
		s := newStickyPartitioner(1, tc.adaptive)
		s.updateLoad(tc.queueSizes, tc.partitions, tc.numPartitions)
		if uniform := s.load.Load() == nil; uniform != tc.uniform {
			t.Errorf("%s: uniform %v, want %v", tc.name, uniform, tc.uniform)
		}
	}
}

func TestUpdateLoadKeepsAnUnchangedTable(t *testing.T) {
	s := newStickyPartitioner(1, true)
	s.updateLoad([]int32{4, 1, 0}, []int32{0, 1, 2}, 3)
	first := s.load.Load()
	s.updateLoad([]int32{5, 2, 1}, []int32{0, 1, 2}, 3) // same weights
	if s.load.Load() != first {
		t.Error("same weights built a new table")
	}
	s.updateLoad([]int32{0, 1, 4}, []int32{0, 1, 2}, 3)
	if s.load.Load() == first {
		t.Error("new weights kept the old table")
	}
	if allocs := testing.AllocsPerRun(100, func() { s.updateLoad([]int32{0, 1, 4}, []int32{0, 1, 2}, 3) }); allocs != 0 {
		t.Errorf("unchanged load allocates %v times", allocs)
	}
}

func TestAdaptiveStickyFavoursShortQueues(t *testing.T) {
	s := newStickyPartitioner(1, true)
	// Partition 2 has no queue: weight 101 against 1 for each other.
	s.updateLoad([]int32{100, 100, 0, 100}, []int32{0, 1, 2, 3}, 4)
	counts := map[int32]int{}
	for range 1000 {
		p := s.Partition(nil, 4)
		counts[p]++
		s.recordAppended(p, 1, true, nil, 4)
	}
	if counts[2] < 900 {
		t.Errorf("partition counts %v: partition 2, with the shortest queue, should get nearly all", counts)
	}
}

func TestStickyPathDoesNotAllocate(t *testing.T) {
	s := newStickyPartitioner(100, true)
	available := []int32{0, 1, 2}
	s.updateLoad([]int32{1, 0, 3}, available, 3)
	allocs := testing.AllocsPerRun(1000, func() {
		p := s.Partition(available, 3)
		s.recordAppended(p, 30, true, available, 3)
	})
	if allocs != 0 {
		t.Errorf("%v allocations per record", allocs)
	}
}

var benchmarkKey = []byte("user-00000012345") // 16 bytes

func BenchmarkMurmur2(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchmarkKey)))
	for b.Loop() {
		Murmur2(benchmarkKey)
	}
}

func BenchmarkKeyPartition(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchmarkKey)))
	for b.Loop() {
		KeyPartition(benchmarkKey, 64)
	}
}

// BenchmarkKeyPartitionFranzGo is the same work through franz-go's
// Java-compatible key partitioner, for comparison.
func BenchmarkKeyPartitionFranzGo(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchmarkKey)))
	franz := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	record := &kgo.Record{Key: benchmarkKey}
	for b.Loop() {
		franz.Partition(record, 64)
	}
}

// BenchmarkStickyPartition places one 100-byte record without a key: the
// partition, then the byte count, with the default batch.size.
func BenchmarkStickyPartition(b *testing.B) {
	b.ReportAllocs()
	s := newStickyPartitioner(16384, false)
	available := []int32{0, 1, 2, 3, 4, 5, 6, 7}
	for b.Loop() {
		p := s.Partition(available, 8)
		s.recordAppended(p, 100, true, available, 8)
	}
}

func BenchmarkStickyPartitionParallel(b *testing.B) {
	b.ReportAllocs()
	s := newStickyPartitioner(16384, false)
	available := []int32{0, 1, 2, 3, 4, 5, 6, 7}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			p := s.Partition(available, 8)
			s.recordAppended(p, 100, true, available, 8)
		}
	})
}
