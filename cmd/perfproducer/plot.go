package main

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"strings"

	"github.com/perfproducer/perfproducer/perf"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// plotFormat is --plot's image format, chosen by the file's extension.
type plotFormat string

const (
	plotSVG plotFormat = "svg"
	plotPNG plotFormat = "png"
)

func plotFormatOf(name string) (plotFormat, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".svg":
		return plotSVG, nil
	case ".png":
		return plotPNG, nil
	}
	return "", usagef("--plot %q should name a .svg or .png file", name)
}

// The image: two panels side by side, each 6 by 4.5 inches (PNG at 96 dpi).
const (
	panelWidth  = 6 * vg.Inch
	panelHeight = 4.5 * vg.Inch
)

// Plot titles and labels; tests find them in the SVG.
const (
	latencyTitle    = "Latency by percentile"
	throughputTitle = "Throughput"
	correctedName   = "from intended send time"
	uncorrectedName = "from append"
	latencyName     = "latency"
)

// headroom leaves space above the highest point for the legend.
const headroom = 1.15

// percentileTicks label the log scale of 1/(1-p) as HdrHistogram's
// plots do.
var percentileTicks = []plot.Tick{
	{Value: 1, Label: "0%"}, {Value: 2, Label: "50%"}, {Value: 10, Label: "90%"}, {Value: 100, Label: "99%"},
	{Value: 1e3, Label: "99.9%"}, {Value: 1e4, Label: "99.99%"}, {Value: 1e5, Label: "99.999%"}, {Value: 1e6, Label: "99.9999%"},
}

// drawPlot draws sum's latency percentile curve (and the uncorrected one
// of a paced run) beside its throughput per interval, and writes the image
// to w in format.
func drawPlot(w io.Writer, format plotFormat, sum perf.Summary) error {
	lat, err := latencyPlot(sum)
	if err != nil {
		return err
	}
	thr, err := throughputPlot(sum.Intervals)
	if err != nil {
		return err
	}
	var c interface {
		vg.CanvasSizer
		io.WriterTo
	}
	switch format {
	case plotSVG:
		c = vgsvg.New(2*panelWidth, panelHeight)
	default:
		c = vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(2*panelWidth, panelHeight), vgimg.UseDPI(96))}
	}
	panels := plot.Align([][]*plot.Plot{{lat, thr}}, draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Centimeter}, draw.New(c))
	lat.Draw(panels[0][0])
	thr.Draw(panels[0][1])
	_, err = c.WriteTo(w)
	return err
}

// latencySeries is one curve of the latency panel.
type latencySeries struct {
	name  string
	curve []perf.CurvePoint
	color color.Color
}

// latencyPlot is the percentile curve: x is 1/(1-p) on a log scale, y the
// latency in milliseconds.
func latencyPlot(sum perf.Summary) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = latencyTitle
	p.X.Label.Text = "percentile"
	p.Y.Label.Text = "latency (ms)"
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = plot.ConstantTicks(percentileTicks)
	p.X.Min, p.X.Max = 1, 10
	p.Y.Min = 0
	p.Legend.Top = true
	p.Legend.Left = true
	p.Add(plotter.NewGrid())
	series := []latencySeries{{latencyName, sum.Latency.Curve, color.RGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xff}}}
	if sum.Uncorrected != nil {
		series[0].name = correctedName
		series = append(series, latencySeries{uncorrectedName, sum.Uncorrected.Curve, color.RGBA{R: 0xff, G: 0x7f, B: 0x0e, A: 0xff}})
	}
	for _, s := range series {
		if len(s.curve) == 0 {
			continue
		}
		xys := make(plotter.XYs, len(s.curve))
		for i, pt := range s.curve {
			xys[i].X = 1 / (1 - pt.Percentile/100)
			xys[i].Y = float64(pt.Latency) / 1e6
			p.X.Max = math.Max(p.X.Max, xys[i].X)
			p.Y.Max = math.Max(p.Y.Max, xys[i].Y*headroom)
		}
		line, err := plotter.NewLine(xys)
		if err != nil {
			return nil, fmt.Errorf("plotting the latency curve: %w", err)
		}
		line.Color = s.color
		line.Width = vg.Points(1.5)
		p.Add(line)
		p.Legend.Add(s.name, line)
	}
	return p, nil
}

// throughputPlot is records/s of each interval against time since the
// measurement start, a step per interval.
func throughputPlot(intervals []perf.Interval) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = throughputTitle
	p.X.Label.Text = "time (s)"
	p.Y.Label.Text = "records/s"
	p.X.Min, p.Y.Min = 0, 0
	p.Add(plotter.NewGrid())
	if len(intervals) == 0 {
		p.X.Max, p.Y.Max = 1, 1
		return p, nil
	}
	xys := make(plotter.XYs, 0, 2*len(intervals))
	for _, iv := range intervals {
		p.Y.Max = math.Max(p.Y.Max, iv.RecordsPerSec*headroom)
		xys = append(xys,
			plotter.XY{X: iv.Start.Seconds(), Y: iv.RecordsPerSec},
			plotter.XY{X: iv.End.Seconds(), Y: iv.RecordsPerSec})
	}
	line, err := plotter.NewLine(xys)
	if err != nil {
		return nil, fmt.Errorf("plotting the throughput: %w", err)
	}
	line.Width = vg.Points(1.5)
	p.Add(line)
	return p, nil
}
