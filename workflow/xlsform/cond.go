package xlsform

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/mhero-go/mhero/internal/yamlpos"
	"github.com/mhero-go/mhero/workflow"
)

// wcond is a condition in the terms of a workflow's when: comparisons of
// earlier results joined by and/or (a when has no not: negations are
// pushed down to the comparisons).
type wcond interface{ isCond() }

type (
	wand struct{ l, r wcond }
	wor  struct{ l, r wcond }
	// wcmp compares a result: its category with ==, !=, in or not in, or
	// its number with ==, !=, <, <=, > or >=.
	wcmp struct {
		result string
		op     string
		values []string
		number bool
		// answered is the category of a number answer (Has Number): a
		// negated number comparison also holds when there is none.
		answered string
	}
)

func (wand) isCond() {}
func (wor) isCond()  {}
func (wcmp) isCond() {}

// conj is one condition a row is asked under, from its own relevant or a
// group's.
type conj struct {
	c      wcond
	text   string // c in when syntax
	pos    workflow.Pos
	header string
}

// errBroken marks a reference to a row already reported as wrong: the
// condition is dropped without a second error.
var errBroken = errors.New("refers to a row reported as wrong")

// relevant reads row r's relevant as a condition; nothing when it is empty
// or wrong (reported).
func (c *converter) relevant(r row) []conj {
	text, pos, header := c.cell(r, "relevant")
	if text == "" {
		return nil
	}
	n, err := parseExpr(text)
	if err != nil {
		c.errorf(pos, header, "%v", err)
		return nil
	}
	wc, err := c.condition(n, r.num)
	switch {
	case errors.Is(err, errBroken):
		return nil
	case err != nil:
		c.errorf(pos, header, "%v", err)
		return nil
	}
	return []conj{{c: wc, text: render(wc, false), pos: pos, header: header}}
}

// condition translates a parsed relevant of the row at rowNum.
func (c *converter) condition(n xnode, rowNum int) (wcond, error) {
	switch n := n.(type) {
	case xbin:
		switch n.op {
		case "and", "or":
			l, err := c.condition(n.l, rowNum)
			if err != nil {
				return nil, err
			}
			r, err := c.condition(n.r, rowNum)
			if err != nil {
				return nil, err
			}
			if n.op == "and" {
				return mkAnd(l, r), nil
			}
			return mkOr(l, r), nil
		}
		for _, side := range []xnode{n.l, n.r} {
			if dot, ok := side.(xdot); ok {
				return nil, &exprError{dot.at, ". is the answer in a constraint; in relevant, name the question: ${name}"}
			}
		}
		ref, isRef := n.l.(xref)
		lit, op := n.r, n.op
		if !isRef {
			if ref, isRef = n.r.(xref); !isRef {
				return nil, &exprError{n.at, "a comparison here has a question on one side, as in ${q} = 'yes'"}
			}
			lit, op = n.l, flip(op)
		}
		return c.compare(ref, op, lit, rowNum, n.at)
	case xnot:
		x, err := c.condition(n.x, rowNum)
		if err != nil {
			return nil, err
		}
		return negate(x), nil
	case xselected:
		return c.compare(n.ref, "=", n.value, rowNum, n.at)
	case xref:
		// ${q} alone holds when q was answered.
		return c.compare(n, "!=", xstr{at: n.at}, rowNum, n.at)
	case xdot:
		return nil, &exprError{n.at, ". is the answer in a constraint; in relevant, name the question: ${name}"}
	}
	return nil, &exprError{n.offset(), "expected a condition, as ${q} = 'yes' or selected(${q}, 'yes')"}
}

