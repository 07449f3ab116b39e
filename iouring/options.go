package iouring

import "fmt"

// Options size the ring.
type Options struct {
	// Entries is the number of submission queue entries: how many
	// operations can be prepared between two Submits. The kernel rounds it
	// up to a power of two. 0 means 256; at most 32768.
	Entries uint32

	// CQEntries is the number of completion queue entries, rounded up to a
	// power of two. Completions beyond it wait in the kernel (none is
	// lost) until Completions makes room. 0 means twice Entries; otherwise
	// from Entries to 65536.
	CQEntries uint32
}

const defaultEntries = 256

func (o Options) withDefaults() (Options, error) {
	if o.Entries == 0 {
		o.Entries = defaultEntries
	}
	if o.Entries > maxEntries {
		return o, fmt.Errorf("%w: Entries is %d, more than the kernel's limit of %d", ErrInvalidOptions, o.Entries, maxEntries)
	}
	if o.CQEntries != 0 && (o.CQEntries < o.Entries || o.CQEntries > maxCQEntries) {
		return o, fmt.Errorf("%w: CQEntries is %d; it must be from Entries (%d) to %d", ErrInvalidOptions, o.CQEntries, o.Entries, maxCQEntries)
	}
	return o, nil
}
