package report

import (
	"cmp"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
	"strings"

	"github.com/mhero-go/mhero/analytics"
)

// Overview is the Use Case Overview Report: what the Requestor receives
// when a workflow has been sent and monitored. It says how many health
// workers were reached and answered, the response funnel, the rates by
// district, the answers to each question, who did not respond and likely
// why, how the rates moved between sends, and what was flagged
// (misunderstood questions, districts that answer far less).
type Overview struct {
	// Analysis is the workflow's analysis (analytics.Monitor.Analyze).
	Analysis *analytics.Analysis
	// NonResponders, when set, lists the non-responders
	// (analytics.Monitor.NonResponders), for their summary by district;
	// without it the report counts them by reason only. It is read once
	// per format written.
	NonResponders iter.Seq2[analytics.NonResponder, error]
	Options
}

// WriteHTML writes the report as one self-contained HTML file: inline
// style and SVG charts, no script, nothing fetched from the network.
func (r *Overview) WriteHTML(w io.Writer) error {
	d, err := r.document()
	if err != nil {
		return err
	}
	return d.writeHTML(w, stamp(r.generated()))
}

// WriteMarkdown writes the report as Markdown, with the same text and
// tables as the HTML.
func (r *Overview) WriteMarkdown(w io.Writer) error {
	d, err := r.document()
	if err != nil {
		return err
	}
	return d.writeMarkdown(w, stamp(r.generated()))
}

func (r *Overview) document() (*document, error) {
	a := r.Analysis
	if a == nil {
		return nil, errNoAnalysis
	}
	d := &document{Kind: "Use Case Overview Report", Title: title(&r.Options, a.Flow.Name)}
	d.Facts = append(r.useCaseFacts(), flowFacts(&r.Options, a)...)
	d.Headline = headline(a)
	d.Findings = findings(a)

	c := a.Counts
	s := d.section("funnel", "Response funnel")
	s.add(para(fmt.Sprintf("%s health workers were contacted. The messages reached %s of them; %s responded and %s replied to every question asked.",
		count(c.Contacted), rateText(c.DeliveryRate()), rateText(c.ResponseRate()), rateText(c.CompletionRate()))))
	if svg, err := funnelChart(a); err != nil {
		return nil, err
	} else if svg != "" {
		s.add(&figure{SVG: svg, Caption: "Health workers at each step, from contacted to replying to every question (percent of contacted)."})
	}
	s.add(summaryTable(c), funnelTable(a))

	if b, ok := a.Breakdown(analytics.ByDistrict); ok && len(b.Groups) > 0 {
		s := d.section("districts", "Response by district")
		if svg, err := rateChart(a, b); err != nil {
			return nil, err
		} else if svg != "" {
			s.add(&figure{SVG: svg, Caption: "Response rate of each district with its 95% interval; districts flagged as answering far less in red."})
		}
		s.add(breakdownTable(a, b, nil))
	}

	s = d.section("questions", "Answers per question")
	for _, q := range a.Questions {
		if !q.Wait {
			continue
		}
		k := keep{heading(fmt.Sprintf("%d. %s", q.Position, q.Name))}
		if q.Text != "" {
			k = append(k, para("Asked: “"+q.Text+"”"))
		}
		k = append(k, para(questionSummary(q)))
		if q.Misunderstood != nil {
			k = append(k, alert(q.Misunderstood.Statement))
		}
		if svg, err := questionChart(q); err != nil {
			return nil, err
		} else if svg != "" {
			k = append(k, &figure{SVG: svg, Caption: fmt.Sprintf("Final answers to question %d (percent of the %s workers asked).", q.Position, count(q.Asked))})
		}
		s.add(append(k, questionAnswersTable(q)))
	}
	s.add(questionsTable(a))

	s = d.section("non-responders", "Non-responders")
	nr := 0
	for _, rc := range a.NonResponders {
		nr += rc.Count
	}
	s.add(para(fmt.Sprintf("%s of the %s health workers contacted did not take part as asked. Each is given the most certain likely reason; the Monitoring Tool lists them one by one for follow-up.",
		count(nr), count(c.Contacted))))
	s.add(reasonsTable(a.NonResponders, c.Contacted))
	if r.NonResponders != nil {
		t, err := nonResponderDistricts(r.NonResponders)
		if err != nil {
			return nil, err
		}
		s.add(t)
	}

	s = d.section("trends", "Trends between sends")
	if sends, ok := a.Breakdown(analytics.BySend); ok && len(sends.Groups) > 1 {
		if svg, err := sendsChart(sends, "Rates by send"); err != nil {
			return nil, err
		} else if svg != "" {
			s.add(&figure{SVG: svg, Caption: "Response, delivery and completion rates of each send."})
		}
	}
	if len(a.Trends) == 0 {
		s.add(para("The workflow has been sent once: trends appear from the second send."))
	} else {
		var st bullets
		for _, t := range a.Trends {
			st = append(st, t.Statement)
		}
		s.add(st, trendsTable(a))
	}
	d.Notes = notes()
	return d, nil
}

