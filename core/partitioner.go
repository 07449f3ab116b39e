package core

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"slices"
	"sync/atomic"

	"github.com/perfproducer/perfproducer/core/wire"
)

// Murmur2 is the 32-bit MurmurHash2 that Kafka's Java client uses to place
// keyed records (org.apache.kafka.common.utils.Utils.murmur2): seed
// 0x9747b28c, little-endian 4-byte blocks, Java's handling of the last 1 to
// 3 bytes. It returns what the Java method returns, bit for bit.
func Murmur2(key []byte) int32 {
	const (
		seed  uint32 = 0x9747b28c
		mix   uint32 = 0x5bd1e995
		shift        = 24
	)
	h := seed ^ uint32(len(key))
	for ; len(key) >= 4; key = key[4:] {
		k := binary.LittleEndian.Uint32(key)
		k *= mix
		k ^= k >> shift
		k *= mix
		h = h*mix ^ k
	}
	switch len(key) {
	case 3:
		h ^= uint32(key[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(key[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(key[0])
		h *= mix
	}
	h ^= h >> 13
	h *= mix
	h ^= h >> 15
	return int32(h)
}

// KeyPartition is the partition of a keyed record among numPartitions (which
// must be positive), the same one every Java client picks: the murmur2 hash
// with its sign bit cleared, modulo the partition count. A nil key is no key
// (such records go to the sticky partitioner); an empty key is hashed.
func KeyPartition(key []byte, numPartitions int) int32 {
	return (Murmur2(key) & math.MaxInt32) % int32(numPartitions)
}

// stickyPartitioner places one topic's records that have no key (and, with
// partitioner.ignore.keys, all its records) as Kafka's built-in partitioner
// does since Kafka 3.3 (KIP-794, "uniform sticky"): every record goes to the
// same partition until a batch.size batch of them has been appended to it
// (see recordAppended), then the partitioner moves to a partition chosen at
// random among those that have a leader (among all when none has). So
// batches fill up before they are sent, and over time every partition gets
// the same share.
//
// With adaptive partitioning, the random choice is weighted by how short the
// queues of the partitions' leaders are, from what updateLoad was told.
//
// Use: Partition gives the partition for the next record; once the record
// is appended, recordAppended reports its size, which may move the
// partitioner on. Both are safe for concurrent use; the common path is one
// atomic load and one compare-and-swap, with no lock and no allocation.
// Java's older partitioner had an onNewBatch hook; this one needs none, as
// it counts bytes instead: a caller that wants batch-aligned switches passes
// switchAllowed only when the partition's open batch is full.
type stickyPartitioner struct {
	// batchSize is the bytes after which the partitioner may move on.
	batchSize uint64
	adaptive  bool
	// turn packs the current partition, plus one (0: none chosen yet), in
	// the high 32 bits, and the bytes appended to it so far in the low 32.
	turn atomic.Uint64
	// load weights the choice of the next partition; nil means uniform.
	load atomic.Pointer[partitionLoad]
}

// newStickyPartitioner returns a partitioner that moves on after batchSize
// bytes (batch.size), weighting its choices by load when adaptive
// (partitioner.adaptive.partitioning.enable).
func newStickyPartitioner(batchSize int, adaptive bool) *stickyPartitioner {
	return &stickyPartitioner{batchSize: uint64(batchSize), adaptive: adaptive}
}

// Partition returns the partition the next record without a key goes to.
// available lists the partitions that have a leader (it may be empty; it is
// only read); numPartitions is the topic's partition count and must be
// positive.
func (s *stickyPartitioner) Partition(available []int32, numPartitions int) int32 {
	for {
		turn := s.turn.Load()
		if p := turnPartition(turn); p >= 0 && int(p) < numPartitions {
			return p
		}
		next := newTurn(s.choose(available, numPartitions))
		if s.turn.CompareAndSwap(turn, next) {
			return turnPartition(next)
		}
	}
}

// used reports whether Partition has chosen a partition yet: until a
// record without a key comes, weighing the topic's partitions is wasted
// work. A turn, once chosen, is never zero again.
func (s *stickyPartitioner) used() bool { return s.turn.Load() != 0 }

// recordAppended counts the bytes of a record appended to partition, which
// Partition returned, and moves on to another partition at a batch
// boundary (switchAllowed: the record filled its batch) once a batch's
// worth has gone to this one, or once twice batch.size have, whatever
// switchAllowed says (the cap Kafka puts on waiting for a batch boundary).
// A batch's worth is batch.size less the batch header, less the room the
// full batch has left, which is smaller than one record: so a turn fills
// one batch.size batch, which goes at once, where counting to batch.size
// itself, as Java does, would fill one batch, then a second, and leave a
// third with one record to linger. Bytes for a partition the partitioner
// has already left are ignored.
func (s *stickyPartitioner) recordAppended(partition int32, bytes int, switchAllowed bool, available []int32, numPartitions int) {
	for {
		turn := s.turn.Load()
		if turnPartition(turn) != partition {
			return
		}
		produced := min(turn&math.MaxUint32+uint64(bytes), math.MaxUint32)
		next := turn&^math.MaxUint32 | produced
		if produced+uint64(bytes)+wire.BatchHeaderSize > s.batchSize && switchAllowed || produced >= 2*s.batchSize {
			next = newTurn(s.choose(available, numPartitions))
		}
		if s.turn.CompareAndSwap(turn, next) {
			return
		}
	}
}

func newTurn(partition int32) uint64 { return uint64(partition+1) << 32 }

func turnPartition(turn uint64) int32 { return int32(turn>>32) - 1 }

// choose picks the partition to move to.
func (s *stickyPartitioner) choose(available []int32, numPartitions int) int32 {
	random := rand.Uint32()
	if load := s.load.Load(); load != nil {
		if p := load.pick(random); int(p) < numPartitions {
			return p
		}
	}
	if len(available) > 0 {
		return available[random%uint32(len(available))]
	}
	return int32(random % uint32(numPartitions))
}

// partitionLoad weights partitions for adaptive partitioning as a cumulative
// frequency table: partition partitions[i] is chosen for a random number r
// in [0, cumulative[last]) when i is the first index with cumulative[i] > r.
type partitionLoad struct {
	cumulative []uint32
	partitions []int32
}

func (l *partitionLoad) pick(random uint32) int32 {
	r := random % l.cumulative[len(l.cumulative)-1]
	i, found := slices.BinarySearch(l.cumulative, r)
	if found {
		i++
	}
	return l.partitions[i]
}

// updateLoad tells an adaptive partitioner how loaded each partition is, as
// Java's updatePartitionLoadStats: queueSizes[i] is the number of batches
// queued for the leader of partitions[i]. partitions lists the partitions
// records may go to (those whose leader answers within
// partitioner.availability.timeout.ms); numPartitions is the topic's count.
// A partition's weight is the longest queue plus one, minus its own queue.
// With fewer than two partitions, or all of them listed with equal queues,
// the choice goes back to uniform. The sender calls this after each readiness
// pass; it allocates only when the weights change, and does nothing when the
// partitioner is not adaptive.
func (s *stickyPartitioner) updateLoad(queueSizes, partitions []int32, numPartitions int) {
	if !s.adaptive {
		return
	}
	if len(partitions) < 1 || numPartitions < 2 || len(queueSizes) != len(partitions) {
		s.load.Store(nil)
		return
	}
	longest, allEqual := queueSizes[0], true
	for _, size := range queueSizes[1:] {
		allEqual = allEqual && size == queueSizes[0]
		longest = max(longest, size)
	}
	if allEqual && len(partitions) == numPartitions {
		s.load.Store(nil)
		return
	}
	weight := func(i int) uint32 { return uint32(longest-queueSizes[i]) + 1 }
	if current := s.load.Load(); current != nil && current.weighs(partitions, weight) {
		return
	}
	load := &partitionLoad{
		cumulative: make([]uint32, len(partitions)),
		partitions: slices.Clone(partitions),
	}
	sum := uint32(0)
	for i := range partitions {
		sum += weight(i)
		load.cumulative[i] = sum
	}
	s.load.Store(load)
}

// weighs reports whether l is the table for these partitions and weights.
func (l *partitionLoad) weighs(partitions []int32, weight func(int) uint32) bool {
	if !slices.Equal(l.partitions, partitions) {
		return false
	}
	sum := uint32(0)
	for i := range partitions {
		sum += weight(i)
		if l.cumulative[i] != sum {
			return false
		}
	}
	return true
}
