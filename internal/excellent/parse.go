package excellent

import (
	"fmt"
	"strconv"
	"strings"
)

// Expression is a parsed expression: the text of an identifier
// ("contact.name") or of @(...).
type Expression struct {
	root node
}

// node is a node of an expression's syntax tree.
type node interface {
	eval(e *Env) Value
	// offset is where the node starts in the expression, in runes.
	offset() int
	// write writes the node's canonical source.
	write(b *strings.Builder)
}

type (
	literal struct {
		v  Value // string, Number, bool or nil
		at int
	}
	// ref names something in the context (or a function).
	ref struct {
		name string
		at   int
	}
	lookup struct {
		container node
		key       node
		dot       bool // container.key rather than container[key]
	}
	call struct {
		fn   node
		args []node
	}
	negate struct {
		x  node
		at int
	}
	binary struct {
		op          string
		left, right node
	}
	// anonFunc is "(a, b) => body", which goflow's foreach, sort and
	// filter take.
	anonFunc struct {
		params []string
		body   node
		at     int
	}
)

func (x *literal) offset() int  { return x.at }
func (x *ref) offset() int      { return x.at }
func (x *lookup) offset() int   { return x.container.offset() }
func (x *call) offset() int     { return x.fn.offset() }
func (x *negate) offset() int   { return x.at }
func (x *binary) offset() int   { return x.left.offset() }
func (x *anonFunc) offset() int { return x.at }

// SyntaxError is an expression that does not parse.
type SyntaxError struct {
	// Offset is where the error is, in runes from the start of the
	// expression.
	Offset int
	// Msg says what is wrong, for the author.
	Msg string
	// context is what goflow quotes of the expression in its error text.
	context string
}

// Error returns the author's message.
func (e *SyntaxError) Error() string { return e.Msg }

// goflowText is the error text goflow gives when it evaluates the
// expression.
func (e *SyntaxError) goflowText() string { return "syntax error at " + e.context }

type parser struct {
	toks []lexeme
	pos  int
}

// parseFailure is raised inside the parser and recovered by Parse.
type parseFailure struct {
	at  lexeme
	msg string
}

func (p *parser) peek() lexeme { return p.toks[p.pos] }
func (p *parser) next() lexeme {
	t := p.toks[p.pos]
	if t.kind != lexEOF {
		p.pos++
	}
	return t
}
func (p *parser) isOp(op string) bool { t := p.peek(); return t.kind == lexOp && t.text == op }

func (p *parser) fail(t lexeme, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if t.kind == lexError {
		if strings.HasPrefix(t.text, `"`) {
			msg = `text not closed: add a " after it`
		} else {
			msg = fmt.Sprintf("%q cannot be used in an expression", t.text)
		}
	}
	panic(parseFailure{at: t, msg: msg})
}

// Parse parses an expression. Its error is a *SyntaxError.
func Parse(s string) (x *Expression, err error) {
	p := &parser{toks: lex(s)}
	defer func() {
		if r := recover(); r != nil {
			f, ok := r.(parseFailure)
			if !ok {
				panic(r)
			}
			x, err = nil, &SyntaxError{Offset: f.at.at, Msg: f.msg, context: errorContext(s, f.at.at)}
		}
	}()
	root := p.binary(0)
	if t := p.peek(); t.kind != lexEOF {
		p.fail(t, "unexpected %s: expected an operator or the end of the expression", t.describe())
	}
	return &Expression{root: root}, nil
}

// errorContext is what goflow shows of a syntax error at rune offset at of
// expression s: up to ten bytes of its line from the error's column (a
// column counted in runes, as goflow slices it).
func errorContext(s string, at int) string {
	rs := []rune(s)
	at = min(at, len(rs))
	lineStart := at
	for lineStart > 0 && rs[lineStart-1] != '\n' {
		lineStart--
	}
	line, _, _ := strings.Cut(string(rs[lineStart:]), "\n")
	column := min(at-lineStart, len(line))
	return line[column:min(column+10, len(line))]
}

// binaryPrecedence gives each binary operator its binding power (higher
// binds tighter), following the order of goflow's grammar.
var binaryPrecedence = map[string]int{
	"&": 1,
	"=": 2, "!=": 2,
	"<": 3, "<=": 3, ">": 3, ">=": 3,
	"+": 4, "-": 4,
	"*": 5, "/": 5,
	"^": 6,
}

func (p *parser) binary(minPrec int) node {
	left := p.unary()
	for {
		t := p.peek()
		prec, ok := binaryPrecedence[t.text]
		if t.kind != lexOp || !ok || prec <= minPrec {
			return left
		}
		p.next()
		right := p.binary(prec)
		left = &binary{op: t.text, left: left, right: right}
	}
}

func (p *parser) unary() node {
	if p.isOp("-") {
		t := p.next()
		return &negate{x: p.unary(), at: t.at}
	}
	return p.primary()
}