// compare translates a comparison of question ref with a literal.
func (c *converter) compare(ref xref, op string, lit xnode, rowNum, at int) (wcond, error) {
	info, wq, err := c.earlier(ref, rowNum)
	if err != nil {
		return nil, err
	}
	var text string
	var isNumber bool
	switch l := lit.(type) {
	case xstr:
		text = l.s
	case xnum:
		text, isNumber = l.text, true
	case xref:
		return nil, &exprError{l.at, "comparing two answers is not supported: compare an answer with a fixed value"}
	default:
		return nil, &exprError{lit.offset(), "compare the answer with a value in quotes ('yes') or a number"}
	}
	if text == "" && !isNumber {
		// Answered or not: an answer that fits the question, whatever it is.
		cats := info.answerCategories(wq)
		switch op {
		case "=":
			return wcmp{result: info.result, op: "not in", values: cats}, nil
		case "!=":
			return wcmp{result: info.result, op: "in", values: cats}, nil
		}
		return nil, &exprError{at, fmt.Sprintf("%s compares numbers, not an empty answer", op)}
	}
	switch info.typ {
	case workflow.TypeChoice, workflow.TypeYesNo:
		if op != "=" && op != "!=" {
			return nil, &exprError{at, fmt.Sprintf("%s compares numbers, but ${%s} is a select_one: compare its choices with = or !=", op, ref.name)}
		}
		cat, ok := info.cats[text]
		if !ok {
			names := mapKeys(info.cats)
			msg := fmt.Sprintf("%q is not a choice of list %s (its choices: %s)", text, info.list, strings.Join(names, ", "))
			if s := yamlpos.Closest(text, names); s != "" {
				msg = fmt.Sprintf("%q is not a choice of list %s (did you mean %q?)", text, info.list, s)
			}
			return nil, &exprError{lit.offset(), msg}
		}
		return wcmp{result: info.result, op: map[string]string{"=": "==", "!=": "!="}[op], values: []string{cat}}, nil
	case workflow.TypeNumber:
		v, ok := literalNumber(lit)
		if !ok {
			return nil, &exprError{lit.offset(), fmt.Sprintf("%q is not a number, and ${%s} is a number question", text, ref.name)}
		}
		if op == "=" {
			op = "=="
		}
		return wcmp{result: info.result, op: op, values: []string{formatNumber(v)}, number: true, answered: workflow.CategoryHasNumber}, nil
	}
	return nil, &exprError{at, fmt.Sprintf("only whether ${%s} was answered can be tested by SMS (${%s} != ''): the text of a %s answer is not compared", ref.name, ref.name, info.typ)}
}

// earlier finds the question a relevant of row rowNum refers to.
func (c *converter) earlier(ref xref, rowNum int) (*qinfo, *workflow.Question, error) {
	nr, ok := c.names[ref.name]
	switch {
	case !ok:
		msg := fmt.Sprintf("no question is named %s", ref.name)
		if s := yamlpos.Closest(ref.name, mapKeys(c.names)); s != "" {
			msg += fmt.Sprintf(" (did you mean ${%s}?)", s)
		}
		return nil, nil, &exprError{ref.at, msg}
	case nr.row == rowNum:
		return nil, nil, &exprError{ref.at, fmt.Sprintf("${%s} is this row itself: relevant can only use earlier answers", ref.name)}
	case nr.row > rowNum:
		return nil, nil, &exprError{ref.at, fmt.Sprintf("${%s} is asked later (row %d): relevant can only use earlier answers", ref.name, nr.row)}
	case nr.kind == "note":
		return nil, nil, &exprError{ref.at, fmt.Sprintf("${%s} is a note (row %d): it has no answer", ref.name, nr.row)}
	case nr.kind == "metadata":
		return nil, nil, &exprError{ref.at, fmt.Sprintf("${%s} is collected by the data collection app (row %d), not asked by SMS", ref.name, nr.row)}
	case nr.kind == "group":
		return nil, nil, &exprError{ref.at, fmt.Sprintf("${%s} is a group (row %d): name a question", ref.name, nr.row)}
	case nr.q == nil:
		return nil, nil, errBroken
	}
	for i := range c.w.Questions {
		if c.w.Questions[i].Result == nr.q.result {
			return nr.q, &c.w.Questions[i], nil
		}
	}
	return nil, nil, errBroken
}

