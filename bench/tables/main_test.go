package main

import (
	"strings"
	"testing"
)

func TestTablesMedians(t *testing.T) {
	const input = `blackhole: on
BenchmarkMatrix/size=100/client=a-2   	 1000	 500.0 ns/op	 3 records/s
BenchmarkMatrix/size=100/client=b-2   	 1000	 900.0 ns/op	 10 records/s
BenchmarkMatrix/size=100/client=a-2   	 1000	 400.0 ns/op	 1 records/s
BenchmarkMatrix/size=100/client=a-2   	 1000	 450.0 ns/op	 2 records/s
--- BENCH: BenchmarkMatrix/size=100/client=a-2
BenchmarkOther-2   	 1000	 1.0 ns/op
`
	res := results{values: make(map[string]map[string]map[string][]float64)}
	if err := res.read(strings.NewReader(input)); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res.print(&out, "records/s", []string{"a", "b", "c"})
	want := "| Matrix/size=100 | 2 | 10 | – |"
	if !strings.Contains(out.String(), want) {
		t.Errorf("table\n%s\nhas no line %q", out.String(), want)
	}
	for _, tc := range []struct {
		values []float64
		want   float64
	}{
		{[]float64{3, 1, 2}, 2},
		{[]float64{4, 1, 3, 2}, 2.5},
		{nil, -1},
	} {
		if got := median(tc.values); got != tc.want {
			t.Errorf("median(%v) = %v, want %v", tc.values, got, tc.want)
		}
	}
}
