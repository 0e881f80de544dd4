package workflow

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
)

// A when expression, parsed:
//
//	expr       = and { "or" and }
//	and        = primary { "and" primary }
//	primary    = "(" expr ")" | comparison
//	comparison = result ( op value | ["not"] "in" "[" item { "," item } "]" )
//	op         = "==" | "!=" | "<" | "<=" | ">" | ">="
//	value      = quoted | word { word }   (up to and, or, ")" or the end)
//	item       = quoted | any text but "," and "]"
//
// A category name of several words needs no quotes: commas and brackets
// delimit the items of a list (in [Longer ago, Never]) and and/or end a
// value (reason == Not delivered and stock < 4). Quotes are needed only
// for a name with a comma or a bracket in a list, and for a name with
// the word "and" or "or" after an operator; the errors say so.
type cond interface{ isCond() }

type (
	orCond  struct{ left, right cond }
	andCond struct{ left, right cond }
	// cmpCond compares a result: its category against values (==, !=, in,
	// not in) or its number against one number (<, <=, >, >=, ==, !=).
	cmpCond struct {
		result    string
		resultCol int // offset of the result name in the expression
		op        string
		values    []whenValue
	}
)

type whenValue struct {
	text   string
	number bool // written as a number
	quoted bool
	col    int // offset in the expression
	end    int // offset just past it
}

func (orCond) isCond()  {}
func (andCond) isCond() {}
func (cmpCond) isCond() {}

// whenError is a syntax error at a character offset of the expression.
type whenError struct {
	offset int
	msg    string
	// noOperator marks a result name without an operator after it, which
	// may be the rest of a category name cut by and/or.
	noOperator bool
}

func (e *whenError) Error() string { return e.msg }

type whenParser struct {
	src []rune
	i   int // the next rune to read
}

// parseWhen parses a when expression.
func parseWhen(s string) (cond, error) {
	p := &whenParser{src: []rune(s)}
	if p.skip(); p.i == len(p.src) {
		return nil, &whenError{offset: 0, msg: "empty expression"}
	}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if p.skip(); p.i < len(p.src) {
		return nil, &whenError{offset: p.i, msg: fmt.Sprintf("unexpected %q (join comparisons with and/or)", p.describe())}
	}
	return c, nil
}

func (p *whenParser) skip() {
	for p.i < len(p.src) && unicode.IsSpace(p.src[p.i]) {
		p.i++
	}
}

// isDelimiter reports whether r ends a word outside a list.
func isDelimiter(r rune) bool { return unicode.IsSpace(r) || strings.ContainsRune("()[],=!<>", r) }

// word returns the word at the cursor (after spaces) and where it ends,
// without reading it.
func (p *whenParser) word() (string, int) {
	p.skip()
	_, w, end := p.wordAt(p.i)
	return w, end
}

// wordAt returns the word starting at i or after the spaces at i: where
// it starts, its text and where it ends.
func (p *whenParser) wordAt(i int) (int, string, int) {
	for i < len(p.src) && unicode.IsSpace(p.src[i]) {
		i++
	}
	j := i
	for j < len(p.src) && !isDelimiter(p.src[j]) {
		j++
	}
	return i, string(p.src[i:j]), j
}

// isAndOr reports whether w joins comparisons.
func isAndOr(w string) bool { return strings.EqualFold(w, "and") || strings.EqualFold(w, "or") }

// isKeyword reports whether the word at the cursor is kw.
func (p *whenParser) isKeyword(kw string) bool {
	w, _ := p.word()
	return strings.EqualFold(w, kw)
}

// describe shows what is at the cursor in an error message.
func (p *whenParser) describe() string {
	p.skip()
	if p.i == len(p.src) {
		return "the end"
	}
	if w, _ := p.word(); w != "" {
		return w
	}
	if op := p.operator(); op != "" {
		return op
	}
	return string(p.src[p.i])
}

// operator returns the comparison operator at the cursor, or "".
func (p *whenParser) operator() string {
	if p.i == len(p.src) || !strings.ContainsRune("=!<>", p.src[p.i]) {
		return ""
	}
	op := string(p.src[p.i])
	if p.i+1 < len(p.src) && p.src[p.i+1] == '=' {
		op += "="
	}
	return op
}

