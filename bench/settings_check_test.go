package bench

import (
	"bytes"
	"context"
	"testing"
	"time"
)

// TestMatrixSettingsValues: BENCH_VALUES chooses reused or fresh values and
// refuses anything else.
func TestMatrixSettingsValues(t *testing.T) {
	for _, tc := range []struct {
		value   string
		fresh   bool
		wantErr bool
	}{{"", false, false}, {"reused", false, false}, {"fresh", true, false}, {"new", false, true}} {
		t.Setenv(valuesEnv, tc.value)
		s, err := matrixSettingsFromEnv()
		if (err != nil) != tc.wantErr || s.freshValues != tc.fresh {
			t.Errorf("%s=%q: fresh %v, error %v; want fresh %v, an error %v", valuesEnv, tc.value, s.freshValues, err, tc.fresh, tc.wantErr)
		}
	}
}

// valueRecorder is a benchProducer that keeps the values it is given.
type valueRecorder struct{ values [][]byte }

func (v *valueRecorder) produce(_ context.Context, _ int64, _, value []byte) error {
	v.values = append(v.values, value)
	return nil
}
func (v *valueRecorder) flush(context.Context) error { return nil }
func (v *valueRecorder) close()                      {}

// TestThroughputRunFreshValues: with fresh values every timed record's
// value is a copy of its own, with the reused value's bytes; without, the
// records share the 1,024 reused values.
func TestThroughputRunFreshValues(t *testing.T) {
	const records = 3000
	r := row{valueSize: 100, partitions: 12, brokers: 1}
	noCPU := func() (time.Duration, error) { return 0, nil }
	for _, fresh := range []bool{false, true} {
		rec := new(valueRecorder)
		client := benchClient{name: "recorder", open: func([]string, row, ackFunc) (benchProducer, error) { return rec, nil }}
		if _, err := throughputRun(context.Background(), client, r, nil, records, 0, fresh, noCPU); err != nil {
			t.Fatal(err)
		}
		timed := rec.values[benchWarmup:]
		if len(timed) != records {
			t.Fatalf("%d timed records, want %d", len(timed), records)
		}
		values := benchValues(r.valueSize)
		shared := 0
		for i, v := range timed {
			if !bytes.Equal(v, values[i%len(values)]) {
				t.Fatalf("fresh=%v: record %d's value differs from the reused value", fresh, i)
			}
			if i >= len(values) && &v[0] == &timed[i-len(values)][0] {
				shared++
			}
		}
		if want := map[bool]int{false: records - len(values), true: 0}[fresh]; shared != want {
			t.Errorf("fresh=%v: %d records share a value with the record 1,024 before, want %d", fresh, shared, want)
		}
	}
}
