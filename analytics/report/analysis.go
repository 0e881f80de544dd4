package report

import (
	"context"
	"fmt"
	"io"

	"github.com/mhero-go/mhero/analytics"
)

// Analysis is the Analysis Report: the detail behind the Overview, for the
// Requestor and the Data Manager. Each question has its counts, its
// answers and their cross-tabulations by district and cadre; the rates are
// broken down by every dimension (sends, weeks, regions, districts,
// facilities, cadres, gender); trends and flags come with their tests.
type Analysis struct {
	Analysis *analytics.Analysis
	// CrossTabs are the questions' answers by the groups of a dimension
	// (analytics.Monitor.CrossTab), shown under their question; usually by
	// district and by cadre for every question that waits for a reply.
	CrossTabs []analytics.CrossTab
	Options
}

// WriteHTML writes the report as one self-contained HTML file.
func (r *Analysis) WriteHTML(w io.Writer) error {
	d, err := r.document()
	if err != nil {
		return err
	}
	return d.writeHTML(w, stamp(r.generated()))
}

// WriteMarkdown writes the report as Markdown.
func (r *Analysis) WriteMarkdown(w io.Writer) error {
	d, err := r.document()
	if err != nil {
		return err
	}
	return d.writeMarkdown(w, stamp(r.generated()))
}

// WriteFiles writes NAME-analysis.html, .md and, when Chromium is
// installed, .pdf into dir.
func (r *Analysis) WriteFiles(ctx context.Context, dir string) (*Files, error) {
	if r.Analysis == nil {
		return nil, errNoAnalysis
	}
	return htmlAndMarkdown(ctx, &r.Options, dir, baseName(&r.Options, r.Analysis.Flow.Name)+"-analysis",
		func(w io.Writer) error { return r.WriteHTML(w) },
		func(w io.Writer) error { return r.WriteMarkdown(w) })
}

func (r *Analysis) document() (*document, error) {
	a := r.Analysis
	if a == nil {
		return nil, errNoAnalysis
	}
	d := &document{Kind: "Analysis Report", Title: title(&r.Options, a.Flow.Name)}
	d.Facts = append(r.useCaseFacts(), flowFacts(&r.Options, a)...)
	d.Findings = findings(a)

	s := d.section("summary", "Summary")
	s.add(summaryTable(a.Counts), funnelTable(a))

	for _, q := range a.Questions {
		s := d.section("q-"+q.Key, fmt.Sprintf("Question %d: %s", q.Position, q.Name))
		if q.Text != "" {
			s.add(para("Asked: “" + q.Text + "”"))
		}
		if !q.Wait {
			s.add(para("Computed by the workflow from earlier answers: no reply is awaited."))
		} else {
			s.add(para(questionSummary(q)), questionDetail(q))
		}
		if q.Misunderstood != nil {
			s.add(alert(q.Misunderstood.Statement))
		}
		k := keep{}
		if svg, err := questionChart(q); err != nil {
			return nil, err
		} else if svg != "" {
			k = append(k, &figure{SVG: svg, Caption: fmt.Sprintf("Final answers to question %d.", q.Position)})
		}
		s.add(append(k, questionAnswersTable(q)))
		for _, ct := range r.CrossTabs {
			if ct.Question == q.Key {
				s.add(crossTabTable(a, ct))
			}
		}
	}

	s = d.section("breakdowns", "Response by group")
	s.add(para("The rates of every group of health workers, as the target sync recorded them when the workflow reached them."))
	for _, dim := range analytics.Dimensions() {
		b, ok := a.Breakdown(dim)
		if !ok || len(b.Groups) == 0 {
			continue
		}
		s.add(breakdownTable(a, b, nil))
	}

	s = d.section("trends", "Trends between sends")
	if len(a.Trends) == 0 {
		s.add(para("The workflow has been sent once: trends appear from the second send."))
	} else {
		var st bullets
		for _, t := range a.Trends {
			st = append(st, t.Statement)
		}
		s.add(st, trendsTable(a))
	}
	s = d.section("flags", "Flags")
	if ft := flagsTable(a); len(ft.Rows) > 0 {
		s.add(ft)
	} else {
		s.add(para("Nothing was flagged."))
	}
	s.add(reasonsTable(a.NonResponders, a.Counts.Contacted))
	d.Notes = notes()
	return d, nil
}

// questionDetail is one question's counts.
func questionDetail(q analytics.Question) *table {
	t := &table{ID: "question-" + q.Key, Cols: []col{{"Measure", kText}, {"Health workers", kInt}, {"% of asked", kPercent}}}
	add := func(label string, n int) { t.Rows = append(t.Rows, []cell{txt(label), num(n), share(n, q.Asked)}) }
	add("Asked", q.Asked)
	add("Replied", q.Replied)
	add("Answered (reply fit)", q.Answered)
	add("Other (last reply did not fit)", q.Other)
	add("No response (timed out)", q.NoResponse)
	add("Still waiting", q.Waiting)
	add("Asked again after a reply that did not fit", q.ReAsked)
	t.Rows = append(t.Rows, []cell{txt("Extra times asked, in all"), num(q.ReAsks), empty()})
	t.Rows = append(t.Rows, []cell{txt("Replies that did not fit, of those who replied"), num(q.Misfit.N), flagged(rate(q.Misfit), q.Misunderstood != nil)})
	return t
}