func (p *whenParser) errorf(offset int, format string, args ...any) *whenError {
	return &whenError{offset: offset, msg: fmt.Sprintf(format, args...)}
}

// endError is the error for an expression that ends where what is
// expected should be.
func (p *whenParser) endError(what string) *whenError {
	return p.errorf(len(p.src), "unexpected end of expression, expected %s", what)
}

func (p *whenParser) or() (cond, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		_, p.i = p.word()
		right, err := p.and()
		if err != nil {
			return nil, p.hint(left, err)
		}
		left = orCond{left, right}
	}
	return left, nil
}

func (p *whenParser) and() (cond, error) {
	left, err := p.primary()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("and") {
		_, p.i = p.word()
		right, err := p.primary()
		if err != nil {
			return nil, p.hint(left, err)
		}
		left = andCond{left, right}
	}
	return left, nil
}

// hint adds to an error after and/or, when the words read look like the
// rest of a category name (reason == Cough and fever), how to write it.
func (p *whenParser) hint(left cond, err error) error {
	var werr *whenError
	if !errors.As(err, &werr) || !werr.noOperator {
		return err
	}
	leaves := leaves(left)
	last := leaves[len(leaves)-1]
	v := last.values[len(last.values)-1]
	if v.quoted || (last.op != "==" && last.op != "!=") {
		return err
	}
	end := werr.offset
	for {
		_, w, e := p.wordAt(end)
		if w == "" || isAndOr(w) {
			break
		}
		end = e
	}
	name := strings.TrimSpace(string(p.src[v.col:end]))
	werr.msg += fmt.Sprintf("; if %q is one category, quote it: %s %s %q", name, last.result, last.op, name)
	return werr
}

func (p *whenParser) primary() (cond, error) {
	if p.skip(); p.i == len(p.src) {
		return nil, p.endError("a result name or (")
	}
	if p.src[p.i] == '(' {
		open := p.i
		p.i++
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		if p.skip(); p.i == len(p.src) {
			return nil, p.endError(fmt.Sprintf(") to close the ( at %d", open+1))
		}
		if p.src[p.i] != ')' {
			return nil, p.errorf(p.i, "expected ) but found %q", p.describe())
		}
		p.i++
		return c, nil
	}
	name, end := p.word()
	if name == "" || isWhenKeyword(name) || !resultNamePattern.MatchString(name) {
		return nil, p.errorf(p.i, "expected a result name but found %q", p.describe())
	}
	c := cmpCond{result: name, resultCol: p.i}
	p.i = end
	if p.skip(); p.i == len(p.src) {
		e := p.endError("an operator (==, !=, <, <=, >, >=, in)")
		e.noOperator = true
		return nil, e
	}
	if op := p.operator(); op != "" {
		if op == "=" || op == "!" {
			return nil, p.errorf(p.i, "unknown operator %q (use ==, !=, <, <=, >, >=, in)", op)
		}
		p.i += len([]rune(op))
		c.op = op
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.values = []whenValue{v}
		return c, nil
	}
	switch {
	case p.isKeyword("not"):
		_, p.i = p.word()
		if !p.isKeyword("in") {
			if p.skip(); p.i == len(p.src) {
				return nil, p.endError("in")
			}
			return nil, p.errorf(p.i, "expected in after not, found %q", p.describe())
		}
		_, p.i = p.word()
		c.op = "not in"
	case p.isKeyword("in"):
		_, p.i = p.word()
		c.op = "in"
	default:
		e := p.errorf(p.i, "expected an operator (==, !=, <, <=, >, >=, in) but found %q", p.describe())
		e.noOperator = true
		return nil, e
	}
	if p.skip(); p.i == len(p.src) {
		return nil, p.endError("[")
	}
	if p.src[p.i] != '[' {
		return nil, p.errorf(p.i, "expected [ after in, found %q", p.describe())
	}
	p.i++
	for {
		v, err := p.item()
		if err != nil {
			return nil, err
		}
		c.values = append(c.values, v)
		if p.skip(); p.i == len(p.src) {
			return nil, p.endError(", or ]")
		}
		switch p.src[p.i] {
		case ']':
			p.i++
			return c, nil
		case ',':
			p.i++
		default:
			return nil, p.errorf(p.i, "expected , or ] but found %q", p.describe())
		}
	}
}

