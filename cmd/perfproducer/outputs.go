package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/perfproducer/perfproducer/perf"
)

// outputs are the files --json and --plot name. They are created before
// the run, so that a path that cannot be written fails at once rather than
// after a long run; a file the run ended without writing is removed.
type outputs struct {
	json, plot  *os.File
	plotFormat  plotFormat
	jsonWritten bool
	plotWritten bool
}

func createOutputs(o *options) (*outputs, error) {
	out := &outputs{}
	var err error
	if o.jsonFile != "" {
		if out.json, err = os.Create(o.jsonFile); err != nil {
			return nil, usagef("--json %s cannot be written: %v", o.jsonFile, err)
		}
	}
	if o.plotFile != "" {
		if out.plotFormat, err = plotFormatOf(o.plotFile); err == nil {
			out.plot, err = os.Create(o.plotFile)
		}
		if err != nil {
			out.close()
			return nil, usagef("--plot %s cannot be written: %v", o.plotFile, err)
		}
	}
	return out, nil
}

// writeJSON writes doc, indented, to the --json file and closes it.
func (out *outputs) writeJSON(doc *runReport) error {
	w := bufio.NewWriter(out.json)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	err := enc.Encode(doc)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = out.json.Close()
	}
	if err != nil {
		return fmt.Errorf("writing --json %s: %w", out.json.Name(), err)
	}
	out.jsonWritten = true
	return nil
}

// writePlot draws sum to the --plot file and closes it.
func (out *outputs) writePlot(sum perf.Summary) error {
	w := bufio.NewWriter(out.plot)
	err := drawPlot(w, out.plotFormat, sum)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = out.plot.Close()
	}
	if err != nil {
		return fmt.Errorf("writing --plot %s: %w", out.plot.Name(), err)
	}
	out.plotWritten = true
	return nil
}

// close removes the files not written.
func (out *outputs) close() {
	for _, f := range []struct {
		file    *os.File
		written bool
	}{{out.json, out.jsonWritten}, {out.plot, out.plotWritten}} {
		if f.file != nil && !f.written {
			f.file.Close()
			os.Remove(f.file.Name())
		}
	}
}