// nonResponderDistricts counts the non-responders by district and reason.
func nonResponderDistricts(list iter.Seq2[analytics.NonResponder, error]) (*table, error) {
	var c districtCounter
	for n, err := range list {
		if err != nil {
			return nil, fmt.Errorf("report: listing the non-responders: %w", err)
		}
		c.add(n)
	}
	return c.table(), nil
}

// districtCounter counts non-responders by district and reason, in memory
// that grows with the districts, not the workers.
type districtCounter struct {
	rows map[string]*districtRow
}

type districtRow struct {
	label  string
	counts map[analytics.Reason]int
}

func (c *districtCounter) add(n analytics.NonResponder) {
	if c.rows == nil {
		c.rows = map[string]*districtRow{}
	}
	key, label := n.Worker.DistrictID, n.Worker.District
	if key == "" {
		key = label
	}
	if label == "" {
		label = cmp.Or(key, "(unknown)")
	}
	r := c.rows[key]
	if r == nil {
		r = &districtRow{label: label, counts: map[analytics.Reason]int{}}
		c.rows[key] = r
	}
	r.counts[n.Reason]++
}

func (c *districtCounter) table() *table {
	t := &table{ID: "non-responders-by-district", Sheet: "Non-response by district", Title: "Non-responders by district and likely reason",
		Cols: []col{{"District", kText}}}
	reasons := analytics.Reasons()
	for _, r := range reasons {
		t.Cols = append(t.Cols, col{capitalize(r.Label()), kInt})
	}
	t.Cols = append(t.Cols, col{"All", kInt})
	keys := slices.Collect(maps.Keys(c.rows))
	slices.SortFunc(keys, func(a, b string) int {
		if (a == "") != (b == "") {
			return cmp.Compare(b, a) // the unknown district last
		}
		return cmp.Or(strings.Compare(c.rows[a].label, c.rows[b].label), strings.Compare(a, b))
	})
	total := make([]int, len(reasons)+1)
	for _, k := range keys {
		r := c.rows[k]
		cells := []cell{txt(r.label)}
		all := 0
		for i, reason := range reasons {
			n := r.counts[reason]
			cells = append(cells, num(n))
			all += n
			total[i] += n
		}
		total[len(total)-1] += all
		t.Rows = append(t.Rows, append(cells, num(all)))
	}
	t.Total = []cell{txt("All")}
	for _, n := range total {
		t.Total = append(t.Total, num(n))
	}
	return t
}

// title is the report's title: the use case's, else the workflow's name.
func title(o *Options, flow string) string {
	if o.UseCase != nil && o.UseCase.Title != "" {
		return o.UseCase.Title
	}
	if flow == "" {
		return "Workflow"
	}
	return flow
}

// flowFacts describe the workflow and the data.
func flowFacts(o *Options, a *analytics.Analysis) []fact {
	fs := []fact{{"Workflow", a.Flow.Name}}
	if sends, ok := a.Breakdown(analytics.BySend); ok && len(sends.Groups) > 0 {
		first, last := sends.Groups[0].Start, sends.Groups[len(sends.Groups)-1].Start
		v := fmt.Sprintf("%d", len(sends.Groups))
		if !first.IsZero() {
			v += ", " + day(o.in(first))
			if len(sends.Groups) > 1 && !last.IsZero() {
				v += " to " + day(o.in(last))
			}
		}
		fs = append(fs, fact{"Sends", v})
	}
	if f := a.Filter; !f.Since.IsZero() || !f.Until.IsZero() || len(f.Sends) > 0 {
		var parts []string
		if !f.Since.IsZero() {
			parts = append(parts, "from "+stamp(o.in(f.Since)))
		}
		if !f.Until.IsZero() {
			parts = append(parts, "until "+stamp(o.in(f.Until)))
		}
		if len(f.Sends) > 0 {
			parts = append(parts, fmt.Sprintf("%d selected sends", len(f.Sends)))
		}
		fs = append(fs, fact{"Runs", strings.Join(parts, ", ")})
	}
	wait := 0
	for _, q := range a.Questions {
		if q.Wait {
			wait++
		}
	}
	fs = append(fs, fact{"Questions", fmt.Sprintf("%d", wait)})
	if !a.AsOf.IsZero() {
		fs = append(fs, fact{"Data as of", stamp(o.in(a.AsOf))})
	}
	return fs
}

