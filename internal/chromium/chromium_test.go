package chromium_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhero-go/mhero/internal/chromium"
	"github.com/mhero-go/mhero/internal/chromium/chromiumtest"
)

func writePage(t *testing.T, html string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "page.html")
	if err := os.WriteFile(p, []byte(html), 0o644); err != nil {
		t.Fatal(err)
	}
	return "file://" + p
}

// TestLoadSeesErrorsAndRequests is the control of the report's browser
// test: a page that logs an error, throws, and fetches an image and a
// stylesheet is seen doing each.
func TestLoadSeesErrorsAndRequests(t *testing.T) {
	t.Parallel()
	exe := chromiumtest.Path(t)
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1); http.NotFound(w, r) }))
	defer srv.Close()
	url := writePage(t, `<!doctype html><html><head><title>bad</title>
<link rel="stylesheet" href="`+srv.URL+`/style.css"></head>
<body><img src="`+srv.URL+`/logo.png">
<script>console.error("boom"); throw new Error("thrown");</script></body></html>`)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := chromium.Load(ctx, exe, url, chromium.Options{Screenshot: true})
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, m := range p.Errors() {
		texts = append(texts, m.Text)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"boom", "thrown"} {
		if !strings.Contains(all, want) {
			t.Errorf("errors %q lack %q", texts, want)
		}
	}
	var urls []string
	for _, r := range p.Requests {
		urls = append(urls, r.URL)
	}
	if len(urls) < 3 || urls[0] != url {
		t.Errorf("requests = %q, want the page then its stylesheet and image", urls)
	}
	for _, want := range []string{"/style.css", "/logo.png"} {
		if !strings.Contains(strings.Join(urls, " "), want) {
			t.Errorf("requests %q lack %s", urls, want)
		}
	}
	if hits.Load() < 2 {
		t.Errorf("the server saw %d requests, want 2", hits.Load())
	}
	if !bytes.HasPrefix(p.Screenshot, []byte("\x89PNG")) {
		t.Errorf("screenshot is not a PNG: % x", p.Screenshot[:min(8, len(p.Screenshot))])
	}
}

func TestLoadQuietPage(t *testing.T) {
	t.Parallel()
	exe := chromiumtest.Path(t)
	url := writePage(t, `<!doctype html><html><head><title>ok</title></head><body><p>Hello</p></body></html>`)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	p, err := chromium.Load(ctx, exe, url, chromium.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Errors()) != 0 || len(p.Requests) != 1 || p.Requests[0].URL != url {
		t.Errorf("errors %v, requests %v: want none but the page", p.Errors(), p.Requests)
	}
}

func TestPrintPDF(t *testing.T) {
	t.Parallel()
	exe := chromiumtest.Path(t)
	url := writePage(t, `<!doctype html><html><body><h1>Report</h1></body></html>`)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pdf, err := chromium.PrintPDF(ctx, exe, url)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Errorf("not a PDF: %q", pdf[:min(16, len(pdf))])
	}
}

func TestFindHonoursEnv(t *testing.T) {
	t.Setenv("MHERO_CHROMIUM", filepath.Join(t.TempDir(), "no-such-browser"))
	if _, err := chromium.Find(); err == nil {
		t.Error("Find accepted a missing MHERO_CHROMIUM")
	}
}
