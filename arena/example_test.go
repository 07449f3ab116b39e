//go:build linux

package arena_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/perfproducer/perfproducer/arena"
)

func Example() {
	// buffer.memory = 1 MiB of batch.size = 16 KiB slots.
	a, err := arena.New(1<<20, 16<<10, arena.Options{Populate: true})
	if err != nil {
		panic(err)
	}
	defer a.Close()

	// A batch: wait up to max.block.ms for a slot, encode into it in place.
	batch, err := a.Alloc(context.Background(), 16<<10, 60*time.Second)
	if err != nil {
		panic(err)
	}
	n := copy(a.Bytes(batch), "record batch bytes")

	// A transport writes the bytes where they lie: offset within Region.
	fmt.Println(a.Offset(batch), n, len(a.Region()))

	// A record bigger than batch.size gets a run of slots of its own.
	big, err := a.TryAlloc(40 << 10)
	if err != nil {
		panic(err)
	}
	fmt.Println(big.Slots(), a.Stats().InUse)

	for _, s := range []arena.Span{batch, big} {
		if err := a.Free(s); err != nil {
			panic(err)
		}
	}
	fmt.Println(errors.Is(a.Free(batch), arena.ErrDoubleFree), a.Stats().InUse)
	// Output:
	// 0 18 1048576
	// 3 65536
	// true 0
}
