package bench

import (
	"fmt"
	"math/rand/v2"
)

// benchValues are the records' values, size bytes each: words drawn from a
// small vocabulary with a fixed seed, so they compress about as well as
// short text or JSON does, and every client sends the same bytes.
func benchValues(size int) [][]byte {
	words := []string{"order", "id", "customer", "amount", "EUR", "status", "shipped", "pending",
		"2024-05-17T10:32:11Z", "warehouse", "berlin", "sku", "qty", "price", "note", "gift"}
	rng := rand.New(rand.NewPCG(1, 2))
	values := make([][]byte, 1024)
	for i := range values {
		v := make([]byte, 0, size+32)
		for len(v) < size {
			v = append(v, words[rng.IntN(len(words))]...)
			v = append(v, ' ')
			v = fmt.Appendf(v, "%d ", rng.IntN(100000))
		}
		values[i] = v[:size]
	}
	return values
}

// benchKeyCount is how many distinct keys keyed rows cycle through: more
// than the widest row has partitions, so every partition gets records.
const benchKeyCount = 1 << 15

// keyFor is record i's key among keys (nil: records have no key).
func keyFor(keys [][]byte, i int) []byte {
	if keys == nil {
		return nil
	}
	return keys[i%len(keys)]
}

// benchKeys are random keys of size bytes from a fixed seed, or nil for
// size 0 (unkeyed records).
func benchKeys(size int) [][]byte {
	if size == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(3, 4))
	keys := make([][]byte, benchKeyCount)
	for i := range keys {
		keys[i] = make([]byte, size)
		for j := range keys[i] {
			keys[i][j] = byte(rng.Uint32())
		}
	}
	return keys
}
