//go:build !linux

package bpf

import (
	"context"
	"fmt"
	"runtime"
)

// Tracer is the probes of one process; on this system there are none.
type Tracer struct{}

// Attach returns an error that matches ErrNotSupported: eBPF is Linux's.
func Attach(ctx context.Context, o Options) (*Tracer, error) {
	return nil, fmt.Errorf("%w: %s has no eBPF", ErrNotSupported, runtime.GOOS)
}

// Snapshot returns ErrNotSupported.
func (t *Tracer) Snapshot() (Snapshot, error) { return Snapshot{}, ErrNotSupported }

// Close does nothing.
func (t *Tracer) Close() error { return nil }

// Writevs returns ErrNotSupported.
func (t *Tracer) Writevs() ([]Writev, error) { return nil, ErrNotSupported }

// WritevsLost returns ErrNotSupported.
func (t *Tracer) WritevsLost() (uint64, error) { return 0, ErrNotSupported }

// Stages returns ErrNotSupported.
func (t *Tracer) Stages(batches []BatchStamps) (BatchReport, error) {
	return BatchReport{}, ErrNotSupported
}

// Batches returns ErrNotSupported.
func (t *Tracer) Batches() ([]BatchStamps, error) { return nil, ErrNotSupported }

// StampsLost returns ErrNotSupported.
func (t *Tracer) StampsLost() (uint64, error) { return 0, ErrNotSupported }
