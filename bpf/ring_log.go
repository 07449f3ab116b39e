//go:build linux

package bpf

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/cilium/ebpf/ringbuf"
)

// ringLog collects the records of a ring buffer the probes fill without
// waking a reader: drain takes what it holds.
type ringLog[T any] struct {
	name   string
	reader *ringbuf.Reader
	size   int
	decode func([]byte) T
	got    []T
	err    error
}

// drain moves what the ring holds into l.got.
func (l *ringLog[T]) drain() {
	if l == nil || l.err != nil {
		return
	}
	// A deadline already passed makes the reader return what the ring
	// holds, then os.ErrDeadlineExceeded, without waiting.
	l.reader.SetDeadline(time.Now())
	var rec ringbuf.Record
	for {
		err := l.reader.ReadInto(&rec)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return
		}
		if err != nil {
			l.err = fmt.Errorf("bpf: reading the %s log: %w", l.name, err)
			return
		}
		if len(rec.RawSample) >= l.size {
			l.got = append(l.got, l.decode(rec.RawSample))
		}
	}
}

// all drains l and returns a copy of every record it has taken, or
// missing when there is no log (l is nil).
func (l *ringLog[T]) all(missing error) ([]T, error) {
	if l == nil {
		return nil, missing
	}
	l.drain()
	if l.err != nil {
		return nil, l.err
	}
	return slices.Clone(l.got), nil
}

// ringReader is l's reader, or nil for no log.
func (l *ringLog[T]) ringReader() *ringbuf.Reader {
	if l == nil {
		return nil
	}
	return l.reader
}
