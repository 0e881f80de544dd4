package report

import (
	"bytes"
	"context"
	"math"
	neturl "net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/mhero-go/mhero/internal/chromium"
	"github.com/mhero-go/mhero/internal/chromium/chromiumtest"
)

// screenshotDir is where the browser tests leave their screenshots, for a
// person to look at: $MHERO_SCREENSHOTS, or mhero-screenshots in the
// temporary directory.
func screenshotDir(t *testing.T) string {
	dir := os.Getenv("MHERO_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "mhero-screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// openInChromium loads an HTML report in headless Chromium and fails on any
// console message of level error, any exception and any request but the
// file itself; it saves a screenshot as name.png.
func openInChromium(t *testing.T, htmlPath, name string) *chromium.Page {
	t.Helper()
	exe := chromiumtest.Path(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	url := (&neturl.URL{Scheme: "file", Path: htmlPath}).String()
	p, err := chromium.Load(ctx, exe, url, chromium.Options{Width: 900, Screenshot: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range p.Messages {
		t.Logf("console %s: %s", m.Type, m.Text)
	}
	if errs := p.Errors(); len(errs) > 0 {
		t.Errorf("%s: %d console errors, first: %s", name, len(errs), errs[0].Text)
	}
	for _, r := range p.Requests {
		if r.URL != url {
			t.Errorf("%s made a request to %s", name, r.URL)
		}
	}
	if len(p.Requests) != 1 {
		t.Errorf("%s: %d requests, want the page's own only", name, len(p.Requests))
	}
	shot := filepath.Join(screenshotDir(t), name+".png")
	if err := os.WriteFile(shot, p.Screenshot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: loaded in %v (browser start to stop %v); screenshot %s (%d bytes)", name, p.Took.Round(time.Millisecond), p.Elapsed.Round(time.Millisecond), shot, len(p.Screenshot))
	return p
}

var mediaBox = regexp.MustCompile(`/MediaBox\s*\[\s*0\s+0\s+([0-9.]+)\s+([0-9.]+)\s*\]`)

// checkA4 checks that every page of a PDF is A4 (595 × 842 points).
func checkA4(t *testing.T, pdf []byte) {
	t.Helper()
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("not a PDF")
	}
	boxes := mediaBox.FindAllSubmatch(pdf, -1)
	if len(boxes) == 0 {
		t.Fatal("the PDF names no page size")
	}
	for _, b := range boxes {
		w, _ := strconv.ParseFloat(string(b[1]), 64)
		h, _ := strconv.ParseFloat(string(b[2]), 64)
		if math.Abs(w-595.3) > 1 || math.Abs(h-841.9) > 1 {
			t.Errorf("page of %g × %g points, want A4 (595.3 × 841.9)", w, h)
		}
	}
	t.Logf("PDF: %d pages, %d bytes", len(boxes), len(pdf))
}

func TestOverviewInChromium(t *testing.T) {
	t.Parallel()
	chromiumtest.Path(t)
	dir := filepath.Join(t.TempDir(), "My Reports #1") // a space and a # in the path
	o := sampleOptions
	o.NoPDF = false
	r := &Overview{Analysis: sampleAnalysis(), NonResponders: sampleNonResponders(), Options: o}
	began := time.Now()
	files, err := r.WriteFiles(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %v in %v", files.Paths, time.Since(began).Round(time.Millisecond))
	if files.PDFSkipped != "" || len(files.Paths) != 3 {
		t.Fatalf("files %v, skipped %q: want HTML, Markdown and PDF", files.Paths, files.PDFSkipped)
	}
	for _, p := range files.Paths {
		if fi, err := os.Stat(p); err == nil {
			t.Logf("%s: %d bytes", filepath.Base(p), fi.Size())
		}
	}
	openInChromium(t, files.Paths[0], "overview")
	pdf, err := os.ReadFile(files.Paths[2])
	if err != nil {
		t.Fatal(err)
	}
	checkA4(t, pdf)
	if os.Getenv("MHERO_SCREENSHOTS") != "" {
		os.WriteFile(filepath.Join(screenshotDir(t), "overview.pdf"), pdf, 0o644)
		os.WriteFile(filepath.Join(screenshotDir(t), "overview.html"), mustRead(t, files.Paths[0]), 0o644)
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
