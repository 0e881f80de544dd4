package report

import (
	"fmt"
	"strconv"

	"github.com/mhero-go/mhero/analytics"
)

// The views: each builds one table from the analytics' results, for every
// report and format that shows it.

// dimensionNames are the dimensions as reports name them (singular,
// plural, sheet).
var dimensionNames = map[analytics.Dimension][3]string{
	analytics.BySend:     {"Send", "sends", "Sends"},
	analytics.ByWeek:     {"Week", "weeks", "Weeks"},
	analytics.ByRegion:   {"Region", "regions", "Regions"},
	analytics.ByDistrict: {"District", "districts", "Districts"},
	analytics.ByFacility: {"Facility", "facilities", "Facilities"},
	analytics.ByCadre:    {"Cadre", "cadres", "Cadres"},
	analytics.ByGender:   {"Gender", "genders", "Gender"},
}

func dimName(d analytics.Dimension) string {
	if n, ok := dimensionNames[d]; ok {
		return n[0]
	}
	return string(d)
}

func dimPlural(d analytics.Dimension) string {
	if n, ok := dimensionNames[d]; ok {
		return n[1]
	}
	return string(d)
}

func dimSheet(d analytics.Dimension) string {
	if n, ok := dimensionNames[d]; ok {
		return n[2]
	}
	return string(d)
}

// summaryTable is the headline: what happened to the runs.
func summaryTable(c analytics.Counts) *table {
	t := &table{ID: "summary", Sheet: "Summary", Title: "What happened to the messages",
		Cols: []col{{"Measure", kText}, {"Health workers", kInt}, {"% of contacted", kPercent}}}
	of := c.Contacted
	add := func(label string, n int) { t.Rows = append(t.Rows, []cell{txt(label), num(n), share(n, of)}) }
	add("Contacted", c.Contacted)
	add("Delivered", c.Delivered)
	add("Failed: likely out of coverage", c.Failed)
	add("Responded", c.Responded)
	add("Replied to every question", c.AnsweredAll)
	add("Completed the workflow", c.Completed)
	add("Interrupted", c.Interrupted)
	add("Expired", c.Expired)
	add("Errored", c.Errored)
	add("Still active", c.Active)
	t.Caption = fmt.Sprintf("Of the workers the messages reached, %s responded.", c.ReachedResponseRate())
	return t
}

// funnelTable follows the questions that wait for a reply.
func funnelTable(a *analytics.Analysis) *table {
	t := &table{ID: "funnel", Sheet: "Funnel", Title: "Response funnel, question by question",
		Cols:  []col{{"#", kInt}, {"Question", kText}, {"Asked", kInt}, {"Replied", kInt}, {"Answered", kInt}, {"Answered, of asked", kPercent}, {"Stopped here", kInt}},
		Chart: &sheetChart{Type: chartBar, Title: "Response funnel", Label: 1, Values: []int{2, 3, 4}}}
	for _, f := range a.Funnel {
		t.Rows = append(t.Rows, []cell{num(f.Position), txt(questionLabel(a, f.Key, f.Name)), num(f.Asked), num(f.Replied), num(f.Answered), share(f.Answered, f.Asked), num(f.StoppedHere)})
	}
	t.Caption = "Replied counts any reply; Answered, replies that fit one of the expected answers. Stopped here counts the workers who replied to an earlier question and to none from this one on."
	return t
}

// questionLabel is how tables name a question: its result name, with its
// key when they differ in more than case.
func questionLabel(a *analytics.Analysis, key, name string) string {
	if name == "" {
		name = key
	}
	return name
}

// lowSet is the set of flagged groups of a dimension.
func lowSet(a *analytics.Analysis, d analytics.Dimension) map[string]bool {
	s := map[string]bool{}
	for _, g := range a.Low {
		if g.Dimension == d {
			s[g.Key] = true
		}
	}
	return s
}