func (p *parser) primary() node {
	t := p.peek()
	switch t.kind {
	case lexText:
		p.next()
		s, err := strconv.Unquote(t.text)
		if err != nil {
			s = t.text[1 : len(t.text)-1]
		}
		return &literal{s, t.at}
	case lexNumber:
		p.next()
		n, _ := ParseNumber(t.text)
		return &literal{n, t.at}
	case lexTrue:
		p.next()
		return &literal{true, t.at}
	case lexFalse:
		p.next()
		return &literal{false, t.at}
	case lexNull:
		p.next()
		return &literal{nil, t.at}
	case lexName:
		p.next()
		return p.postfix(&ref{t.text, t.at})
	case lexOp:
		if t.text == "(" {
			if params, ok := p.anonParams(); ok {
				p.pos += 2*len(params) + 2 // ( names and commas ) =>
				return &anonFunc{params: params, body: p.binary(0), at: t.at}
			}
			p.next()
			inner := p.binary(0)
			if !p.isOp(")") {
				p.fail(p.peek(), "expected ), found %s", p.peek().describe())
			}
			p.next()
			return p.postfix(inner)
		}
	}
	p.fail(t, "expected a value, found %s", t.describe())
	return nil
}

// anonParams returns the parameters when the tokens ahead are "(a, b) =>",
// the start of an anonymous function.
func (p *parser) anonParams() ([]string, bool) {
	var params []string
	i := p.pos + 1
	for {
		if p.toks[i].kind != lexName {
			return nil, false
		}
		params = append(params, p.toks[i].text)
		i++
		if p.toks[i].kind == lexOp && p.toks[i].text == "," {
			i++
			continue
		}
		ok := p.toks[i].kind == lexOp && p.toks[i].text == ")" && p.toks[i+1].kind == lexOp && p.toks[i+1].text == "=>"
		return params, ok
	}
}

func (p *parser) postfix(x node) node {
	for {
		switch {
		case p.isOp("("):
			p.next()
			var args []node
			if !p.isOp(")") {
				args = append(args, p.binary(0))
				for p.isOp(",") {
					p.next()
					args = append(args, p.binary(0))
				}
			}
			if !p.isOp(")") {
				p.fail(p.peek(), "expected , or ) after an argument, found %s", p.peek().describe())
			}
			p.next()
			x = &call{fn: x, args: args}
		case p.isOp("."):
			p.next()
			t := p.next()
			if t.kind != lexName && t.kind != lexNumber && t.kind != lexTrue && t.kind != lexFalse && t.kind != lexNull {
				p.fail(t, "expected a name after the dot, found %s", t.describe())
			}
			if t.kind == lexNumber && strings.Contains(t.text, ".") {
				// "a.1.2" lexes 1.2 as a number: two lookups
				first, second, _ := strings.Cut(t.text, ".")
				x = &lookup{container: &lookup{container: x, key: &literal{first, t.at}, dot: true}, key: &literal{second, t.at + len(first) + 1}, dot: true}
				continue
			}
			x = &lookup{container: x, key: &literal{t.text, t.at}, dot: true}
		case p.isOp("["):
			p.next()
			key := p.binary(0)
			if !p.isOp("]") {
				p.fail(p.peek(), "expected ], found %s", p.peek().describe())
			}
			p.next()
			x = &lookup{container: x, key: key}
		default:
			return x
		}
	}
}

// String returns the expression in a canonical form that parses back to
// the same expression: binary operations in parentheses, texts quoted.
func (x *Expression) String() string {
	var b strings.Builder
	x.root.write(&b)
	return b.String()
}

func (x *literal) write(b *strings.Builder) {
	switch v := x.v.(type) {
	case string:
		// A backslash is written \x5c: this lexer, like goflow's, takes \"
		// for a quote inside a text even after another backslash.
		b.WriteString(strings.ReplaceAll(strconv.Quote(v), `\\`, `\x5c`))
	case nil:
		b.WriteString("null")
	default:
		b.WriteString(Render(v))
	}
}

func (x *ref) write(b *strings.Builder) { b.WriteString(x.name) }

// writeAtom writes x where only an atom may stand (before a lookup or a
// call), in parentheses unless it is one or writes its own.
func writeAtom(b *strings.Builder, x node) {
	switch x.(type) {
	case *ref, *lookup, *call, *binary, *anonFunc:
		x.write(b)
	default:
		b.WriteByte('(')
		x.write(b)
		b.WriteByte(')')
	}
}

func (x *lookup) write(b *strings.Builder) {
	writeAtom(b, x.container)
	if x.dot {
		b.WriteByte('.')
		b.WriteString(x.key.(*literal).v.(string))
		return
	}
	b.WriteByte('[')
	x.key.write(b)
	b.WriteByte(']')
}

func (x *call) write(b *strings.Builder) {
	writeAtom(b, x.fn)
	b.WriteByte('(')
	for i, a := range x.args {
		if i > 0 {
			b.WriteString(", ")
		}
		a.write(b)
	}
	b.WriteByte(')')
}

func (x *negate) write(b *strings.Builder) {
	b.WriteByte('-')
	x.x.write(b)
}

func (x *binary) write(b *strings.Builder) {
	b.WriteByte('(')
	x.left.write(b)
	b.WriteString(" " + x.op + " ")
	x.right.write(b)
	b.WriteByte(')')
}

func (x *anonFunc) write(b *strings.Builder) {
	b.WriteString("((" + strings.Join(x.params, ", ") + ") => ")
	x.body.write(b)
	b.WriteByte(')')
}
