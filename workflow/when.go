package workflow

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A when expression, parsed:
//
//	expr       = and { "or" and }
//	and        = primary { "and" primary }
//	primary    = "(" expr ")" | comparison
//	comparison = result ( op value | ["not"] "in" "[" value { "," value } "]" )
//	op         = "==" | "!=" | "<" | "<=" | ">" | ">="
//	value      = word | number | quoted string
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
	col    int  // offset in the expression
}

func (orCond) isCond()  {}
func (andCond) isCond() {}
func (cmpCond) isCond() {}

// whenError is a syntax error at a character offset of the expression.
type whenError struct {
	offset int
	msg    string
}

func (e *whenError) Error() string { return e.msg }

type whenToken struct {
	kind   string // "word", "string", "number", "op", or the punctuation itself
	text   string
	offset int // in runes
}

func lexWhen(s string) ([]whenToken, error) {
	var toks []whenToken
	runes := []rune(s)
	for i := 0; i < len(runes); {
		r := runes[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '(' || r == ')' || r == '[' || r == ']' || r == ',':
			toks = append(toks, whenToken{kind: string(r), text: string(r), offset: i})
			i++
		case r == '=' || r == '!' || r == '<' || r == '>':
			op := string(r)
			if i+1 < len(runes) && runes[i+1] == '=' {
				op += "="
			}
			if op == "=" || op == "!" {
				return nil, &whenError{i, fmt.Sprintf("unknown operator %q (use ==, !=, <, <=, >, >=, in)", op)}
			}
			toks = append(toks, whenToken{kind: "op", text: op, offset: i})
			i += len(op)
		case r == '"' || r == '\'':
			j := i + 1
			for j < len(runes) && runes[j] != r {
				j++
			}
			if j == len(runes) {
				return nil, &whenError{i, "unterminated quoted value"}
			}
			toks = append(toks, whenToken{kind: "string", text: string(runes[i+1 : j]), offset: i})
			i = j + 1
		case r == '-' || r == '.' || unicode.IsDigit(r) || unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(runes) && (unicode.IsLetter(runes[j]) || unicode.IsDigit(runes[j]) || runes[j] == '_' || runes[j] == '.' || runes[j] == '-') {
				j++
			}
			text := string(runes[i:j])
			kind := "word"
			if _, err := strconv.ParseFloat(text, 64); err == nil {
				kind = "number"
			}
			toks = append(toks, whenToken{kind: kind, text: text, offset: i})
			i = j
		default:
			return nil, &whenError{i, fmt.Sprintf("unexpected character %q", r)}
		}
	}
	return toks, nil
}

type whenParser struct {
	toks []whenToken
	i    int
	end  int // offset just past the expression, for "unexpected end"
}

// parseWhen parses a when expression.
func parseWhen(s string) (cond, error) {
	toks, err := lexWhen(s)
	if err != nil {
		return nil, err
	}
	p := &whenParser{toks: toks, end: utf8.RuneCountInString(s)}
	if len(toks) == 0 {
		return nil, &whenError{0, "empty expression"}
	}
	c, err := p.or()
	if err != nil {
		return nil, err
	}
	if t, ok := p.peek(); ok {
		return nil, &whenError{t.offset, fmt.Sprintf("unexpected %q (join comparisons with and/or)", t.text)}
	}
	return c, nil
}

func (p *whenParser) peek() (whenToken, bool) {
	if p.i < len(p.toks) {
		return p.toks[p.i], true
	}
	return whenToken{}, false
}

func (p *whenParser) isKeyword(word string) bool {
	t, ok := p.peek()
	return ok && t.kind == "word" && strings.EqualFold(t.text, word)
}

func (p *whenParser) next(what string) (whenToken, error) {
	t, ok := p.peek()
	if !ok {
		return t, &whenError{p.end, "unexpected end of expression, expected " + what}
	}
	p.i++
	return t, nil
}

func (p *whenParser) or() (cond, error) {
	left, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.isKeyword("or") {
		p.i++
		right, err := p.and()
		if err != nil {
			return nil, err
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
		p.i++
		right, err := p.primary()
		if err != nil {
			return nil, err
		}
		left = andCond{left, right}
	}
	return left, nil
}

func (p *whenParser) primary() (cond, error) {
	t, err := p.next("a result name or (")
	if err != nil {
		return nil, err
	}
	if t.kind == "(" {
		c, err := p.or()
		if err != nil {
			return nil, err
		}
		closing, err := p.next(")")
		if err != nil {
			return nil, err
		}
		if closing.kind != ")" {
			return nil, &whenError{closing.offset, fmt.Sprintf("expected ) but found %q", closing.text)}
		}
		return c, nil
	}
	if t.kind != "word" || isWhenKeyword(t.text) {
		return nil, &whenError{t.offset, fmt.Sprintf("expected a result name but found %q", t.text)}
	}
	c := cmpCond{result: t.text, resultCol: t.offset}
	op, err := p.next("an operator (==, !=, <, <=, >, >=, in)")
	if err != nil {
		return nil, err
	}
	switch {
	case op.kind == "op":
		c.op = op.text
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.values = []whenValue{v}
		return c, nil
	case op.kind == "word" && strings.EqualFold(op.text, "not"):
		in, err := p.next("in")
		if err != nil {
			return nil, err
		}
		if in.kind != "word" || !strings.EqualFold(in.text, "in") {
			return nil, &whenError{in.offset, fmt.Sprintf("expected in after not, found %q", in.text)}
		}
		c.op = "not in"
	case op.kind == "word" && strings.EqualFold(op.text, "in"):
		c.op = "in"
	default:
		return nil, &whenError{op.offset, fmt.Sprintf("expected an operator (==, !=, <, <=, >, >=, in) but found %q", op.text)}
	}
	open, err := p.next("[")
	if err != nil {
		return nil, err
	}
	if open.kind != "[" {
		return nil, &whenError{open.offset, fmt.Sprintf("expected [ after in, found %q", open.text)}
	}
	for {
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		c.values = append(c.values, v)
		sep, err := p.next(", or ]")
		if err != nil {
			return nil, err
		}
		if sep.kind == "]" {
			return c, nil
		}
		if sep.kind != "," {
			return nil, &whenError{sep.offset, fmt.Sprintf("expected , or ] but found %q", sep.text)}
		}
	}
}

func (p *whenParser) value() (whenValue, error) {
	t, err := p.next("a value")
	if err != nil {
		return whenValue{}, err
	}
	switch t.kind {
	case "word", "string", "number":
		return whenValue{text: t.text, number: t.kind == "number", col: t.offset}, nil
	}
	return whenValue{}, &whenError{t.offset, fmt.Sprintf("expected a value but found %q", t.text)}
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
