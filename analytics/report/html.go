package report

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"strings"
)

// css is the whole style of the HTML reports: sober, readable on screen,
// printed on A4 (by a person or by Chromium for the PDF). Fonts are the
// machine's own: nothing is fetched.
const css = `
@page { size: A4; margin: 14mm 13mm 16mm 13mm; }
:root { --ink: #1d2733; --muted: #5b6673; --rule: #c9d1da; --accent: #1f4e79; --alert: #b03a2e; --band: #f3f6f9; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 184mm; padding: 10mm 4mm 14mm; color: var(--ink);
  font-family: "Liberation Sans", Arial, Helvetica, "DejaVu Sans", sans-serif; font-size: 10.5pt; line-height: 1.4; background: #fff; }
header { border-bottom: 2px solid var(--accent); padding-bottom: 3mm; margin-bottom: 4mm; }
.kind { text-transform: uppercase; letter-spacing: .08em; font-size: 8.5pt; color: var(--accent); font-weight: bold; margin: 0; }
h1 { font-size: 18pt; margin: 1mm 0 2mm; line-height: 1.2; }
h2 { font-size: 13pt; color: var(--accent); margin: 7mm 0 2mm; padding-bottom: 1mm; border-bottom: 1px solid var(--rule); break-after: avoid; }
h3 { font-size: 11pt; margin: 4mm 0 1.5mm; break-after: avoid; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .5mm 4mm; margin: 0; font-size: 9.5pt; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.headline { display: grid; grid-template-columns: repeat(4, 1fr); gap: 3mm; margin: 4mm 0; }
.stat { background: var(--band); border-top: 3px solid var(--accent); padding: 2mm 3mm; break-inside: avoid; }
.stat .v { font-size: 17pt; font-weight: bold; }
.stat .l { font-size: 9pt; font-weight: bold; }
.stat .d { font-size: 8.5pt; color: var(--muted); }
ul.findings { list-style: none; padding: 0; margin: 3mm 0; }
ul.findings li { border-left: 4px solid var(--accent); background: var(--band); padding: 1.5mm 3mm; margin: 1.5mm 0; break-inside: avoid; }
ul.findings li.alert { border-left-color: var(--alert); }
table { border-collapse: collapse; width: 100%; margin: 2mm 0 4mm; font-size: 9pt; }
table.narrow { width: auto; min-width: 55%; }
.keep { break-inside: avoid; }
p.alert { border-left: 4px solid var(--alert); padding: 1mm 3mm; background: var(--band); }
caption { caption-side: top; text-align: left; font-weight: bold; padding-bottom: 1mm; }
th, td { border-bottom: 1px solid var(--rule); padding: 1mm 2mm; text-align: left; vertical-align: top; }
th { background: var(--band); font-weight: bold; }
th.n { text-align: right; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.total td { font-weight: bold; border-top: 1.5px solid var(--ink); }
td.flag { color: var(--alert); font-weight: bold; }
tr { break-inside: avoid; }
thead { display: table-header-group; }
figure { margin: 2mm 0 3mm; break-inside: avoid; }
figure svg { max-width: 100%; height: auto; display: block; }
figcaption { font-size: 8.5pt; color: var(--muted); }
p.note, ol.notes { font-size: 8.5pt; color: var(--muted); }
footer { margin-top: 8mm; border-top: 1px solid var(--rule); padding-top: 2mm; font-size: 8pt; color: var(--muted); }
@media print { body { padding: 0; max-width: none; } h2 { break-before: auto; } }
`

// csp forbids the page any fetch at all: a report that opens offline on a
// Director's laptop must not depend on the network, and a change that
// added a remote resource would show as a console error in the test.
const csp = `default-src 'none'; style-src 'unsafe-inline'; img-src data:`