// breakdownTable is the counts by the groups of one dimension.
func breakdownTable(a *analytics.Analysis, b analytics.Breakdown, loc func(t analytics.Group) string) *table {
	name := dimName(b.Dimension)
	t := &table{ID: "by-" + string(b.Dimension), Sheet: dimSheet(b.Dimension), Title: "Response by " + lowerFirst(name),
		Cols: []col{{name, kText}, {"Contacted", kInt}, {"Delivered", kInt}, {"Failed", kInt}, {"Responded", kInt},
			{"Response rate", kPercent}, {"Of delivered", kPercent}, {"Replied to all", kInt}, {"Completion rate", kPercent}, {"Flag", kText}}}
	chart := chartBar
	if b.Dimension == analytics.BySend || b.Dimension == analytics.ByWeek {
		chart = chartLine
	}
	t.Chart = &sheetChart{Type: chart, Title: "Response rate by " + lowerFirst(name), Label: 0, Values: []int{5, 8}, Percent: true}
	low := lowSet(a, b.Dimension)
	for _, g := range b.Groups {
		label := g.Label
		if loc != nil {
			label = loc(g)
		}
		flag := ""
		if low[g.Key] {
			flag = "answers far less"
		}
		t.Rows = append(t.Rows, []cell{txt(label), num(g.Contacted), num(g.Delivered), num(g.Failed), num(g.Responded),
			flagged(rate(g.ResponseRate()), low[g.Key]), rate(g.ReachedResponseRate()), num(g.AnsweredAll), rate(g.CompletionRate()), flagged(txt(flag), low[g.Key])})
	}
	c := a.Counts
	t.Total = []cell{txt("All"), num(c.Contacted), num(c.Delivered), num(c.Failed), num(c.Responded), rate(c.ResponseRate()), rate(c.ReachedResponseRate()), num(c.AnsweredAll), rate(c.CompletionRate()), txt("")}
	t.Caption = "Response rate: workers who replied at least once, of those contacted; Of delivered: of those the messages reached. Completion rate: workers who replied to every question asked, of those contacted."
	return t
}

// questionsTable is the per-question summary.
func questionsTable(a *analytics.Analysis) *table {
	t := &table{ID: "questions", Sheet: "Questions", Title: "Questions",
		Cols: []col{{"#", kInt}, {"Question", kText}, {"Asked", kInt}, {"Replied", kInt}, {"Answered", kInt}, {"Other", kInt}, {"No response", kInt},
			{"Waiting", kInt}, {"Asked again", kInt}, {"Misfit", kPercent}, {"Median time to answer", kText}, {"Flag", kText}},
		Chart: &sheetChart{Type: chartStackedBar, Title: "Answers that fit, did not fit, or never came", Label: 1, Values: []int{4, 5, 6}}}
	for _, q := range a.Questions {
		if !q.Wait {
			continue
		}
		mis := q.Misunderstood != nil
		flag := ""
		if mis {
			flag = "may be misunderstood"
		}
		t.Rows = append(t.Rows, []cell{num(q.Position), txt(questionLabel(a, q.Key, q.Name)), num(q.Asked), num(q.Replied), num(q.Answered), flagged(num(q.Other), mis), num(q.NoResponse),
			num(q.Waiting), num(q.ReAsked), flagged(rate(q.Misfit), mis), txt(duration(q.MedianAnswerTime)), flagged(txt(flag), mis)})
	}
	t.Caption = "Other: the last reply fit none of the expected answers. Asked again: workers whose first reply did not fit and who were asked again. Misfit: workers whose reply, at least once, did not fit, of those who replied."
	return t
}

// answersTable is every question's distribution of final answers.
func answersTable(a *analytics.Analysis) *table {
	t := &table{ID: "answers", Sheet: "Answers", Title: "Answers per question",
		Cols: []col{{"#", kInt}, {"Question", kText}, {"Answer", kText}, {"Health workers", kInt}, {"% of asked", kPercent}}}
	for _, q := range a.Questions {
		for _, d := range q.Distribution {
			t.Rows = append(t.Rows, []cell{num(q.Position), txt(questionLabel(a, q.Key, q.Name)), txt(d.Category), num(d.Count), share(d.Count, q.Asked)})
		}
	}
	return t
}

// questionAnswersTable is one question's part of answersTable.
func questionAnswersTable(q analytics.Question) *table {
	t := &table{ID: "answers-" + q.Key, Cols: []col{{"Answer", kText}, {"Health workers", kInt}, {"% of asked", kPercent}}}
	for _, d := range q.Distribution {
		t.Rows = append(t.Rows, []cell{txt(d.Category), num(d.Count), share(d.Count, q.Asked)})
	}
	return t
}

// trendsTable compares each send with the one before.
func trendsTable(a *analytics.Analysis) *table {
	t := &table{ID: "trends", Sheet: "Trends", Title: "Changes from one send to the next",
		Cols: []col{{"Rate", kText}, {"From", kText}, {"To", kText}, {"Before", kPercent}, {"After", kPercent}, {"Change (points)", kNumber}, {"p-value", kNumber}, {"Real change", kText}}}
	for _, c := range a.Trends {
		real := "no"
		if c.Test.Significant {
			real = "yes"
		}
		diff := 100 * (c.After.Value() - c.Before.Value())
		t.Rows = append(t.Rows, []cell{txt(string(c.Metric)), txt(c.From.Label), txt(c.To.Label), rate(c.Before), rate(c.After),
			{Text: strconv.FormatFloat(diff, 'f', 1, 64), Num: diff}, {Text: pText(c.Test.P), Num: c.Test.P}, flagged(txt(real), c.Test.Significant)})
	}
	return t
}

