package bench

import (
	"testing"

	"github.com/twmb/franz-go/pkg/kmsg"
)

func TestCountBatches(t *testing.T) {
	batch := func(records int32) []byte {
		b := kmsg.RecordBatch{Magic: 2, NumRecords: records, Records: make([]byte, 10*int(records))}
		b.Length = int32(len(b.AppendTo(nil)) - 12) // the bytes after baseOffset and batchLength
		return b.AppendTo(nil)
	}
	var section []byte
	for _, n := range []int32{1, 7, 150} {
		section = append(section, batch(n)...)
	}
	if batches, records := countBatches(section); batches != 3 || records != 158 {
		t.Fatalf("three batches of 1, 7 and 150 records: counted %d batches of %d records", batches, records)
	}
	// A truncated last batch is not counted.
	if batches, records := countBatches(section[:len(section)-1]); batches != 2 || records != 8 {
		t.Fatalf("the last batch cut short: counted %d batches of %d records, want 2 of 8", batches, records)
	}
	if batches, records := countBatches(nil); batches != 0 || records != 0 {
		t.Fatalf("no records: counted %d batches of %d records", batches, records)
	}
}
