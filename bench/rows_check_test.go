package bench

import "testing"

// TestMatrixRows pins the names scripts and BENCHMARKS.md select rows by, and checks
// that no two rows of a matrix share a name.
func TestMatrixRows(t *testing.T) {
	const wantBaseline = "size=100/parts=12/brokers=1/acks=1/codec=none/keys=0"
	if got := baseline().String(); got != wantBaseline {
		t.Errorf("baseline is %s, want %s", got, wantBaseline)
	}
	for _, tc := range []struct {
		name string
		rows []row
		want int
	}{
		{"default", defaultRows(), 1 + 1 + 2 + 1 + 1 + 2 + 1 + len(combinations)},
		{"full", fullRows(), 2 * 3 * 2 * 2 * 3 * 2},
	} {
		seen := make(map[string]bool)
		for _, r := range tc.rows {
			if seen[r.String()] {
				t.Errorf("%s matrix: row %s twice", tc.name, r)
			}
			seen[r.String()] = true
		}
		if len(seen) != tc.want {
			t.Errorf("%s matrix: %d distinct rows, want %d", tc.name, len(seen), tc.want)
		}
	}
}
