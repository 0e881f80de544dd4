package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// statusLine redraws one line of progress in place on a terminal, at most
// every 100 ms unless the state is final, and clears it when the work is
// done, so that the command's own output starts on a clean line. It draws
// nothing when its writer is not a terminal: a script reading stderr sees
// only messages.
type statusLine struct {
	w     io.Writer
	on    bool
	last  time.Time
	drawn bool
}

func newStatusLine(w io.Writer) statusLine {
	l := statusLine{w: w}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			l.on = true
		}
	}
	return l
}

// due reports whether a line should be drawn now, and if so counts it as
// drawn at this time.
func (l *statusLine) due(final bool) bool {
	if !l.on || (!final && time.Since(l.last) < 100*time.Millisecond) {
		return false
	}
	l.last = time.Now()
	return true
}

// draw replaces the line with text.
func (l *statusLine) draw(text string) {
	fmt.Fprintf(l.w, "\r%s\033[K", text)
	l.drawn = true
}

// done clears the line, if one was drawn.
func (l *statusLine) done() {
	if l.drawn {
		fmt.Fprint(l.w, "\r\033[K")
		l.drawn = false
	}
}
