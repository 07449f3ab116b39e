package arena

import "sync/atomic"

// generationSpread is how many uint32 generations share a 64-byte cache line.
const generationSpread = 16

// generationTable holds one generation per slot (as many as a slot's
// smallest pieces when pieces are on; see Arena.unitOf): how many spans
// issued under it were freed. A span carries its entry's generation when
// issued, and Free advances it by compare-and-swap, so each span is freed
// once and a stale copy never releases memory someone else now holds (short
// of a copy kept across 2^32 reuses of its slot, when the count wraps).
//
// Lowest-first allocation hands neighbouring slots to concurrent callers, so
// neighbours are stored a stride apart, on different cache lines: freeing
// them at once does not bounce one line between cores.
type generationTable struct {
	generations []atomic.Uint32
	stride      int
}

func newGenerationTable(slots int) generationTable {
	stride := (slots + generationSpread - 1) / generationSpread
	return generationTable{generations: make([]atomic.Uint32, stride*generationSpread), stride: stride}
}

// of returns the generation of slot.
func (t *generationTable) of(slot int) *atomic.Uint32 {
	return &t.generations[slot%generationSpread*t.stride+slot/generationSpread]
}
