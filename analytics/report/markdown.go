package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// writeMarkdown renders d as Markdown (CommonMark with GitHub tables):
// the same text and tables as the HTML, the charts by their captions.
func (d *document) writeMarkdown(w io.Writer, generated string) error {
	bw := bufio.NewWriter(w)
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("# %s: %s\n\n", d.Kind, mdText(d.Title))
	for _, f := range d.Facts {
		p("- **%s:** %s\n", mdText(f.Label), mdText(f.Value))
	}
	if len(d.Facts) > 0 {
		p("\n")
	}
	if len(d.Headline) > 0 {
		p("| | |\n|---|---|\n")
		for _, s := range d.Headline {
			p("| **%s** | **%s** (%s) |\n", mdText(s.Label), mdText(s.Value), mdText(s.Detail))
		}
		p("\n")
	}
	if len(d.Findings) > 0 {
		p("## Key findings\n\n")
		for _, f := range d.Findings {
			mark := ""
			if f.Alert {
				mark = "**⚠** "
			}
			p("- %s%s\n", mark, mdText(f.Text))
		}
		p("\n")
	}
	for _, s := range d.Sections {
		p("## %s\n\n", mdText(s.Title))
		writeBlocksMarkdown(bw, s.Blocks)
	}
	if len(d.Notes) > 0 {
		p("---\n\n")
		for i, n := range d.Notes {
			p("%d. %s\n", i+1, mdText(n))
		}
		p("\n")
	}
	p("*%s. Generated %s by the mHero Go SDK. Phone numbers are masked unless the report was asked to show them.*\n", d.Kind, mdText(generated))
	return bw.Flush()
}

func writeBlocksMarkdown(w *bufio.Writer, blocks []block) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	for _, b := range blocks {
		switch b := b.(type) {
		case para:
			p("%s\n\n", mdText(string(b)))
		case alert:
			p("**⚠** %s\n\n", mdText(string(b)))
		case heading:
			p("### %s\n\n", mdText(string(b)))
		case bullets:
			for _, item := range b {
				p("- %s\n", mdText(item))
			}
			p("\n")
		case *figure:
			p("*Chart: %s*\n\n", mdText(b.Caption))
		case *table:
			b.writeMarkdown(w)
		case keep:
			writeBlocksMarkdown(w, b)
		}
	}
}

func (t *table) writeMarkdown(w *bufio.Writer) {
	if t.Title != "" {
		fmt.Fprintf(w, "**%s**\n\n", mdText(t.Title))
	}
	w.WriteString("|")
	for _, c := range t.Cols {
		fmt.Fprintf(w, " %s |", mdCell(c.Head))
	}
	w.WriteString("\n|")
	for _, c := range t.Cols {
		if c.Kind == kText {
			w.WriteString("---|")
		} else {
			w.WriteString("--:|")
		}
	}
	w.WriteString("\n")
	row := func(r []cell, bold bool) {
		w.WriteString("|")
		for _, c := range r {
			s := mdCell(c.Text)
			if (bold || c.Flag) && s != "" {
				s = "**" + s + "**"
			}
			fmt.Fprintf(w, " %s |", s)
		}
		w.WriteString("\n")
	}
	for _, r := range t.Rows {
		row(r, false)
	}
	if t.Total != nil {
		row(t.Total, true)
	}
	w.WriteString("\n")
	if t.Caption != "" {
		fmt.Fprintf(w, "%s\n\n", mdText(t.Caption))
	}
}

// mdReplacer escapes what Markdown would read as markup in plain text.
var mdReplacer = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "<", `\<`, ">", `\>`, "[", `\[`, "]", `\]`, "\n", " ")

func mdText(s string) string { return mdReplacer.Replace(s) }

// mdCell also escapes the pipes that end a table cell.
func mdCell(s string) string { return strings.ReplaceAll(mdText(s), "|", `\|`) }
