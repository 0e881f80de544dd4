package report

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/mhero-go/mhero/internal/chromium"
)

var errNoAnalysis = errors.New("report: no analysis to report")

// Files are the files a report wrote.
type Files struct {
	// Paths are the files written, in order.
	Paths []string
	// PDFSkipped says why no PDF was printed, as a sentence to show the
	// user ("PDF skipped: Chromium not found"); it is empty when the PDF
	// was printed or not asked for.
	PDFSkipped string
}

// writeFile writes a file atomically: a report half written by a killed
// process never replaces a good one.
func writeFile(path string, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriterSize(tmp, 64<<10)
	if err := write(bw); err != nil {
		tmp.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// htmlAndMarkdown writes base.html and base.md with the writers, then
// base.pdf printed from the HTML unless the options say not to.
func htmlAndMarkdown(ctx context.Context, o *Options, dir, base string, html, md func(w io.Writer) error) (*Files, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f := &Files{}
	hp := filepath.Join(dir, base+".html")
	if err := writeFile(hp, html); err != nil {
		return nil, fmt.Errorf("report: writing %s: %w", hp, err)
	}
	f.Paths = append(f.Paths, hp)
	mp := filepath.Join(dir, base+".md")
	if err := writeFile(mp, md); err != nil {
		return nil, fmt.Errorf("report: writing %s: %w", mp, err)
	}
	f.Paths = append(f.Paths, mp)
	if o.NoPDF {
		return f, nil
	}
	pp := filepath.Join(dir, base+".pdf")
	switch err := PrintPDF(ctx, o.Chromium, hp, pp); {
	case errors.Is(err, chromium.ErrNotFound):
		f.PDFSkipped = "PDF skipped: Chromium not found (install chromium, or set MHERO_CHROMIUM)"
	case err != nil:
		return f, err
	default:
		f.Paths = append(f.Paths, pp)
	}
	return f, nil
}

// PrintPDF prints an HTML report to a PDF on A4 paper with headless
// Chromium: browser is its path, or "" to find one (see chromium.Find:
// MHERO_CHROMIUM, then chromium, chromium-browser, google-chrome on PATH).
// The error wraps chromium.ErrNotFound when there is none.
func PrintPDF(ctx context.Context, browser, htmlPath, pdfPath string) error {
	if browser == "" {
		p, err := chromium.Find()
		if err != nil {
			return err
		}
		browser = p
	}
	abs, err := filepath.Abs(htmlPath)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// A URL, not "file://"+path: a Director's "My Reports" folder has a
	// space, and a path may hold a # or a ?.
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}
	pdf, err := chromium.PrintPDF(ctx, browser, u.String())
	if err != nil {
		return fmt.Errorf("report: printing %s: %w", htmlPath, err)
	}
	return writeFile(pdfPath, func(w io.Writer) error { _, err := w.Write(pdf); return err })
}

// WriteFiles writes the report into dir as NAME-overview.html, .md and,
// when Chromium is installed, .pdf (NAME from the use case or the
// workflow), and returns their paths.
func (r *Overview) WriteFiles(ctx context.Context, dir string) (*Files, error) {
	if r.Analysis == nil {
		return nil, errNoAnalysis
	}
	return htmlAndMarkdown(ctx, &r.Options, dir, baseName(&r.Options, r.Analysis.Flow.Name)+"-overview",
		func(w io.Writer) error { return r.WriteHTML(w) },
		func(w io.Writer) error { return r.WriteMarkdown(w) })
}

// baseName is the start of a report's file names.
func baseName(o *Options, flow string) string {
	if o.UseCase != nil && o.UseCase.ID != "" {
		return slug(o.UseCase.ID)
	}
	return slug(flow)
}
