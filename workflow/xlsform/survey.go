package xlsform

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/mhero-go/mhero/internal/yamlpos"
	"github.com/mhero-go/mhero/workflow"
)

// rowType is what the type column of a survey row says.
type rowType struct {
	kind    string // question, note, begin group, end group, begin repeat, end repeat, metadata, unsupported, unknown
	qtype   string // of a question: text, integer, decimal, range, date, select_one
	list    string // of a select_one
	orOther bool   // select_one LIST or_other
	why     string // why an unsupported type cannot be asked by SMS
}

// metadataTypes are collected by the data collection app, not asked:
// RapidPro records the times and the contact of a run itself.
var metadataTypes = []string{"start", "end", "today", "deviceid", "username", "simserial", "subscriberid",
	"phonenumber", "email", "audit", "start-geopoint", "instanceid", "uri:email", "uri:username", "uri:phonenumber",
	"uri:deviceid", "uri:subscriberid", "uri:simserial"}

// unsupportedTypes are question types an SMS cannot ask, and why.
var unsupportedTypes = map[string]string{
	"select_multiple":           "several answers in one reply are not supported: ask a yes/no question per option, or a select_one",
	"select_multiple_from_file": "several answers in one reply are not supported: ask a select_one",
	"select_one_from_file":      "choices read from a file are not supported: list them on the choices sheet",
	"select_one_external":       "external choices are not supported: list them on the choices sheet",
	"rank":                      "ranking is not supported by SMS",
	"calculate":                 "calculations are not supported by SMS",
	"hidden":                    "hidden questions are not supported by SMS",
	"acknowledge":               "acknowledge is not supported: use a select_one of a yes/no list",
	"geopoint":                  "locations cannot be sent by SMS",
	"geotrace":                  "locations cannot be sent by SMS",
	"geoshape":                  "locations cannot be sent by SMS",
	"image":                     "images cannot be sent by SMS",
	"audio":                     "audio cannot be sent by SMS",
	"background-audio":          "audio cannot be sent by SMS",
	"video":                     "video cannot be sent by SMS",
	"file":                      "files cannot be sent by SMS",
	"barcode":                   "barcodes cannot be scanned by SMS",
	"time":                      "times are not supported: ask for a number (the hour) or text",
	"datetime":                  "date and time answers are not supported: ask for a date",
	"trigger":                   "triggers are not supported by SMS",
	"xml-external":              "external data is not supported by SMS",
	"csv-external":              "external data is not supported by SMS",
}

var questionTypes = []string{"text", "integer", "decimal", "range", "date", "select_one", "note",
	"begin group", "end group", "begin repeat", "end repeat"}

// parseType reads a type cell: "select_one reasons", "select one reasons
// or_other", "begin group", "integer"...
func parseType(s string) rowType {
	f := strings.Fields(s)
	if len(f) == 0 {
		return rowType{}
	}
	head := strings.ToLower(f[0])
	if len(f) > 1 {
		switch second := strings.ToLower(f[1]); {
		case head == "select" && (second == "one" || second == "multiple"):
			head, f = head+"_"+second, append([]string{head + "_" + second}, f[2:]...)
		case head == "begin" || head == "end":
			head, f = head+" "+second, append([]string{head + " " + second}, f[2:]...)
		}
	}
	head = strings.Replace(head, "begin_", "begin ", 1)
	head = strings.Replace(head, "end_", "end ", 1)
	switch head {
	case "text", "string":
		return rowType{kind: "question", qtype: "text"}
	case "integer", "int":
		return rowType{kind: "question", qtype: "integer"}
	case "decimal":
		return rowType{kind: "question", qtype: "decimal"}
	case "range":
		return rowType{kind: "question", qtype: "range"}
	case "date":
		return rowType{kind: "question", qtype: "date"}
	case "select_one", "select1":
		t := rowType{kind: "question", qtype: "select_one"}
		if len(f) > 1 {
			t.list = f[1]
		}
		if len(f) > 2 && strings.EqualFold(f[2], "or_other") {
			t.orOther = true
		} else if len(f) > 2 {
			return rowType{kind: "unknown"}
		}
		return t
	case "note":
		return rowType{kind: "note"}
	case "begin group", "end group", "begin repeat", "end repeat":
		return rowType{kind: head}
	}
	if slices.Contains(metadataTypes, head) {
		return rowType{kind: "metadata"}
	}
	if why, ok := unsupportedTypes[head]; ok {
		return rowType{kind: "unsupported", why: why}
	}
	return rowType{kind: "unknown"}
}

