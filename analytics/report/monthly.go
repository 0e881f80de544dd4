package report

import (
	"context"
	"fmt"
	"io"
	"math"

	"github.com/mhero-go/mhero/analytics"
)

// Monthly is the monthly report for the mHero Leadership Team: every
// workflow sent in a calendar month, how each fared, what was flagged, and
// the non-responders by likely reason, the list the team acts on.
type Monthly struct {
	// Month is the month's results (analytics.Monitor.Month).
	Month *analytics.Month
	Options
}

// WriteHTML writes the report as one self-contained HTML file.
func (r *Monthly) WriteHTML(w io.Writer) error {
	d, err := r.document()
	if err != nil {
		return err
	}
	return d.writeHTML(w, stamp(r.generated()))
}

// WriteMarkdown writes the report as Markdown.
func (r *Monthly) WriteMarkdown(w io.Writer) error {
	d, err := r.document()
	if err != nil {
		return err
	}
	return d.writeMarkdown(w, stamp(r.generated()))
}

// WriteFiles writes monthly-YYYY-MM.html, .md and, when Chromium is
// installed, .pdf into dir.
func (r *Monthly) WriteFiles(ctx context.Context, dir string) (*Files, error) {
	if r.Month == nil {
		return nil, errNoMonth
	}
	return htmlAndMarkdown(ctx, &r.Options, dir, "monthly-"+r.in(r.Month.Start).Format("2006-01"),
		func(w io.Writer) error { return r.WriteHTML(w) },
		func(w io.Writer) error { return r.WriteMarkdown(w) })
}

var errNoMonth = fmt.Errorf("report: no month to report")

func (r *Monthly) document() (*document, error) {
	m := r.Month
	if m == nil {
		return nil, errNoMonth
	}
	month := r.in(m.Start).Format("January 2006")
	d := &document{Kind: "Monthly Report to the mHero Leadership Team", Title: "mHero workflows sent in " + month}
	sends := 0
	for _, w := range m.Workflows {
		sends += len(w.Sends)
	}
	d.Facts = []fact{{"Month", fmt.Sprintf("%s (%s to %s)", month, day(r.in(m.Start)), day(r.in(m.End).Add(-1)))}, {"Workflows", fmt.Sprint(len(m.Workflows))}, {"Sends", fmt.Sprint(sends)}}
	c := m.Totals
	nr := c.Failed + c.NoAnswer + c.Stopped + c.NeedsTraining
	d.Headline = []stat{
		{"Health workers contacted", count(c.Contacted), fmt.Sprintf("in %d sends of %d workflows", sends, len(m.Workflows))},
		{"Response rate", rateText(c.ResponseRate()), fmt.Sprintf("%s replied", count(c.Responded))},
		{"Delivered", rateText(c.DeliveryRate()), fmt.Sprintf("%s likely out of coverage", count(c.Failed))},
		{"Non-responders", count(nr), "to follow up"},
	}
	for _, w := range m.Workflows {
		for _, q := range w.Misunderstood {
			if q.Misunderstood != nil {
				d.Findings = append(d.Findings, finding{Text: w.Flow.Name + ": " + q.Misunderstood.Statement, Alert: true})
			}
		}
		for _, g := range w.Low {
			if g.Dimension == analytics.ByRegion || g.Dimension == analytics.ByDistrict {
				d.Findings = append(d.Findings, finding{Text: w.Flow.Name + ": " + g.Statement, Alert: true})
			}
		}
	}
	if len(m.Workflows) == 0 {
		d.Findings = append(d.Findings, finding{Text: "No workflow was sent this month."})
	} else if len(d.Findings) == 0 {
		d.Findings = append(d.Findings, finding{Text: "No question was flagged as misunderstood and no group of health workers answers far less than the rest."})
	}

	s := d.section("workflows", "Workflows")
	if len(m.Workflows) > 0 {
		var bars []bar
		for _, w := range m.Workflows {
			rr := w.Counts.ResponseRate()
			if rr.Of == 0 {
				continue
			}
			lo, hi := rr.Interval()
			bars = append(bars, bar{Label: w.Flow.Name, Value: rr.Value(), Text: percent(rr.Value()), Lo: lo, Hi: hi, Flag: len(w.Low) > 0 || len(w.Misunderstood) > 0})
		}
		ch := &hbarChart{Bars: bars, Percent: true, Max: 1, Ref: math.NaN(), XLabel: "response rate (bars: 95% interval; red: a flag to act on)"}
		if svg, err := ch.svg("Response rate of each workflow sent in " + month); err != nil {
			return nil, err
		} else if svg != "" {
			s.add(&figure{SVG: svg, Caption: "Response rate of each workflow this month, with its 95% interval."})
		}
	}
	s.add(monthWorkflowsTable(m), monthSendsTable(r, m))
	s = d.section("non-responders", "Non-responders by likely reason")
	s.add(para("The health workers the month's sends reached who did not take part as asked, by the most certain likely reason. The Monitoring Tool of each workflow lists them one by one."))
	s.add(monthReasonsTable(m))
	d.Notes = notes()
	return d, nil
}