// pText formats a p-value for a table.
func pText(p float64) string {
	if p < 0.0001 {
		return "<0.0001"
	}
	return strconv.FormatFloat(p, 'g', 2, 64)
}

// flagsTable lists what the analytics flagged.
func flagsTable(a *analytics.Analysis) *table {
	t := &table{ID: "flags", Sheet: "Flags", Title: "Flags",
		Cols: []col{{"Flag", kText}, {"About", kText}, {"Rate", kPercent}, {"Rest", kPercent}, {"p-value", kNumber}, {"Statement", kText}}}
	for _, q := range a.Misunderstood {
		if q.Misunderstood == nil {
			continue
		}
		f := q.Misunderstood
		t.Rows = append(t.Rows, []cell{txt("question may be misunderstood"), txt(fmt.Sprintf("%d. %s", q.Position, questionLabel(a, q.Key, q.Name))),
			rate(f.Test.A), rate(f.Test.B), {Text: pText(f.Test.P), Num: f.Test.P}, txt(f.Statement)})
	}
	for _, g := range a.Low {
		t.Rows = append(t.Rows, []cell{txt(lowerFirst(dimName(g.Dimension)) + " answers far less"), txt(g.Label),
			rate(g.Test.A), rate(g.Test.B), {Text: pText(g.Test.P), Num: g.Test.P}, txt(g.Statement)})
	}
	return t
}

// reasonsTable counts the non-responders by reason.
func reasonsTable(counts []analytics.ReasonCount, contacted int) *table {
	t := &table{ID: "reasons", Sheet: "Non-response", Title: "Non-responders by likely reason",
		Cols: []col{{"Likely reason", kText}, {"Health workers", kInt}, {"% of contacted", kPercent}, {"What to do", kText}}}
	total := 0
	for _, r := range analytics.Reasons() {
		n := 0
		for _, c := range counts {
			if c.Reason == r {
				n = c.Count
			}
		}
		total += n
		t.Rows = append(t.Rows, []cell{txt(capitalize(r.Label())), num(n), share(n, contacted), txt(advice(r))})
	}
	t.Total = []cell{txt("All non-responders"), num(total), share(total, contacted), txt("")}
	return t
}

// advice says what a reason calls for.
func advice(r analytics.Reason) string {
	switch r {
	case analytics.ReasonOutOfCoverage:
		return "Check the number in iHRIS; reach the worker another way or when back in coverage."
	case analytics.ReasonNoAnswer:
		return "Remind the worker through their supervisor; check the number is still theirs."
	case analytics.ReasonNeedsTraining:
		return "Offer training in answering mHero messages."
	case analytics.ReasonStopped:
		return "See where they stopped: a long or unclear question loses workers."
	}
	return ""
}

// crossTabTable shows a question's answers by the groups of a dimension,
// in percent of the group's workers asked.
func crossTabTable(a *analytics.Analysis, ct analytics.CrossTab) *table {
	name := dimName(ct.Dimension)
	label := ct.Question
	if q, ok := a.Question(ct.Question); ok {
		label = fmt.Sprintf("%d. %s", q.Position, questionLabel(a, q.Key, q.Name))
	}
	t := &table{ID: "crosstab-" + ct.Question + "-" + string(ct.Dimension), Title: label + " by " + lowerFirst(name)}
	t.Cols = append(t.Cols, col{name, kText}, col{"Asked", kInt})
	for _, c := range ct.Categories {
		t.Cols = append(t.Cols, col{c, kPercent})
	}
	total := make([]int, len(ct.Categories))
	asked := 0
	for _, r := range ct.Rows {
		row := []cell{txt(r.Label), num(r.Asked)}
		for i := range ct.Categories {
			n := 0
			if i < len(r.Counts) {
				n = r.Counts[i]
			}
			total[i] += n
			row = append(row, share(n, r.Asked))
		}
		asked += r.Asked
		t.Rows = append(t.Rows, row)
	}
	t.Total = []cell{txt("All"), num(asked)}
	for _, n := range total {
		t.Total = append(t.Total, share(n, asked))
	}
	t.Caption = "Each answer's share of the group's workers asked the question."
	return t
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	if s[0] >= 'A' && s[0] <= 'Z' {
		return string(s[0]+'a'-'A') + s[1:]
	}
	return s
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}
