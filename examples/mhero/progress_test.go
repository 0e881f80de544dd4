package main

import (
	"bytes"
	"testing"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/target"
)

func TestStatusLineDrawsOnlyOnATerminal(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	b := newProgressBar(&buf)
	b.update(target.Progress{Stage: "writing contacts", Done: 5, Total: 5})
	b.done()
	r := newRefreshBar(&buf)
	r.update(analytics.Progress{Stage: analytics.StageDone})
	r.done()
	if buf.Len() != 0 {
		t.Errorf("drew %q on a writer that is not a terminal", buf.String())
	}
}

func TestStatusLineRedrawsInPlaceAndClears(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	b := &progressBar{statusLine{w: &buf, on: true}}
	b.update(target.Progress{Stage: "writing contacts", Done: 1, Total: 4})
	b.update(target.Progress{Stage: "writing contacts", Done: 2, Total: 4}) // within 100 ms: skipped
	b.update(target.Progress{Stage: "writing contacts", Done: 4, Total: 4}) // final: drawn
	b.done()
	b.done() // a second done writes nothing
	want := "\rwriting contacts           [███████·······················]  25% 1/4\033[K" +
		"\rwriting contacts           [██████████████████████████████] 100% 4/4\033[K" +
		"\r\033[K"
	if got := buf.String(); got != want {
		t.Errorf("drew\n%q\nwant\n%q", got, want)
	}
}
