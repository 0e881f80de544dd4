package report

import (
	"bytes"
	"fmt"
	"html"
	"image/color"
	"math"
	"regexp"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/mhero-go/mhero/analytics"
)

// The charts are drawn by gonum.org/v1/plot into SVG and inlined in the
// HTML: no script, no image file, nothing fetched. Their text uses
// Liberation Sans metrics (the fonts gonum/plot ships); the page names
// Arial and Helvetica after it, which have the same metrics.

var (
	inkColor    = color.RGBA{0x1d, 0x27, 0x33, 0xff}
	accentColor = color.RGBA{0x1f, 0x4e, 0x79, 0xff}
	alertColor  = color.RGBA{0xb0, 0x3a, 0x2e, 0xff}
	mutedColor  = color.RGBA{0x9a, 0xa5, 0xb1, 0xff}
	ruleColor   = color.RGBA{0x8a, 0x95, 0xa1, 0xff}
)

// chartWidth fits the A4 text width with room to spare.
const chartWidth vg.Length = 470

var sans = font.Font{Typeface: "Liberation", Variant: "Sans"}

func newPlot() *plot.Plot {
	p := plot.New()
	for _, ts := range []*font.Font{&p.Title.TextStyle.Font, &p.X.Label.TextStyle.Font, &p.Y.Label.TextStyle.Font, &p.X.Tick.Label.Font, &p.Y.Tick.Label.Font, &p.Legend.TextStyle.Font} {
		size := ts.Size
		*ts = sans
		ts.Size = size
	}
	p.Title.TextStyle.Font.Size = 10
	p.Title.TextStyle.Color = inkColor
	p.X.Label.TextStyle.Font.Size = 8.5
	p.X.Tick.Label.Font.Size = 8
	p.Y.Tick.Label.Font.Size = 8.5
	p.X.Label.TextStyle.Color = inkColor
	p.Y.Tick.Label.Color = inkColor
	p.X.Tick.Label.Color = inkColor
	p.X.LineStyle.Color = ruleColor
	p.X.Tick.LineStyle.Color = ruleColor
	p.Title.Padding = 4
	return p
}

// bar is one bar of a horizontal bar chart.
type bar struct {
	Label string
	Value float64
	// Text is written at the bar's end.
	Text string
	// Lo and Hi, when Hi > 0, draw an interval over the bar.
	Lo, Hi float64
	Flag   bool // drawn in the alert colour
	Muted  bool // drawn in grey (No Response, Other)
}

type hbarChart struct {
	Title  string
	XLabel string
	Bars   []bar
	// Max is the axis's end (0: the largest value); Percent shows the
	// values (proportions) in percent.
	Max     float64
	Percent bool
	// Ref, when not NaN, draws a dashed line at that value (the overall
	// rate).
	Ref     float64
	RefText string
}

// svg draws the chart and returns inline SVG, with alt its accessible
// name.
func (c *hbarChart) svg(alt string) (string, error) {
	n := len(c.Bars)
	if n == 0 {
		return "", nil
	}
	p := newPlot()
	p.Title.Text = c.Title
	p.X.Label.Text = c.XLabel
	names := make([]string, n)
	max := c.Max
	for i, b := range c.Bars {
		names[n-1-i] = truncate(b.Label, 38)
		max = math.Max(max, b.Value)
	}
	if max <= 0 {
		max = 1
	}
	// One bar chart per colour, so that each bar keeps its own; the
	// others' values are zero there and draw nothing.
	kinds := []struct {
		color color.Color
		keep  func(bar) bool
	}{
		{accentColor, func(b bar) bool { return !b.Flag && !b.Muted }},
		{alertColor, func(b bar) bool { return b.Flag }},
		{mutedColor, func(b bar) bool { return b.Muted && !b.Flag }},
	}
	for _, k := range kinds {
		vals := make(plotter.Values, n)
		any := false
		for i, b := range c.Bars {
			if k.keep(b) {
				vals[n-1-i] = b.Value
				any = any || b.Value > 0
			}
		}
		if !any {
			continue
		}
		bc, err := plotter.NewBarChart(vals, 11)
		if err != nil {
			return "", err
		}
		bc.Horizontal = true
		bc.Color = k.color
		bc.LineStyle.Width = 0
		p.Add(bc)
	}
	var iv intervals
	var labels plotter.XYLabels
	for i, b := range c.Bars {
		y := float64(n - 1 - i)
		if b.Hi > 0 {
			iv = append(iv, interval{y: y, v: b.Value, lo: b.Value - b.Lo, hi: b.Hi - b.Value})
		}
		x := b.Value
		if b.Hi > x {
			x = b.Hi
		}
		labels.XYs = append(labels.XYs, plotter.XY{X: x, Y: y})
		labels.Labels = append(labels.Labels, b.Text)
	}
	if len(iv) > 0 {
		eb, err := plotter.NewXErrorBars(iv)
		if err != nil {
			return "", err
		}
		eb.LineStyle.Color = inkColor
		eb.LineStyle.Width = 0.6
		eb.CapWidth = 4
		p.Add(eb)
	}
	if !math.IsNaN(c.Ref) && c.Ref > 0 {
		ref, err := plotter.NewLine(plotter.XYs{{X: c.Ref, Y: -0.6}, {X: c.Ref, Y: float64(n) - 0.4}})
		if err != nil {
			return "", err
		}
		ref.LineStyle.Color = ruleColor
		ref.LineStyle.Width = 0.8
		ref.LineStyle.Dashes = []vg.Length{3, 2}
		p.Add(ref)
	}
	lbl, err := plotter.NewLabels(labels)
	if err != nil {
		return "", err
	}
	for i := range lbl.TextStyle {
		lbl.TextStyle[i].Font = sans
		lbl.TextStyle[i].Font.Size = 7.5
		lbl.TextStyle[i].Color = inkColor
		lbl.TextStyle[i].YAlign = draw.YCenter
		lbl.TextStyle[i].Handler = p.Title.TextStyle.Handler
	}
	lbl.Offset = vg.Point{X: 3}
	p.Add(lbl)
	p.NominalY(names...)
	p.Y.Padding = 2
	// Room at the right for the longest value label.
	p.X.Min, p.X.Max = 0, max*1.16
	if c.Percent {
		p.X.Max = math.Min(1.16, max*1.16)
		p.X.Tick.Marker = percentTicks{}
	}
	height := vg.Length(40 + 16*n)
	if c.Title != "" {
		height += 14
	}
	if c.XLabel != "" {
		height += 10
	}
	return render(p, chartWidth, height, alt)
}

