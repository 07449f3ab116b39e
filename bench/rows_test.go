package bench

import (
	"fmt"

	"github.com/perfproducer/perfproducer/core"
)

// row is one workload of the speed matrix; every client runs every row.
type row struct {
	valueSize  int
	partitions int // of the one topic
	brokers    int
	// acksAll is acks=all with idempotence; otherwise acks=1 without.
	acksAll bool
	codec   core.Compression
	keySize int // 0: records have no key
}

// String is the row's sub-benchmark name, one key=value per dimension, so
// -bench patterns and benchstat's projections can pick dimensions apart.
func (r row) String() string {
	acks := "1"
	if r.acksAll {
		acks = "all"
	}
	return fmt.Sprintf("size=%d/parts=%d/brokers=%d/acks=%s/codec=%v/keys=%d",
		r.valueSize, r.partitions, r.brokers, acks, r.codec, r.keySize)
}

// rowEdit sets one dimension of a row.
type rowEdit func(*row)

func withSize(n int) rowEdit               { return func(r *row) { r.valueSize = n } }
func withPartitions(n int) rowEdit         { return func(r *row) { r.partitions = n } }
func withBrokers(n int) rowEdit            { return func(r *row) { r.brokers = n } }
func withAcksAll(all bool) rowEdit         { return func(r *row) { r.acksAll = all } }
func withCodec(c core.Compression) rowEdit { return func(r *row) { r.codec = c } }
func withKeys(size int) rowEdit            { return func(r *row) { r.keySize = size } }

// with returns r with edits applied in order.
func (r row) with(edits ...rowEdit) row {
	for _, edit := range edits {
		edit(&r)
	}
	return r
}

// dimensions lists each dimension's values; the first of each makes the
// baseline row.
var dimensions = [][]rowEdit{
	{withSize(100), withSize(1024)},
	{withPartitions(12), withPartitions(1000), withPartitions(10000)},
	{withBrokers(1), withBrokers(3)},
	{withAcksAll(false), withAcksAll(true)},
	{withCodec(core.CompressionNone), withCodec(core.CompressionLZ4), withCodec(core.CompressionZstd)},
	{withKeys(0), withKeys(16)},
}

// baseline is the row the default matrix varies one dimension at a time:
// 100-byte unkeyed records, 12 partitions, 1 broker, acks=1, no codec.
func baseline() row {
	var r row
	for _, values := range dimensions {
		r = r.with(values[0])
	}
	return r
}

// combinations are the default matrix's rows that change several
// dimensions of the baseline at once.
var combinations = [][]rowEdit{
	// Kafka's producer defaults on three brokers: the workload of the
	// comparison this matrix replaced.
	{withBrokers(3), withAcksAll(true)},
	{withBrokers(3), withAcksAll(true), withCodec(core.CompressionLZ4)},
	{withSize(1024), withCodec(core.CompressionZstd)},
	{withPartitions(1000), withKeys(16)},
	{withSize(1024), withBrokers(3), withAcksAll(true), withCodec(core.CompressionZstd), withKeys(16)},
}

// defaultRows are the baseline, every other value of each dimension on its
// own, then the combinations: 14 rows rather than the full product's 144.
func defaultRows() []row {
	base := baseline()
	rows := []row{base}
	for _, values := range dimensions {
		for _, edit := range values[1:] {
			rows = append(rows, base.with(edit))
		}
	}
	for _, edits := range combinations {
		rows = append(rows, base.with(edits...))
	}
	return rows
}

// fullRows is every combination of every dimension's values.
func fullRows() []row {
	rows := []row{{}}
	for _, values := range dimensions {
		next := make([]row, 0, len(rows)*len(values))
		for _, r := range rows {
			for _, edit := range values {
				next = append(next, r.with(edit))
			}
		}
		rows = next
	}
	return rows
}