// writeHTML renders d as one self-contained HTML file.
func (d *document) writeHTML(w io.Writer, generated string) error {
	bw := bufio.NewWriter(w)
	e := html.EscapeString
	p := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	p("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	p("<meta http-equiv=\"Content-Security-Policy\" content=\"%s\">\n", csp)
	p("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	p("<meta name=\"generator\" content=\"mHero Go SDK (analytics/report)\">\n")
	p("<title>%s — %s</title>\n<style>%s</style>\n</head>\n<body>\n", e(d.Kind), e(d.Title), css)
	p("<header>\n<p class=\"kind\">%s</p>\n<h1>%s</h1>\n", e(d.Kind), e(d.Title))
	if len(d.Facts) > 0 {
		p("<dl class=\"facts\">\n")
		for _, f := range d.Facts {
			p("<dt>%s</dt><dd>%s</dd>\n", e(f.Label), e(f.Value))
		}
		p("</dl>\n")
	}
	p("</header>\n<main>\n")
	if len(d.Headline) > 0 {
		p("<section class=\"headline\" aria-label=\"Headline numbers\">\n")
		for _, s := range d.Headline {
			p("<div class=\"stat\"><div class=\"v\">%s</div><div class=\"l\">%s</div><div class=\"d\">%s</div></div>\n", e(s.Value), e(s.Label), e(s.Detail))
		}
		p("</section>\n")
	}
	if len(d.Findings) > 0 {
		p("<h2 id=\"findings\">Key findings</h2>\n<ul class=\"findings\">\n")
		for _, f := range d.Findings {
			class := ""
			if f.Alert {
				class = " class=\"alert\""
			}
			p("<li%s>%s</li>\n", class, e(f.Text))
		}
		p("</ul>\n")
	}
	for _, s := range d.Sections {
		p("<section id=\"%s\">\n<h2>%s</h2>\n", e(s.ID), e(s.Title))
		writeBlocksHTML(bw, s.Blocks)
		p("</section>\n")
	}
	p("</main>\n<footer>\n")
	if len(d.Notes) > 0 {
		p("<ol class=\"notes\">\n")
		for _, n := range d.Notes {
			p("<li>%s</li>\n", e(n))
		}
		p("</ol>\n")
	}
	p("<p>%s. Generated %s by the mHero Go SDK. Phone numbers are masked unless the report was asked to show them.</p>\n", e(d.Kind), e(generated))
	p("</footer>\n</body>\n</html>\n")
	return bw.Flush()
}

func writeBlocksHTML(w *bufio.Writer, blocks []block) {
	e := html.EscapeString
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	for _, b := range blocks {
		switch b := b.(type) {
		case para:
			p("<p>%s</p>\n", e(string(b)))
		case alert:
			p("<p class=\"alert\">%s</p>\n", e(string(b)))
		case heading:
			p("<h3>%s</h3>\n", e(string(b)))
		case bullets:
			p("<ul>\n")
			for _, item := range b {
				p("<li>%s</li>\n", e(item))
			}
			p("</ul>\n")
		case *figure:
			p("<figure>\n%s<figcaption>%s</figcaption>\n</figure>\n", b.SVG, e(b.Caption))
		case *table:
			b.writeHTML(w)
		case keep:
			p("<div class=\"keep\">\n")
			writeBlocksHTML(w, b)
			p("</div>\n")
		}
	}
}

// writeHTML renders a table; its id lets a test (or a script) find it.
func (t *table) writeHTML(w *bufio.Writer) {
	e := html.EscapeString
	class := ""
	if len(t.Cols) <= 4 {
		class = " class=\"narrow\""
	}
	fmt.Fprintf(w, "<table id=\"t-%s\"%s>\n", e(t.ID), class)
	if t.Title != "" {
		fmt.Fprintf(w, "<caption>%s</caption>\n", e(t.Title))
	}
	w.WriteString("<thead><tr>")
	for _, c := range t.Cols {
		if c.Kind == kText {
			fmt.Fprintf(w, "<th scope=\"col\">%s</th>", e(c.Head))
		} else {
			fmt.Fprintf(w, "<th scope=\"col\" class=\"n\">%s</th>", e(c.Head))
		}
	}
	w.WriteString("</tr></thead>\n<tbody>\n")
	row := func(r []cell, class string) {
		fmt.Fprintf(w, "<tr%s>", class)
		for i, c := range r {
			var cls []string
			if t.Cols[i].Kind != kText {
				cls = append(cls, "n")
			}
			if c.Flag {
				cls = append(cls, "flag")
			}
			if len(cls) > 0 {
				fmt.Fprintf(w, "<td class=\"%s\">%s</td>", strings.Join(cls, " "), e(c.Text))
			} else {
				fmt.Fprintf(w, "<td>%s</td>", e(c.Text))
			}
		}
		w.WriteString("</tr>\n")
	}
	for _, r := range t.Rows {
		row(r, "")
	}
	if t.Total != nil {
		row(t.Total, " class=\"total\"")
	}
	w.WriteString("</tbody>\n</table>\n")
	if t.Caption != "" {
		fmt.Fprintf(w, "<p class=\"note\">%s</p>\n", e(t.Caption))
	}
}