// interval is an error bar from v-lo to v+hi at y.
type interval struct{ y, v, lo, hi float64 }

type intervals []interval

func (iv intervals) Len() int                        { return len(iv) }
func (iv intervals) XY(i int) (float64, float64)     { return iv[i].v, iv[i].y }
func (iv intervals) XError(i int) (float64, float64) { return iv[i].lo, iv[i].hi }

// percentTicks marks 0%, 25%, ... up to the axis's end.
type percentTicks struct{}

func (percentTicks) Ticks(min, max float64) []plot.Tick {
	var ts []plot.Tick
	for v := 0.0; v <= max+1e-9; v += 0.25 {
		if v > 1 {
			break
		}
		ts = append(ts, plot.Tick{Value: v, Label: fmt.Sprintf("%.0f%%", 100*v)})
	}
	return ts
}

// lineChart is a rate over sends or weeks.
type lineChart struct {
	Title  string
	Labels []string
	Series []series
}

type series struct {
	Name   string
	Values []float64 // proportions; NaN for none
	Color  color.Color
	Dashed bool
}

func (c *lineChart) svg(alt string) (string, error) {
	if len(c.Labels) < 2 {
		return "", nil
	}
	p := newPlot()
	p.Title.Text = c.Title
	names := make([]string, len(c.Labels))
	for i, l := range c.Labels {
		names[i] = truncate(l, 18)
	}
	for _, s := range c.Series {
		var pts plotter.XYs
		for i, v := range s.Values {
			if !math.IsNaN(v) {
				pts = append(pts, plotter.XY{X: float64(i), Y: v})
			}
		}
		if len(pts) == 0 {
			continue
		}
		l, sc, err := plotter.NewLinePoints(pts)
		if err != nil {
			return "", err
		}
		l.LineStyle.Color, l.LineStyle.Width = s.Color, 1.5
		if s.Dashed {
			l.LineStyle.Dashes = []vg.Length{4, 2}
		}
		sc.GlyphStyle.Color, sc.GlyphStyle.Radius, sc.GlyphStyle.Shape = s.Color, 2.2, draw.CircleGlyph{}
		p.Add(l, sc)
		p.Legend.Add(s.Name, l, sc)
	}
	p.NominalX(names...)
	p.X.Padding = 8
	p.Y.Min, p.Y.Max = 0, 1
	p.Y.Tick.Marker = percentTicks{}
	p.Y.Tick.Label.Font.Size = 8
	p.Add(plotter.NewGrid())
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = 8
	p.Legend.YOffs = -2
	return render(p, chartWidth, 190, alt)
}

var (
	xmlHeader  = regexp.MustCompile(`(?s)^<\?xml[^>]*\?>\s*<!--.*?-->\s*`)
	svgOpen    = regexp.MustCompile(`^<svg width="([0-9.]+)pt" height="([0-9.]+)pt"`)
	fontFamily = regexp.MustCompile(`font-family:Liberation (Sans|Serif|Mono);`)
)

