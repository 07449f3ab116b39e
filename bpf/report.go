package bpf

import (
	"encoding/json"
	"fmt"
	"io"
)

// Report is a trace's result as a program prints or stores it: the
// kernel's tables and, for a producer that stamped its batches, their
// per-stage breakdown. Its JSON form (EncodeJSON) names durations in
// nanoseconds and histograms as NumBuckets log2 buckets.
type Report struct {
	Kernel  Snapshot     `json:"kernel"`
	Batches *BatchReport `json:"batches,omitempty"`
}

// EncodeJSON writes r to w as one JSON document.
func (r *Report) EncodeJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("bpf: encoding the trace report: %w", err)
	}
	return nil
}

// DecodeReport reads a Report that EncodeJSON wrote.
func DecodeReport(rd io.Reader) (Report, error) {
	var r Report
	if err := json.NewDecoder(rd).Decode(&r); err != nil {
		return Report{}, fmt.Errorf("bpf: decoding a trace report: %w", err)
	}
	return r, nil
}