// quoted reads a value in quotes at the cursor.
func (p *whenParser) quoted() (whenValue, error) {
	q := p.src[p.i]
	j := p.i + 1
	for j < len(p.src) && p.src[j] != q {
		j++
	}
	if j == len(p.src) {
		return whenValue{}, p.errorf(p.i, "unterminated quoted value")
	}
	v := whenValue{text: string(p.src[p.i+1 : j]), quoted: true, col: p.i, end: j + 1}
	p.i = j + 1
	return v, nil
}

// value reads the value after an operator: quoted, or words up to and,
// or, a parenthesis or the end.
func (p *whenParser) value() (whenValue, error) {
	if p.skip(); p.i == len(p.src) {
		return whenValue{}, p.endError("a value")
	}
	if c := p.src[p.i]; c == '"' || c == '\'' {
		return p.quoted()
	}
	v := whenValue{col: p.i, end: p.i}
	var last string // the last word, where it starts
	lastAt, words := 0, 0
	for {
		start, w, end := p.wordAt(p.i)
		if w == "" || isAndOr(w) {
			break
		}
		last, lastAt, v.end, p.i = w, start, end, end
		words++
	}
	if words == 0 {
		msg := fmt.Sprintf("expected a value but found %q", p.describe())
		if w, _ := p.word(); w != "" {
			msg += fmt.Sprintf(" (a category named %s is written in quotes: %q)", w, w)
		}
		return whenValue{}, p.errorf(p.i, "%s", msg)
	}
	v.text = string(p.src[v.col:v.end])
	if words == 1 {
		_, err := strconv.ParseFloat(v.text, 64)
		v.number = err == nil
	}
	if p.skip(); p.operator() != "" {
		if words > 1 { // the last word is the next comparison's result
			return whenValue{}, p.errorf(lastAt, "unexpected %q (join comparisons with and/or)", last)
		}
		return whenValue{}, p.errorf(p.i, "unexpected %q (join comparisons with and/or)", p.operator())
	}
	return v, nil
}

// item reads an item of a list: quoted, or the text up to , or ].
func (p *whenParser) item() (whenValue, error) {
	if p.skip(); p.i == len(p.src) {
		return whenValue{}, p.endError("a value")
	}
	if c := p.src[p.i]; c == '"' || c == '\'' {
		return p.quoted()
	}
	j := p.i
	for j < len(p.src) && p.src[j] != ',' && p.src[j] != ']' {
		j++
	}
	text := strings.TrimRightFunc(string(p.src[p.i:j]), unicode.IsSpace)
	if text == "" {
		return whenValue{}, p.errorf(p.i, "expected a value but found %q", p.describe())
	}
	v := whenValue{text: text, col: p.i, end: p.i + len([]rune(text))}
	_, err := strconv.ParseFloat(text, 64)
	v.number = err == nil
	p.i = j
	return v, nil
}

func isWhenKeyword(s string) bool {
	switch strings.ToLower(s) {
	case "and", "or", "in", "not":
		return true
	}
	return false
}

// leaves returns the comparisons of c from left to right.
func leaves(c cond) []cmpCond {
	switch c := c.(type) {
	case orCond:
		return append(leaves(c.left), leaves(c.right)...)
	case andCond:
		return append(leaves(c.left), leaves(c.right)...)
	case cmpCond:
		return []cmpCond{c}
	}
	return nil
}

// categoryKey normalises a category name for comparison, so that "No
// Response", "no_response" and "NO RESPONSE" are the same category.
func categoryKey(s string) string {
	var b strings.Builder
	space := false
	for _, r := range strings.ToLower(s) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		} else {
			space = true
		}
	}
	return b.String()
}