// render writes p as SVG fit for inlining in HTML: without the XML
// declaration, with an accessible name, and with font fallbacks of the
// same metrics for machines without the Liberation fonts.
func render(p *plot.Plot, w, h vg.Length, alt string) (string, error) {
	wt, err := p.WriterTo(w, h, "svg")
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if _, err := wt.WriteTo(&buf); err != nil {
		return "", err
	}
	s := xmlHeader.ReplaceAllString(buf.String(), "")
	s = svgOpen.ReplaceAllString(s, fmt.Sprintf(`<svg role="img" aria-label="%s" width="${1}pt" height="${2}pt"`, html.EscapeString(alt)))
	s = fontFamily.ReplaceAllStringFunc(s, func(m string) string {
		switch {
		case strings.Contains(m, "Serif"):
			return `font-family:'Liberation Serif','Times New Roman',serif;`
		case strings.Contains(m, "Mono"):
			return `font-family:'Liberation Mono','Courier New',monospace;`
		}
		return `font-family:'Liberation Sans',Arial,Helvetica,sans-serif;`
	})
	return s, nil
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// funnelChart draws the response funnel: the runs' path from contact to
// the last answer.
func funnelChart(a *analytics.Analysis) (string, error) {
	c := a.Counts
	pct := func(n int) string {
		if c.Contacted == 0 {
			return count(n)
		}
		return fmt.Sprintf("%s (%s)", count(n), percent(float64(n)/float64(c.Contacted)))
	}
	bars := []bar{
		{Label: "Contacted", Value: float64(c.Contacted), Text: pct(c.Contacted)},
		{Label: "Delivered", Value: float64(c.Delivered), Text: pct(c.Delivered)},
		{Label: "Responded", Value: float64(c.Responded), Text: pct(c.Responded)},
	}
	for _, f := range a.Funnel {
		bars = append(bars, bar{Label: fmt.Sprintf("Q%d replied: %s", f.Position, f.Name), Value: float64(f.Replied), Text: pct(f.Replied)})
	}
	bars = append(bars, bar{Label: "Replied to every question", Value: float64(c.AnsweredAll), Text: pct(c.AnsweredAll)})
	ch := &hbarChart{Bars: bars, XLabel: "health workers", Max: float64(c.Contacted), Ref: math.NaN()}
	return ch.svg("Response funnel: health workers at each step, from contacted to replying to every question")
}

// rateChart draws the response rate of each group of a breakdown, with
// its 95% interval, the flagged groups in the alert colour and the
// workflow's rate as a dashed line.
func rateChart(a *analytics.Analysis, b analytics.Breakdown) (string, error) {
	low := lowSet(a, b.Dimension)
	var bars []bar
	for _, g := range b.Groups {
		r := g.ResponseRate()
		if r.Of == 0 {
			continue
		}
		lo, hi := r.Interval()
		bars = append(bars, bar{Label: g.Label, Value: r.Value(), Text: percent(r.Value()), Lo: lo, Hi: hi, Flag: low[g.Key]})
	}
	overall := a.Counts.ResponseRate()
	ch := &hbarChart{Bars: bars, Percent: true, Max: 1, Ref: overall.Value(),
		XLabel: fmt.Sprintf("response rate (bars: 95%% interval; dashed line: all %s, %s)", dimPlural(b.Dimension), percent(overall.Value()))}
	return ch.svg(fmt.Sprintf("Response rate by %s", lowerFirst(dimName(b.Dimension))))
}

// questionChart draws one question's answers.
func questionChart(q analytics.Question) (string, error) {
	var bars []bar
	for _, d := range q.Distribution {
		muted := d.Category == "Other" || d.Category == "No Response"
		text := count(d.Count)
		if q.Asked > 0 {
			text = fmt.Sprintf("%s (%s)", count(d.Count), percent(float64(d.Count)/float64(q.Asked)))
		}
		bars = append(bars, bar{Label: d.Category, Value: float64(d.Count), Text: text, Muted: muted, Flag: d.Category == "Other" && q.Misunderstood != nil})
	}
	ch := &hbarChart{Bars: bars, Ref: math.NaN(), Max: float64(q.Asked)}
	return ch.svg(fmt.Sprintf("Answers to question %d, %s", q.Position, q.Name))
}

// sendsChart draws the rates of consecutive sends.
func sendsChart(b analytics.Breakdown, title string) (string, error) {
	c := &lineChart{Title: title}
	resp := series{Name: "response rate", Color: accentColor}
	deliv := series{Name: "delivery rate", Color: mutedColor, Dashed: true}
	comp := series{Name: "completion rate", Color: alertColor}
	for _, g := range b.Groups {
		c.Labels = append(c.Labels, g.Label)
		resp.Values = append(resp.Values, orNaN(g.ResponseRate()))
		deliv.Values = append(deliv.Values, orNaN(g.DeliveryRate()))
		comp.Values = append(comp.Values, orNaN(g.CompletionRate()))
	}
	c.Series = []series{resp, deliv, comp}
	return c.svg(title)
}

func orNaN(r analytics.Rate) float64 {
	if r.Of == 0 {
		return math.NaN()
	}
	return r.Value()
}
