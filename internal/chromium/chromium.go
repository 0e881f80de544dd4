// Package chromium drives a headless Chromium (or Chrome) installed on the
// machine, through the DevTools protocol (chromedp), for what the reports
// need: print a page to PDF, and load a page recording its console messages
// and network requests, with a screenshot.
//
// The browser is found on the machine, never downloaded: [Find] looks at
// $MHERO_CHROMIUM, then chromium, chromium-browser, google-chrome and
// google-chrome-stable on PATH.
package chromium

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"sync"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// ErrNotFound is returned by Find when no Chromium or Chrome is installed.
var ErrNotFound = errors.New("chromium: Chromium not found (install Debian's chromium, or set MHERO_CHROMIUM to a Chromium or Chrome binary)")

// names are the binaries Find looks for on PATH, in order.
var names = []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"}

// Find returns the path of the Chromium to use: $MHERO_CHROMIUM when set,
// else the first of chromium, chromium-browser, google-chrome and
// google-chrome-stable found on PATH. It returns ErrNotFound otherwise.
func Find() (string, error) {
	if p := os.Getenv("MHERO_CHROMIUM"); p != "" {
		path, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("chromium: MHERO_CHROMIUM=%s: %w", p, err)
		}
		return path, nil
	}
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p, nil
		}
	}
	return "", ErrNotFound
}

// A4 is the paper the reports are printed on, in inches.
var A4 = chromedp.PaperA4

// start starts a headless browser for one job and returns its context. The
// flags are those that keep Chromium quiet on a machine without network:
// no background networking, component updates, sync or first-run work, a
// new empty profile (chromedp makes one), and no sandbox when running as
// root, where Chromium refuses to start with it.
func start(ctx context.Context, path string, width, height int) (context.Context, context.CancelFunc) {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.WindowSize(width, height),
	)
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	return bctx, func() { cancelBrowser(); cancelAlloc() }
}

// PrintPDF loads url (a file:// URL, say) in a headless browser at path and
// prints it to a PDF on A4 paper with its backgrounds, the page's own
// @page rules taking precedence.
func PrintPDF(ctx context.Context, path, url string) ([]byte, error) {
	bctx, cancel := start(ctx, path, 1240, 1754)
	defer cancel()
	// The first Run starts the browser: it must not carry a timeout of its
	// own (chromedp), so the caller's context bounds the whole job.
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		return nil, fmt.Errorf("chromium: loading %s: %w", url, err)
	}
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(
		chromedp.PDFPaper(A4),
		chromedp.PDFPreferCSSPageSize(),
		chromedp.PDFPrintBackground(),
		chromedp.PDFOutlineAndTagged(),
	))
	if err != nil {
		return nil, fmt.Errorf("chromium: printing %s to PDF: %w", url, err)
	}
	return pdf, nil
}

// Message is a console message, an uncaught exception or an entry of the
// browser log.
type Message struct {
	// Type is "log", "info", "warning", "error", "exception", ...
	Type string
	Text string
	URL  string
}

// Request is a network request the page made (the page itself included).
type Request struct {
	URL string
	// Failed holds the error of a request that failed ("" otherwise).
	Failed string
}

// Page is what loading a page showed.
type Page struct {
	// Messages are the console messages, exceptions and log entries, in
	// order.
	Messages []Message
	// Requests are every request the page made, the document's own first.
	Requests []Request
	// Screenshot is a PNG of the whole page (Options.Screenshot).
	Screenshot []byte
	// Took is how long the page took to load (from navigation to the load
	// event), Elapsed the whole job with the browser's start and stop.
	Took, Elapsed time.Duration
}

// Errors returns the messages of type error or exception.
func (p *Page) Errors() []Message {
	var errs []Message
	for _, m := range p.Messages {
		if m.Type == "error" || m.Type == "exception" {
			errs = append(errs, m)
		}
	}
	return errs
}

// Options tune Load.
type Options struct {
	// Width and Height are the window's size in CSS pixels (default
	// 1000 × 1400).
	Width, Height int
	// Screenshot takes a PNG of the whole page.
	Screenshot bool
	// Settle is how long to keep listening after the load event, for late
	// requests and messages (default 300ms).
	Settle time.Duration
}

// Load loads url in a headless browser at path and records what the page
// did: its console messages and every network request, through the
// DevTools protocol's Runtime, Log and Network events.
func Load(ctx context.Context, path, url string, o Options) (*Page, error) {
	began := time.Now()
	if o.Width <= 0 {
		o.Width = 1000
	}
	if o.Height <= 0 {
		o.Height = 1400
	}
	if o.Settle <= 0 {
		o.Settle = 300 * time.Millisecond
	}
	bctx, cancel := start(ctx, path, o.Width, o.Height)
	defer cancel()
	// Open the tab first, so that the listener sees the navigation's own
	// events.
	if err := chromedp.Do(bctx); err != nil {
		return nil, fmt.Errorf("chromium: starting %s: %w", path, err)
	}
	var (
		mu       sync.Mutex
		page     Page
		requests = map[network.RequestID]int{}
	)
	if err := chromedp.Listen(bctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			if _, ok := requests[ev.RequestID]; !ok {
				requests[ev.RequestID] = len(page.Requests)
				page.Requests = append(page.Requests, Request{URL: ev.Request.URL})
			}
		case *network.EventLoadingFailed:
			if i, ok := requests[ev.RequestID]; ok {
				page.Requests[i].Failed = ev.ErrorText
			}
		}
	}); err != nil {
		return nil, err
	}
	// The console is read as it comes, until Settle after the load (and
	// the screenshot) has passed.
	cctx, stopConsole := context.WithCancel(bctx)
	defer stopConsole()
	console := chromedp.Console(cctx)
	reading := make(chan struct{})
	go func() {
		defer close(reading)
		for m, err := range console {
			if err != nil {
				return
			}
			mu.Lock()
			page.Messages = append(page.Messages, Message{Type: string(m.Type), Text: m.Text, URL: m.URL})
			mu.Unlock()
		}
	}()
	loaded := time.Now()
	if err := chromedp.Do(bctx, chromedp.Navigate(url)); err != nil {
		return nil, fmt.Errorf("chromium: loading %s: %w", url, err)
	}
	took := time.Since(loaded)
	var shot []byte
	if o.Screenshot {
		png, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
		if err != nil {
			return nil, fmt.Errorf("chromium: screenshot of %s: %w", url, err)
		}
		shot = png
	}
	select {
	case <-time.After(o.Settle):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	stopConsole()
	<-reading
	mu.Lock()
	defer mu.Unlock()
	out := page
	out.Took, out.Screenshot = took, shot
	out.Messages = slices.Clone(page.Messages)
	out.Requests = slices.Clone(page.Requests)
	out.Elapsed = time.Since(began)
	return &out, nil
}