// group is an open begin group.
type group struct {
	row   int
	conds []conj
}

// pendingNote is a note waiting for the question it is sent with.
type pendingNote struct {
	text  workflow.Text
	row   row
	conds []conj
	// path places the note's label for the message it ends up in.
	labelPos workflow.Pos
	header   string
}

// readSurvey converts the survey sheet's rows, in order.
func (c *converter) readSurvey() {
	s := c.wb.survey
	typeCol, ok := c.survey.one("type")
	if !ok {
		c.errorf(c.wb.pos(s, max(s.headerRow, 1), -1), "type", "the survey sheet has no type column")
		return
	}
	c.src.set("", workflow.Pos{File: c.wb.file, Sheet: s.name}, "")
	c.src.set("questions", workflow.Pos{File: c.wb.file, Sheet: s.name}, "")
	c.src.set("intro", workflow.Pos{File: c.wb.file, Sheet: s.name}, "")
	c.src.set("closing", workflow.Pos{File: c.wb.file, Sheet: s.name}, "")
	nameCol, _ := c.survey.one("name")
	c.names = map[string]*namedRow{}
	c.results = map[string]int{}
	for _, r := range s.rows {
		name := r.get(nameCol.idx)
		t := parseType(r.get(typeCol.idx))
		if name != "" && !strings.HasPrefix(t.kind, "end ") && c.names[name] == nil {
			kind := t.kind
			switch kind {
			case "begin group":
				kind = "group"
			case "begin repeat":
				kind = "repeat"
			case "question", "note", "metadata":
			default:
				kind = "other"
			}
			c.names[name] = &namedRow{row: r.num, kind: kind}
		}
	}

	var groups []group
	var notes []pendingNote
	repeat := 0 // depth of groups inside a repeat being skipped
	for _, r := range s.rows {
		if r.blank() {
			continue
		}
		typ := r.get(typeCol.idx)
		t := parseType(typ)
		tpos := c.wb.pos(s, r.num, typeCol.idx)
		if repeat > 0 {
			// The begin repeat is reported; what it holds is not asked.
			switch t.kind {
			case "begin group", "begin repeat":
				repeat++
			case "end group", "end repeat":
				repeat--
			}
			continue
		}
		if t.kind != "unsupported" && t.kind != "unknown" {
			// A row of a type that is itself reported is one mistake.
			c.unsupportedCells(s, c.survey, r)
		}
		name := r.get(nameCol.idx)
		switch t.kind {
		case "":
			c.errorf(tpos, typeCol.header, "missing the type of this row (text, integer, select_one LIST, note...)")
		case "metadata":
		case "begin group":
			g := group{row: r.num}
			if len(groups) > 0 {
				g.conds = slices.Clone(groups[len(groups)-1].conds)
			}
			g.conds = append(g.conds, c.relevant(r)...)
			groups = append(groups, g)
		case "end group":
			if len(groups) == 0 {
				c.errorf(tpos, typeCol.header, "end group without a begin group above it")
				continue
			}
			groups = groups[:len(groups)-1]
		case "begin repeat":
			c.errorf(tpos, typeCol.header, "repeats are not supported by SMS: ask the questions once, or in a workflow per item (rows up to its end repeat are left out)")
			repeat = 1
		case "end repeat":
			c.errorf(tpos, typeCol.header, "end repeat without a begin repeat above it")
		case "note":
			n := pendingNote{row: r, conds: c.conds(groups, r)}
			if col, ok := c.baseColumn(c.survey, "label"); ok {
				n.labelPos, n.header = c.wb.pos(s, r.num, col.idx), col.header
			}
			n.text = join(c.text(s, c.survey, r, "label", ""), c.text(s, c.survey, r, "hint", ""), c.w.Translations)
			if n.text.IsZero() {
				c.warnf(tpos, typeCol.header, "a note without a label sends nothing: it is left out")
				continue
			}
			notes = append(notes, n)
		case "question":
			conds := c.conds(groups, r)
			if i := c.question(r, t, name, tpos, typeCol.header, conds); i >= 0 {
				c.attachNotes(notes, i, conds, r.num)
				notes = nil
			}
		case "unsupported":
			c.errorf(tpos, typeCol.header, "%s: %s", strings.Fields(typ)[0], t.why)
		default:
			msg := fmt.Sprintf("unknown type %q", typ)
			if s := yamlpos.Closest(strings.ToLower(typ), questionTypes); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (text, integer, decimal, date, select_one LIST, note, begin group...)"
			}
			c.errorf(tpos, typeCol.header, "%s", msg)
		}
	}
	for _, g := range groups {
		c.errorf(c.wb.pos(s, g.row, typeCol.idx), typeCol.header, "this group is never ended: add an end group row")
	}
	if repeat > 0 {
		return
	}
	c.closingNotes(notes)
}

