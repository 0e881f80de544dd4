package xlsform

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The XLSForm expressions read here, for relevant and constraint, are the
// part of XPath that SMS questions can follow:
//
//	expr       = and { "or" and }
//	and        = comparison { "and" comparison }
//	comparison = operand [ ("=" | "!=" | "<" | "<=" | ">" | ">=") operand ]
//	operand    = "(" expr ")" | "not" "(" expr ")" | "selected" "(" ref "," literal ")"
//	           | ref | "." | literal
//	ref        = "${" name "}"
//	literal    = 'text' | "text" | number | "-" number
//
// Anything else (arithmetic, other functions, paths) is an error naming
// what is not supported, at its place in the expression.

// xnode is a node of a parsed expression.
type xnode interface{ offset() int }

type (
	// xbin is a binary operation: and, or, or a comparison.
	xbin struct {
		op   string
		l, r xnode
		at   int
	}
	xnot struct {
		x  xnode
		at int
	}
	// xselected is selected(${q}, 'value').
	xselected struct {
		ref   xref
		value xnode
		at    int
	}
	xref struct {
		name string
		at   int
	}
	xdot struct{ at int }
	xstr struct {
		s  string
		at int
	}
	xnum struct {
		text string
		v    float64
		at   int
	}
)

func (n xbin) offset() int      { return n.at }
func (n xnot) offset() int      { return n.at }
func (n xselected) offset() int { return n.at }
func (n xref) offset() int      { return n.at }
func (n xdot) offset() int      { return n.at }
func (n xstr) offset() int      { return n.at }
func (n xnum) offset() int      { return n.at }

// exprError is a problem at a character of an expression (0-based, in
// runes).
type exprError struct {
	at  int
	msg string
}

func (e *exprError) Error() string { return fmt.Sprintf("%s (at character %d)", e.msg, e.at+1) }

// token kinds
const (
	tEOF = iota
	tRef
	tDot
	tStr
	tNum
	tName // a word: and, or, not, selected, div, other functions
	tOp   // = != < <= > >=
	tPunct
)

type token struct {
	kind int
	text string
	at   int
}

// lexExpr splits an expression into tokens.
func lexExpr(s string) ([]token, error) {
	src := []rune(s)
	var out []token
	for i := 0; i < len(src); {
		r := src[i]
		switch {
		case unicode.IsSpace(r):
			i++
		case r == '$' && i+1 < len(src) && src[i+1] == '{':
			j := i + 2
			for j < len(src) && src[j] != '}' {
				j++
			}
			if j == len(src) {
				return nil, &exprError{i, "${ is never closed with }"}
			}
			name := strings.TrimSpace(string(src[i+2 : j]))
			if name == "" {
				return nil, &exprError{i, "${} names no question"}
			}
			out = append(out, token{tRef, name, i})
			i = j + 1
		case r == '\'' || r == '"':
			j := i + 1
			for j < len(src) && src[j] != r {
				j++
			}
			if j == len(src) {
				return nil, &exprError{i, fmt.Sprintf("the text starting with %c is never closed", r)}
			}
			out = append(out, token{tStr, string(src[i+1 : j]), i})
			i = j + 1
		case r >= '0' && r <= '9' || r == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9':
			j := i
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
				j++
			}
			out = append(out, token{tNum, string(src[i:j]), i})
			i = j
		case r == '.':
			if i+1 < len(src) && (src[i+1] == '.' || src[i+1] == '/') {
				return nil, &exprError{i, "paths (.., ./, /data/...) are not supported: refer to questions as ${name}"}
			}
			out = append(out, token{tDot, ".", i})
			i++
		case r == '=' || r == '<' || r == '>' || r == '!':
			op := string(r)
			if i+1 < len(src) && src[i+1] == '=' {
				op += "="
			}
			switch op {
			case "!":
				return nil, &exprError{i, `"!" is not an operator: write != or not(...)`}
			case "==":
				return nil, &exprError{i, "XLSForm compares with =, not =="}
			}
			out = append(out, token{tOp, op, i})
			i += utf8.RuneCountInString(op)
		case r == '(' || r == ')' || r == ',':
			out = append(out, token{tPunct, string(r), i})
			i++
		case unicode.IsLetter(r) || r == '_':
			j := i
			for j < len(src) && (unicode.IsLetter(src[j]) || unicode.IsDigit(src[j]) || strings.ContainsRune("_-:.", src[j])) {
				j++
			}
			out = append(out, token{tName, string(src[i:j]), i})
			i = j
		case r == '+' || r == '-' || r == '*' || r == '|' || r == '/':
			if r == '-' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9' && (len(out) == 0 || out[len(out)-1].kind == tOp || out[len(out)-1].text == "(" || out[len(out)-1].text == ",") {
				j := i + 1
				for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.') {
					j++
				}
				out = append(out, token{tNum, string(src[i:j]), i})
				i = j
				continue
			}
			if r == '/' && i+1 < len(src) && (unicode.IsLetter(src[i+1]) || src[i+1] == '_') {
				return nil, &exprError{i, "paths (/data/...) are not supported: refer to questions as ${name}"}
			}
			return nil, &exprError{i, fmt.Sprintf("arithmetic (%c) is not supported: SMS questions compare answers with fixed values", r)}
		default:
			return nil, &exprError{i, fmt.Sprintf("unexpected %q", r)}
		}
	}
	return append(out, token{kind: tEOF, at: len(src)}), nil
}