// headline are the four numbers a Director reads first.
func headline(a *analytics.Analysis) []stat {
	c := a.Counts
	nr := 0
	for _, rc := range a.NonResponders {
		nr += rc.Count
	}
	return []stat{
		{"Response rate", rateText(c.ResponseRate()), fmt.Sprintf("%s of %s contacted replied", count(c.Responded), count(c.Contacted))},
		{"Delivered", rateText(c.DeliveryRate()), fmt.Sprintf("%s likely out of coverage", count(c.Failed))},
		{"Completion rate", rateText(c.CompletionRate()), fmt.Sprintf("%s replied to every question", count(c.AnsweredAll))},
		{"Non-responders", count(nr), "with a likely reason each"},
	}
}

// findings are the flags and the real changes, in plain statements.
func findings(a *analytics.Analysis) []finding {
	var fs []finding
	// The statements are whole sentences that name their subject.
	for _, q := range a.Misunderstood {
		if q.Misunderstood != nil {
			fs = append(fs, finding{Text: q.Misunderstood.Statement, Alert: true})
		}
	}
	// Regions and districts one by one; the smaller groups (facilities,
	// cadres, ...) counted, so that a low district's facilities do not
	// bury the finding: the Analysis Report lists them.
	others := map[analytics.Dimension][]string{}
	var order []analytics.Dimension
	for _, g := range a.Low {
		if g.Dimension == analytics.ByRegion || g.Dimension == analytics.ByDistrict {
			fs = append(fs, finding{Text: g.Statement, Alert: true})
			continue
		}
		if others[g.Dimension] == nil {
			order = append(order, g.Dimension)
		}
		others[g.Dimension] = append(others[g.Dimension], g.Label)
	}
	for _, d := range order {
		labels := others[d]
		what, verb := lowerFirst(dimName(d)), "answers"
		if len(labels) > 1 {
			what, verb = dimPlural(d), "answer"
		}
		shown := labels
		if len(shown) > 5 {
			shown = append(slices.Clip(shown[:5]), fmt.Sprintf("and %d more", len(labels)-5))
		}
		fs = append(fs, finding{Text: fmt.Sprintf("%d %s also %s far less than the rest: %s (see the Analysis Report).", len(labels), what, verb, strings.Join(shown, ", ")), Alert: true})
	}
	for _, t := range a.Trends {
		if t.Test.Significant {
			fs = append(fs, finding{Text: t.Statement, Alert: t.Test.Diff < 0})
		}
	}
	if len(a.Misunderstood) == 0 && len(a.Low) == 0 {
		fs = append(fs, finding{Text: "No question was flagged as misunderstood, and no group of health workers answers far less than the rest."})
	}
	return fs
}

// questionSummary says in a sentence how a question fared.
func questionSummary(q analytics.Question) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Asked %s health workers: %s answered, %s replied with something that fit no answer, %s never replied",
		count(q.Asked), rateText(q.AnswerRate()), rateText(analytics.Rate{N: q.Other, Of: q.Asked}), rateText(analytics.Rate{N: q.NoResponse, Of: q.Asked}))
	if q.Waiting > 0 {
		fmt.Fprintf(&b, ", %s still awaited", count(q.Waiting))
	}
	b.WriteString(".")
	if q.ReAsked > 0 {
		fmt.Fprintf(&b, " %s were asked again after a reply that did not fit.", count(q.ReAsked))
	}
	if q.Timed > 0 {
		fmt.Fprintf(&b, " Median time to answer: %s.", duration(q.MedianAnswerTime))
	}
	return b.String()
}

// notes say how to read the numbers.
func notes() []string {
	return []string{
		"Every count is of health workers reached by a send: one RapidPro run each.",
		"Delivered: at least one message reached the network. Failed: every message failed, most often because the phone was out of network coverage, off, or the number no longer in use.",
		"Responded: replied at least once. Replied to every question: replied, fitting or not, to every question the workflow asked them (the completion rate). Answered: the reply fit one of the expected answers.",
		"A question is flagged as possibly misunderstood when the share of replies that fit no answer is high and significantly above the workflow's other questions; a group answers far less when its response rate is significantly and substantially below the rest. The tests are two-proportion z-tests, corrected for the number of comparisons made.",
		"Intervals are 95% Wilson score intervals: the range the true rate lies in, given the number of workers.",
	}
}
