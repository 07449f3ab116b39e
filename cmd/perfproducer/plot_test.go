package main

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"image"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/perfproducer/perfproducer/perf"
)

// svgTexts returns the text of every <text> element of an SVG document,
// failing the test if it is not well-formed XML with an <svg> root.
func svgTexts(t *testing.T, data []byte) []string {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	var texts []string
	var root string
	inText := false
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed XML: %v", err)
		}
		switch el := tok.(type) {
		case xml.StartElement:
			if root == "" {
				root = el.Name.Local
			}
			inText = el.Name.Local == "text"
		case xml.CharData:
			if inText {
				texts = append(texts, strings.TrimSpace(string(el)))
			}
		case xml.EndElement:
			inText = false
		}
	}
	if root != "svg" {
		t.Fatalf("root element %q, want svg", root)
	}
	return texts
}

func TestRunPlotSVG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.svg")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "3000", "--throughput", "20000", "--embedded-brokers", "1", "--plot", path}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	texts := strings.Join(svgTexts(t, data), "\n")
	// Both panels' titles and axes, the percentile labels, and a paced
	// run's two curves in the legend.
	for _, want := range []string{latencyTitle, throughputTitle, "percentile", "latency (ms)", "time (s)", "records/s",
		"0%", "50%", "90%", "99%", "99.9%", correctedName, uncorrectedName} {
		if !strings.Contains("\n"+texts+"\n", "\n"+want+"\n") {
			t.Errorf("no text %q in the SVG; its texts:\n%s", want, texts)
		}
	}
	if paths := bytes.Count(data, []byte("<path")); paths < 4 {
		t.Errorf("%d paths in the SVG, want the curves, the step line and the axes", paths)
	}
}

func TestRunPlotPNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.PNG")
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"--num-records", "3000", "--embedded-brokers", "1", "--plot", path}, &stdout, &stderr)
	if code != exitOK {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, format, err := image.Decode(f)
	if err != nil || format != "png" {
		t.Fatalf("decoding the plot: format %q, %v", format, err)
	}
	// Two 6 by 4.5 inch panels at 96 dpi.
	if b := img.Bounds(); b.Dx() != 1152 || b.Dy() != 432 {
		t.Fatalf("image of %v, want 1152x432", b)
	}
	colors := map[[4]uint32]bool{}
	for y := img.Bounds().Min.Y; y < img.Bounds().Max.Y; y += 3 {
		for x := img.Bounds().Min.X; x < img.Bounds().Max.X; x += 3 {
			r, g, b, a := img.At(x, y).RGBA()
			colors[[4]uint32{r, g, b, a}] = true
		}
	}
	if len(colors) < 3 {
		t.Fatalf("%d colours in the image: nothing drawn", len(colors))
	}
}

// TestDrawPlotOfNothing: a run that counted no record still draws both
// panels.
func TestDrawPlotOfNothing(t *testing.T) {
	start := time.Unix(0, 0)
	sum := perf.NewStats(nil, start, 0).Summary(start)
	for _, format := range []plotFormat{plotSVG, plotPNG} {
		var buf bytes.Buffer
		if err := drawPlot(&buf, format, sum); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		if format == plotPNG {
			if _, err := png.Decode(&buf); err != nil {
				t.Fatalf("png: %v", err)
			}
			continue
		}
		if texts := strings.Join(svgTexts(t, buf.Bytes()), "\n"); !strings.Contains(texts, latencyTitle) || !strings.Contains(texts, throughputTitle) {
			t.Fatalf("svg of no records lacks a panel's title:\n%s", texts)
		}
	}
}