type exprParser struct {
	toks []token
	i    int
}

// parseExpr parses an XLSForm expression of the supported subset.
func parseExpr(s string) (xnode, error) {
	toks, err := lexExpr(s)
	if err != nil {
		return nil, err
	}
	p := &exprParser{toks: toks}
	if p.peek().kind == tEOF {
		return nil, &exprError{0, "empty expression"}
	}
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind != tEOF {
		return nil, &exprError{t.at, fmt.Sprintf("unexpected %s (join conditions with and/or)", describe(t))}
	}
	return n, nil
}

func (p *exprParser) peek() token { return p.toks[p.i] }
func (p *exprParser) next() token { t := p.toks[p.i]; p.i++; return t }

func (p *exprParser) word(w string) bool {
	t := p.peek()
	return t.kind == tName && t.text == w
}

func describe(t token) string {
	switch t.kind {
	case tEOF:
		return "the end"
	case tRef:
		return "${" + t.text + "}"
	case tStr:
		return strconv.Quote(t.text)
	}
	return strconv.Quote(t.text)
}

func (p *exprParser) or() (xnode, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.word("or") {
		t := p.next()
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		l = xbin{"or", l, r, t.at}
	}
	return l, nil
}

func (p *exprParser) and() (xnode, error) {
	l, err := p.comparison()
	if err != nil {
		return nil, err
	}
	for p.word("and") {
		t := p.next()
		r, err := p.comparison()
		if err != nil {
			return nil, err
		}
		l = xbin{"and", l, r, t.at}
	}
	return l, nil
}

func (p *exprParser) comparison() (xnode, error) {
	l, err := p.operand()
	if err != nil {
		return nil, err
	}
	if t := p.peek(); t.kind == tOp {
		p.next()
		r, err := p.operand()
		if err != nil {
			return nil, err
		}
		return xbin{t.text, l, r, t.at}, nil
	}
	return l, nil
}

func (p *exprParser) expect(text string) error {
	if t := p.peek(); t.kind != tPunct || t.text != text {
		return &exprError{t.at, fmt.Sprintf("expected %s, found %s", text, describe(t))}
	}
	p.next()
	return nil
}

func (p *exprParser) operand() (xnode, error) {
	t := p.next()
	switch t.kind {
	case tRef:
		return xref{t.text, t.at}, nil
	case tDot:
		return xdot{t.at}, nil
	case tStr:
		return xstr{t.text, t.at}, nil
	case tNum:
		v, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return nil, &exprError{t.at, fmt.Sprintf("%q is not a number", t.text)}
		}
		return xnum{t.text, v, t.at}, nil
	case tPunct:
		if t.text == "(" {
			n, err := p.or()
			if err != nil {
				return nil, err
			}
			return n, p.expect(")")
		}
	case tName:
		switch t.text {
		case "not":
			if err := p.expect("("); err != nil {
				return nil, err
			}
			x, err := p.or()
			if err != nil {
				return nil, err
			}
			return xnot{x, t.at}, p.expect(")")
		case "selected":
			if err := p.expect("("); err != nil {
				return nil, err
			}
			ref := p.next()
			if ref.kind != tRef {
				return nil, &exprError{ref.at, "selected() takes a question, as in selected(${q}, 'value')"}
			}
			if err := p.expect(","); err != nil {
				return nil, err
			}
			v, err := p.operand()
			if err != nil {
				return nil, err
			}
			return xselected{xref{ref.text, ref.at}, v, t.at}, p.expect(")")
		case "and", "or":
			return nil, &exprError{t.at, fmt.Sprintf("expected a condition before %q", t.text)}
		case "div", "mod":
			return nil, &exprError{t.at, fmt.Sprintf("arithmetic (%s) is not supported: SMS questions compare answers with fixed values", t.text)}
		case "true", "false":
			return nil, &exprError{t.at, fmt.Sprintf("%s() is not supported: leave relevant empty for a question always asked", t.text)}
		}
		if p.peek().kind == tPunct && p.peek().text == "(" {
			return nil, &exprError{t.at, fmt.Sprintf("the function %s() is not supported (only selected() and not())", t.text)}
		}
		return nil, &exprError{t.at, fmt.Sprintf("unexpected %q: refer to a question as ${%s}", t.text, t.text)}
	case tEOF:
		return nil, &exprError{t.at, "the expression ends where a value is expected"}
	}
	return nil, &exprError{t.at, fmt.Sprintf("unexpected %s", describe(t))}
}