// mkOr joins two conditions with or, merging comparisons of one result's
// categories: a == X or a == Y is a in [X, Y].
func mkOr(l, r wcond) wcond {
	a, okA := l.(wcmp)
	b, okB := r.(wcmp)
	if okA && okB && !a.number && !b.number && a.result == b.result && (a.op == "==" || a.op == "in") && (b.op == "==" || b.op == "in") {
		return wcmp{result: a.result, op: "in", values: append(append([]string{}, a.values...), b.values...)}
	}
	return wor{l, r}
}

// mkAnd joins two conditions with and, merging a != X and a != Y into
// a not in [X, Y].
func mkAnd(l, r wcond) wcond {
	a, okA := l.(wcmp)
	b, okB := r.(wcmp)
	if okA && okB && !a.number && !b.number && a.result == b.result && (a.op == "!=" || a.op == "not in") && (b.op == "!=" || b.op == "not in") {
		return wcmp{result: a.result, op: "not in", values: append(append([]string{}, a.values...), b.values...)}
	}
	return wand{l, r}
}

// negate is not(c) as a when: and and or swap (De Morgan), == and in
// become != and not in. A number comparison is false when the question
// has no number answer, as XPath compares an empty answer: its negation
// also holds then.
func negate(c wcond) wcond {
	switch c := c.(type) {
	case wand:
		return mkOr(negate(c.l), negate(c.r))
	case wor:
		return mkAnd(negate(c.l), negate(c.r))
	case wcmp:
		if !c.number {
			c.op = map[string]string{"==": "!=", "!=": "==", "in": "not in", "not in": "in"}[c.op]
			return c
		}
		switch c.op {
		case "==":
			c.op = "!="
			return c
		case "!=":
			c.op = "=="
			return c
		}
		opposite := wcmp{result: c.result, op: map[string]string{"<": ">=", "<=": ">", ">": "<=", ">=": "<"}[c.op], values: c.values, number: true, answered: c.answered}
		noNumber := wcmp{result: c.result, op: "!=", values: []string{c.answered}}
		return wor{opposite, noNumber}
	}
	return c
}

// whenOf writes the conditions a question is asked under as one when.
func whenOf(conds []conj) string {
	if len(conds) == 1 {
		return conds[0].text
	}
	parts := make([]string, len(conds))
	for i, cj := range conds {
		parts[i] = render(cj.c, true)
	}
	return strings.Join(parts, " and ")
}

// render writes c in when syntax; inAnd puts an or in parentheses.
func render(c wcond, inAnd bool) string {
	switch c := c.(type) {
	case wand:
		return render(c.l, true) + " and " + render(c.r, true)
	case wor:
		s := render(c.l, false) + " or " + render(c.r, false)
		if inAnd {
			return "(" + s + ")"
		}
		return s
	case wcmp:
		if c.number {
			return fmt.Sprintf("%s %s %s", c.result, c.op, c.values[0])
		}
		if len(c.values) == 1 && (c.op == "in" || c.op == "not in") {
			c.op = map[string]string{"in": "==", "not in": "!="}[c.op]
		}
		if c.op == "==" || c.op == "!=" {
			return fmt.Sprintf("%s %s %s", c.result, c.op, quote(c.values[0]))
		}
		items := make([]string, len(c.values))
		for i, v := range c.values {
			items[i] = quote(v)
		}
		return fmt.Sprintf("%s %s [%s]", c.result, c.op, strings.Join(items, ", "))
	}
	return ""
}

// quote writes a category name for a when: as it is when the when parser
// reads it back whole, in quotes otherwise ("Other (specify)", "Cough and
// fever").
func quote(name string) string {
	plain := name != "" && !unicode.IsSpace([]rune(name)[0]) && !unicode.IsSpace([]rune(name)[len([]rune(name))-1])
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" _-./&+", r) {
			plain = false
		}
	}
	for _, w := range strings.Fields(strings.ToLower(name)) {
		if w == "and" || w == "or" {
			plain = false
		}
	}
	switch {
	case plain:
		return name
	case !strings.Contains(name, `"`):
		return `"` + name + `"`
	}
	// A name with both quotes cannot be written; the when parser will say
	// so at this question.
	return "'" + name + "'"
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