func monthWorkflowsTable(m *analytics.Month) *table {
	t := &table{ID: "workflows", Sheet: "Workflows", Title: "Each workflow this month",
		Cols: []col{{"Workflow", kText}, {"Sends", kInt}, {"Contacted", kInt}, {"Delivered", kInt}, {"Responded", kInt}, {"Response rate", kPercent},
			{"Replied to all", kInt}, {"Completion rate", kPercent}, {"Flags", kText}}}
	for _, w := range m.Workflows {
		flags := ""
		if n := len(w.Misunderstood); n > 0 {
			flags = fmt.Sprintf("%d misunderstood question(s)", n)
		}
		if n := len(w.Low); n > 0 {
			if flags != "" {
				flags += "; "
			}
			flags += fmt.Sprintf("%d low group(s)", n)
		}
		c := w.Counts
		t.Rows = append(t.Rows, []cell{txt(w.Flow.Name), num(len(w.Sends)), num(c.Contacted), num(c.Delivered), num(c.Responded), rate(c.ResponseRate()),
			num(c.AnsweredAll), rate(c.CompletionRate()), flagged(txt(flags), flags != "")})
	}
	c := m.Totals
	sends := 0
	for _, w := range m.Workflows {
		sends += len(w.Sends)
	}
	t.Total = []cell{txt("All"), num(sends), num(c.Contacted), num(c.Delivered), num(c.Responded), rate(c.ResponseRate()), num(c.AnsweredAll), rate(c.CompletionRate()), txt("")}
	return t
}

func monthSendsTable(o *Monthly, m *analytics.Month) *table {
	t := &table{ID: "sends", Sheet: "Sends", Title: "Each send this month",
		Cols: []col{{"Workflow", kText}, {"Send", kText}, {"Contacted", kInt}, {"Delivery rate", kPercent}, {"Response rate", kPercent}, {"Completion rate", kPercent}}}
	for _, w := range m.Workflows {
		for _, g := range w.Sends {
			label := g.Label
			if label == "" {
				label = stamp(o.in(g.Start))
			}
			t.Rows = append(t.Rows, []cell{txt(w.Flow.Name), txt(label), num(g.Contacted), rate(g.DeliveryRate()), rate(g.ResponseRate()), rate(g.CompletionRate())})
		}
	}
	return t
}

func monthReasonsTable(m *analytics.Month) *table {
	t := &table{ID: "month-reasons", Sheet: "Non-response", Title: "Non-responders by workflow and likely reason", Cols: []col{{"Workflow", kText}}}
	reasons := analytics.Reasons()
	for _, r := range reasons {
		t.Cols = append(t.Cols, col{capitalize(r.Label()), kInt})
	}
	t.Cols = append(t.Cols, col{"All", kInt}, col{"% of contacted", kPercent})
	total := make([]int, len(reasons)+1)
	for _, w := range m.Workflows {
		row := []cell{txt(w.Flow.Name)}
		all := 0
		for i, r := range reasons {
			n := 0
			for _, rc := range w.NonResponders {
				if rc.Reason == r {
					n = rc.Count
				}
			}
			row = append(row, num(n))
			total[i] += n
			all += n
		}
		total[len(total)-1] += all
		t.Rows = append(t.Rows, append(row, num(all), share(all, w.Counts.Contacted)))
	}
	t.Total = []cell{txt("All")}
	for _, n := range total {
		t.Total = append(t.Total, num(n))
	}
	t.Total = append(t.Total, share(total[len(total)-1], m.Totals.Contacted))
	return t
}
