// Command tables prints the medians of benchmark results as Markdown
// tables, one per metric, a workload per line and a client per column:
// the tables of BENCHMARKS.md. It reads Go benchmark output (the files
// scripts/bench writes) whose names end in /client=NAME.
//
// With -profiles, it also splits the first client's CPU per record, and
// -peer's, by kind of work (codec, system calls, copies, GC, runtime, the
// client's own code) as their CPU profiles do, and says for each row where
// the first client is over half the peer's CPU what overruns that budget.
//
// Usage: go run ./tables [-metrics unit,unit,...] [-clients a,b,...] [-profiles dir [-peer name]] file...
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// benchLine is a result line: its name (the -N GOMAXPROCS suffix removed),
// iterations, then value-unit pairs.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// results holds every value of a workload, client and unit, in input order.
type results struct {
	workloads []string // in first-seen order
	clients   []string
	values    map[string]map[string]map[string][]float64 // workload, client, unit
}

func main() {
	metrics := flag.String("metrics", "records/s,MB/s,cpu-ns/op,peak-rss-MiB", "the units to tabulate, one table each, in this order")
	clients := flag.String("clients", "", "the clients' columns, in this order (default: as first seen)")
	profiles := flag.String("profiles", "", "a directory of the matrix's CPU profiles (BENCH_PROFILE): adds a table of where the first client's CPU goes beside -peer's")
	peer := flag.String("peer", "franz-go", "with -profiles, the client whose CPU per record the first one's is held against")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "tables: name at least one file of benchmark results")
		os.Exit(2)
	}
	res := results{values: make(map[string]map[string]map[string][]float64)}
	for _, name := range flag.Args() {
		f, err := os.Open(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tables: %v\n", err)
			os.Exit(1)
		}
		err = res.read(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(os.Stderr, "tables: %s: %v\n", name, err)
			os.Exit(1)
		}
	}
	columns := res.clients
	if *clients != "" {
		columns = strings.Split(*clients, ",")
	}
	for _, unit := range strings.Split(*metrics, ",") {
		res.print(os.Stdout, unit, columns)
	}
	if *profiles != "" {
		splits, err := readSplits(*profiles)
		if err != nil {
			fmt.Fprintf(os.Stderr, "tables: %v\n", err)
			os.Exit(1)
		}
		res.printSplits(os.Stdout, splits, columns[0], *peer)
	}
}

func (res *results) read(r io.Reader) error {
	lines := bufio.NewScanner(r)
	lines.Buffer(nil, 1<<20)
	for lines.Scan() {
		m := benchLine.FindStringSubmatch(lines.Text())
		if m == nil {
			continue
		}
		workload, client, ok := strings.Cut(m[1], "/client=")
		if !ok {
			continue
		}
		fields := strings.Fields(m[2])
		if len(fields)%2 != 0 {
			return fmt.Errorf("%s: values and units do not pair up", m[1])
		}
		if res.values[workload] == nil {
			res.values[workload] = make(map[string]map[string][]float64)
			res.workloads = append(res.workloads, workload)
		}
		if res.values[workload][client] == nil {
			res.values[workload][client] = make(map[string][]float64)
		}
		if !slices.Contains(res.clients, client) {
			res.clients = append(res.clients, client)
		}
		for i := 0; i < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return fmt.Errorf("%s: %w", m[1], err)
			}
			unit := fields[i+1]
			res.values[workload][client][unit] = append(res.values[workload][client][unit], v)
		}
	}
	return lines.Err()
}

// print writes unit's table: the median of each workload and client, with
// the number of runs it is the median of when they differ between cells.
func (res *results) print(w io.Writer, unit string, columns []string) {
	fmt.Fprintf(w, "\n%s (median)\n\n| workload | %s |\n|---|%s\n", unit, strings.Join(columns, " | "), strings.Repeat("---:|", len(columns)))
	for _, workload := range res.workloads {
		cells := make([]string, len(columns))
		for i, client := range columns {
			cells[i] = format(median(res.values[workload][client][unit]))
		}
		fmt.Fprintf(w, "| %s | %s |\n", strings.TrimPrefix(workload, "Benchmark"), strings.Join(cells, " | "))
	}
}

func median(vs []float64) float64 {
	if len(vs) == 0 {
		return -1
	}
	s := slices.Sorted(slices.Values(vs))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// format prints three significant digits, or a dash for no value.
func format(v float64) string {
	switch {
	case v < 0:
		return "–"
	case v >= 1000:
		return strconv.FormatFloat(v, 'f', 0, 64)
	default:
		return strconv.FormatFloat(v, 'g', 3, 64)
	}
}