// conds returns the conditions a row is asked under: its groups', then
// its own relevant.
func (c *converter) conds(groups []group, r row) []conj {
	var out []conj
	if len(groups) > 0 {
		out = slices.Clone(groups[len(groups)-1].conds)
	}
	return append(out, c.relevant(r)...)
}

// attachNotes sends the notes read since the last question: before the
// first question they are the introduction, and later they open the
// question they precede, which they must not outlive: a note is then
// sent only when that question is asked.
func (c *converter) attachNotes(notes []pendingNote, i int, conds []conj, qrow int) {
	if len(notes) == 0 {
		return
	}
	if i == 0 {
		c.w.Intro = c.noteText(notes, "intro", "the introduction, sent before the first question to everyone")
		return
	}
	q := &c.w.Questions[i]
	var qconds []string
	for _, cj := range conds {
		qconds = append(qconds, cj.text)
	}
	var text workflow.Text
	for _, n := range notes {
		var own []string
		for _, cj := range n.conds {
			own = append(own, cj.text)
		}
		typePos := c.wb.pos(c.wb.survey, n.row.num, 0)
		if col, ok := c.survey.one("type"); ok {
			typePos = c.wb.pos(c.wb.survey, n.row.num, col.idx)
		}
		switch {
		case !subset(own, qconds):
			cj := n.conds[len(n.conds)-1]
			c.errorf(cj.pos, cj.header, "this note is sent with the next question (row %d), asked %s: the note's relevant must hold whenever that question is asked",
				qrow, describeWhen(q.When))
			continue
		case len(qconds) > len(own):
			c.warnf(typePos, "type", "this note is sent with the next question (row %d), so only when that question is asked (%s)", qrow, q.When)
		}
		text = join(text, n.text, c.w.Translations)
	}
	q.Ask = join(text, q.Ask, c.w.Translations)
}

func describeWhen(when string) string {
	if when == "" {
		return "always"
	}
	return "when " + when
}

// closingNotes makes the notes after the last question the closing
// message.
func (c *converter) closingNotes(notes []pendingNote) {
	if len(notes) == 0 {
		return
	}
	if len(c.w.Questions) == 0 {
		c.w.Intro = c.noteText(notes, "intro", "the introduction, sent to everyone")
		return
	}
	c.w.Closing = c.noteText(notes, "closing", "the closing message, sent after the last question to everyone")
}

// noteText joins notes sent to everyone (the introduction or the closing),
// reporting the relevant of each, which cannot be kept.
func (c *converter) noteText(notes []pendingNote, path, what string) workflow.Text {
	var t workflow.Text
	for k, n := range notes {
		if len(n.conds) > 0 {
			cj := n.conds[len(n.conds)-1]
			c.errorf(cj.pos, cj.header, "this note is %s: it cannot have a relevant (put its text in the label of a question instead)", what)
			continue
		}
		if k == 0 {
			c.src.set(path, n.labelPos, n.header)
			for _, lang := range c.w.Translations {
				if col, ok := c.labelColumn(lang); ok {
					c.src.set(path+"."+lang, c.wb.pos(c.wb.survey, n.row.num, col.idx), col.header)
				}
			}
		}
		t = join(t, n.text, c.w.Translations)
	}
	return t
}

func (c *converter) labelColumn(lang string) (column, bool) {
	for _, col := range c.survey.byKind["label"] {
		if col.lang == lang {
			return col, true
		}
	}
	return column{idx: -1}, false
}

func subset(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// qinfo is what relevant expressions need to know of a converted question.
type qinfo struct {
	result string
	typ    workflow.QuestionType
	list   string
	// cats maps the names of a select_one's choices to their categories.
	cats map[string]string
}

// answerCategories are the categories of an answer that fits q.
func (q *qinfo) answerCategories(wq *workflow.Question) []string {
	var out []string
	for _, cat := range wq.Categories() {
		if cat != wq.DefaultCategory() && cat != workflow.CategoryNoResponse {
			out = append(out, cat)
		}
	}
	return out
}

// question converts a question row and adds it to the workflow, and
// returns its index; -1 when the row is wrong in a way that leaves no
// question (reported).
func (c *converter) question(r row, t rowType, name string, tpos workflow.Pos, typeHeader string, conds []conj) int {
	s := c.wb.survey
	nameCol, _ := c.survey.one("name")
	npos := c.wb.pos(s, r.num, nameCol.idx)
	nr := c.names[name]
	switch {
	case name == "":
		c.errorf(npos, "name", "missing the question's name (its variable: letters, digits and _)")
		return -1
	case nr == nil || nr.row != r.num:
		first := 0
		if nr != nil {
			first = nr.row
		}
		c.errorf(npos, nameCol.header, "a second row named %q (the first is row %d): names must be unique", name, first)
		return -1
	}
	result := resultName(name)
	if first, dup := c.results[strings.ToLower(result)]; dup {
		c.errorf(npos, nameCol.header, "%q gives the result name %s, as row %d's name does: rename one", name, result, first)
		return -1
	}
	var list *choiceList
	if t.qtype == "select_one" {
		switch {
		case t.list == "":
			c.errorf(tpos, typeHeader, "select_one needs a list name: select_one LIST, with LIST's choices on the choices sheet")
			return -1
		case c.wb.choices == nil:
			c.errorf(tpos, typeHeader, "no choices sheet: list %s's choices go on a sheet named choices", t.list)
			return -1
		}
		list = c.lists[t.list]
		if list == nil {
			msg := fmt.Sprintf("no list named %q on the choices sheet", t.list)
			if s := yamlpos.Closest(t.list, mapKeys(c.lists)); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			c.errorf(tpos, typeHeader, "%s", msg)
			return -1
		}
		if t.orOther {
			if ch, ok := otherChoice(list); ok {
				// Two choices named Other cannot be told apart by a
				// reply; validation would report it at the question as
				// a duplicate category, without saying where the first
				// one is.
				p := c.choicePos(ch, "label")
				c.errorf(tpos, typeHeader, "or_other adds a choice Other, and list %s has one already (choices!%s%d): remove or_other, or that choice",
					t.list, workflow.ColumnName(p.Column), p.Line)
				t.orOther = false // nor its question, which would only repeat it
			} else {
				at := tpos
				l := *list
				l.choices = append(slices.Clone(list.choices), choice{name: "other", label: workflow.T("Other"), at: &at})
				list = &l
			}
		}
	}

	i := len(c.w.Questions)
	path := fmt.Sprintf("questions[%d]", i)
	c.results[strings.ToLower(result)] = r.num
	c.src.set(path, tpos, typeHeader)
	c.src.set(path+".type", tpos, typeHeader)
	c.src.set(path+".choices", tpos, typeHeader)
	c.src.set(path+".result", npos, nameCol.header)
	q := workflow.Question{Result: result}
	info := &qinfo{result: result, list: t.list}
	label := c.text(s, c.survey, r, "label", path+".ask")
	q.Ask = join(label, c.text(s, c.survey, r, "hint", ""), c.w.Translations)
	if label.IsZero() {
		q.Ask = workflow.Text{} // a hint alone is no question: validation says it is missing
	}
	q.Retry = c.text(s, c.survey, r, "constraint_message", path+".retry")

	constraint, cpos, cheader := c.cell(r, "constraint")
	switch t.qtype {
	case "text":
		q.Type = workflow.TypeText
	case "date":
		q.Type = workflow.TypeDate
	case "integer", "decimal", "range":
		q.Type = workflow.TypeNumber
		if t.qtype == "range" {
			c.rangeBounds(&q, r, path)
		}
		if constraint != "" {
			c.src.set(path+".min", cpos, cheader)
			c.src.set(path+".max", cpos, cheader)
			c.numberBounds(&q, constraint, t.qtype == "integer", cpos, cheader)
		}
		constraint = ""
	case "select_one":
		if yes, no, ok := c.yesNo(list); ok {
			q.Type = workflow.TypeYesNo
			info.cats = map[string]string{yes: workflow.CategoryYes, no: workflow.CategoryNo}
			q.Ask = c.listYesNo(q.Ask, list, yes, no)
		} else {
			c.choiceQuestion(&q, info, list, path)
		}
	}
	if constraint != "" {
		c.errorf(cpos, cheader, "a constraint is supported on integer and decimal questions only, as bounds (. >= 0 and . <= 52): an SMS reply to a %s question cannot be checked otherwise", t.qtype)
	}
	info.typ = q.Type
	for _, cj := range conds {
		// The relevant closest to the question: its own, or its group's.
		c.src.set(path+".when", cj.pos, cj.header)
	}
	q.When = whenOf(conds)
	c.w.Questions = append(c.w.Questions, q)
	nr.q = info
	if t.orOther {
		c.otherFollowUp(r, name, result, tpos, typeHeader, conds)
	}
	return i
}

// otherChoice returns the choice of l named or labelled Other, if any.
func otherChoice(l *choiceList) (choice, bool) {
	for _, ch := range l.choices {
		if strings.EqualFold(ch.name, "other") || strings.Join(wordsOf(ch.label.Base), " ") == "other" {
			return ch, true
		}
	}
	return choice{}, false
}

// otherFollowUp adds the question or_other asks after Other, as pyxform
// does: NAME_other, "Specify other.", asked when Other is chosen.
func (c *converter) otherFollowUp(r row, name, result string, tpos workflow.Pos, typeHeader string, conds []conj) {
	other := resultName(name + "_other")
	if first, dup := c.results[strings.ToLower(other)]; dup {
		c.errorf(tpos, typeHeader, "or_other asks a question named %s, as row %d is already named: rename that row", other, first)
		return
	}
	i := len(c.w.Questions)
	path := fmt.Sprintf("questions[%d]", i)
	c.src.set(path, tpos, typeHeader)
	c.results[strings.ToLower(other)] = r.num
	cj := conj{c: wcmp{result: result, op: "==", values: []string{"Other"}}, pos: tpos, header: typeHeader}
	cj.text = render(cj.c, false)
	conds = append(slices.Clone(conds), cj)
	c.src.set(path+".when", tpos, typeHeader)
	c.w.Questions = append(c.w.Questions, workflow.Question{Result: other, Ask: workflow.T("Specify other."), Type: workflow.TypeText,
		When: whenOf(conds)})
}

// cell returns the text of r's column of kind, its position and header.
func (c *converter) cell(r row, kind string) (string, workflow.Pos, string) {
	col, ok := c.survey.one(kind)
	if !ok {
		return "", workflow.Pos{}, kind
	}
	return r.get(col.idx), c.wb.pos(c.wb.survey, r.num, col.idx), col.header
}

// rangeBounds reads the start and end of a range question's parameters
// ("start=0 end=10 step=1") as its bounds.
func (c *converter) rangeBounds(q *workflow.Question, r row, path string) {
	params, pos, header := c.cell(r, "parameters")
	lo, hi := 0.0, 10.0 // XLSForm's defaults
	for _, p := range strings.Fields(params) {
		k, v, ok := strings.Cut(p, "=")
		var f float64
		if _, err := fmt.Sscan(v, &f); !ok || err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
			c.errorf(pos, header, "parameters are written name=number, as in start=0 end=10 step=1; not %q", p)
			return
		}
		switch strings.ToLower(k) {
		case "start":
			lo = f
		case "end":
			hi = f
		}
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	if params != "" {
		c.src.set(path+".min", pos, header)
		c.src.set(path+".max", pos, header)
	}
	q.Min, q.Max = &lo, &hi
}

// numberBounds reads a number question's constraint as its bounds:
// comparisons of the answer (.) with numbers, joined by and.
func (c *converter) numberBounds(q *workflow.Question, constraint string, integer bool, pos workflow.Pos, header string) {
	n, err := parseExpr(constraint)
	if err != nil {
		c.errorf(pos, header, "%v", err)
		return
	}
	var walk func(n xnode) error
	walk = func(n xnode) error {
		b, ok := n.(xbin)
		if !ok {
			return &exprError{n.offset(), "a constraint here compares the answer (.) with a number, as in . >= 0 and . <= 52"}
		}
		switch b.op {
		case "and":
			if err := walk(b.l); err != nil {
				return err
			}
			return walk(b.r)
		case "or":
			return &exprError{b.at, "bounds joined by or are not supported: an answer is accepted between one minimum and one maximum"}
		}
		op, num := b.op, b.r
		if _, isDot := b.l.(xdot); !isDot {
			if _, isDot := b.r.(xdot); !isDot {
				return &exprError{b.at, "a constraint here compares the answer (.) with a number, as in . >= 0 and . <= 52"}
			}
			op, num = flip(op), b.l
		}
		v, ok := literalNumber(num)
		if !ok {
			return &exprError{num.offset(), "the answer (.) can be compared with a number only"}
		}
		switch op {
		case ">=":
			q.Min = maxBound(q.Min, v, true)
		case "<=":
			q.Max = maxBound(q.Max, v, false)
		case ">", "<":
			if !integer {
				return &exprError{b.at, fmt.Sprintf("bounds are inclusive: write %s= with the smallest (or largest) value accepted", op)}
			}
			// A whole answer above 5 is at least 6.
			if op == ">" {
				q.Min = maxBound(q.Min, math.Floor(v)+1, true)
			} else {
				q.Max = maxBound(q.Max, math.Ceil(v)-1, false)
			}
		case "=":
			q.Min, q.Max = maxBound(q.Min, v, true), maxBound(q.Max, v, false)
		default:
			return &exprError{b.at, fmt.Sprintf("%s is not supported in a constraint: give bounds with >= and <=", op)}
		}
		return nil
	}
	if err := walk(n); err != nil {
		c.errorf(pos, header, "%v", err)
	}
}

// maxBound tightens a bound: the larger minimum, the smaller maximum.
func maxBound(b *float64, v float64, lower bool) *float64 {
	if b == nil || (lower && v > *b) || (!lower && v < *b) {
		return &v
	}
	return b
}

func literalNumber(n xnode) (float64, bool) {
	switch n := n.(type) {
	case xnum:
		return n.v, true
	case xstr:
		var f float64
		if _, err := fmt.Sscan(n.s, &f); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f, true
		}
	}
	return 0, false
}

// flip is the operator comparing the other way round: 5 < . is . > 5.
func flip(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

// resultName makes an XLSForm name (letters, digits, _, - and .) a result
// name (a letter, then letters, digits and _).
func resultName(name string) string {
	var b strings.Builder
	for _, r := range name {
		if r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), "_")
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		s = "q_" + s
	}
	return s
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
