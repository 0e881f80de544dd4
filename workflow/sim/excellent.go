package sim

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// This file evaluates Excellent, the template language of RapidPro flows:
// "@contact.name", "@(upper(results.name))", "@@" for a literal "@". It
// follows goflow's scanner and grammar (github.com/nyaruka/goflow,
// excellent/); the code is our own.

// tokenKind is the kind of a template token.
type tokenKind int

const (
	tokenBody       tokenKind = iota // literal text
	tokenIdentifier                  // "contact.name" in "@contact.name"
	tokenExpression                  // "1 + 2" in "@(1 + 2)"
)

type templateToken struct {
	kind tokenKind
	text string
}

// source is how goflow's error texts show the token: @identifier or
// @(expression).
func (t templateToken) source() string {
	if t.kind == tokenIdentifier {
		return "@" + t.text
	}
	return "@(" + t.text + ")"
}

func isNameChar(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) || r == '_' }

// scanTemplate splits a template into tokens. An identifier is only an
// identifier when its first part is one of topLevels; otherwise (an email
// address, say) it stays literal text.
func scanTemplate(s string, topLevels []string) []templateToken {
	var tokens []templateToken
	rs := []rune(s)
	var body strings.Builder
	flush := func() {
		if body.Len() > 0 {
			tokens = append(tokens, templateToken{tokenBody, body.String()})
			body.Reset()
		}
	}
	for i := 0; i < len(rs); {
		if rs[i] != '@' {
			body.WriteRune(rs[i])
			i++
			continue
		}
		if i+1 >= len(rs) {
			body.WriteRune('@')
			i++
			continue
		}
		next := rs[i+1]
		switch {
		case next == '@':
			body.WriteRune('@')
			i += 2
		case next == '(':
			expr, end, ok := scanExpression(rs, i+2)
			if !ok {
				body.WriteString("@(" + expr)
				i = end
				continue
			}
			flush()
			tokens = append(tokens, templateToken{tokenExpression, expr})
			i = end
		case isNameChar(next):
			ident, end := scanIdentifier(rs, i+1)
			top, _, _ := strings.Cut(ident, ".")
			if !containsFold(topLevels, top) {
				body.WriteString("@" + ident)
				i = end
				continue
			}
			flush()
			tokens = append(tokens, templateToken{tokenIdentifier, ident})
			i = end
		default:
			body.WriteRune('@')
			body.WriteRune(next)
			i += 2
		}
	}
	flush()
	return tokens
}

func containsFold(list []string, s string) bool {
	s = strings.ToLower(s)
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scanExpression reads an expression body from rs[start:] up to its closing
// parenthesis, skipping parentheses inside text literals. It returns the
// body, the index after the closing parenthesis, and false when the
// expression is never closed.
func scanExpression(rs []rune, start int) (string, int, bool) {
	depth := 1
	var buf strings.Builder
	i := start
	for i < len(rs) {
		ch := rs[i]
		i++
		switch ch {
		case '"':
			buf.WriteRune(ch)
			escaped := false
			for i < len(rs) {
				c := rs[i]
				i++
				buf.WriteRune(c)
				if c == '"' && !escaped {
					break
				}
				escaped = c == '\\'
			}
		case '(':
			depth++
			buf.WriteRune(ch)
		case ')':
			depth--
			if depth == 0 {
				return buf.String(), i, true
			}
			buf.WriteRune(ch)
		default:
			buf.WriteRune(ch)
		}
	}
	return buf.String(), i, false
}

// scanIdentifier reads a dotted identifier from rs[start:]; a period is part
// of it only when a name character follows.
func scanIdentifier(rs []rune, start int) (string, int) {
	i := start
	for i < len(rs) {
		if isNameChar(rs[i]) {
			i++
			continue
		}
		if rs[i] == '.' && i+1 < len(rs) && isNameChar(rs[i+1]) {
			i++
			continue
		}
		break
	}
	return string(rs[start:i]), i
}

// ---- expression lexer ----

type lexKind int

const (
	lexEOF lexKind = iota
	lexName
	lexText
	lexNumber
	lexTrue
	lexFalse
	lexNull
	lexOp // punctuation and operators; text holds which
	lexError
)

type lexeme struct {
	kind lexKind
	text string
	at   int // where it starts, in runes
}

func lex(s string) []lexeme {
	var out []lexeme
	rs := []rune(s)
	for i := 0; i < len(rs); {
		c := rs[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				if rs[j] == '\\' && j+1 < len(rs) && rs[j+1] == '"' {
					j++
				}
				j++
			}
			if j >= len(rs) {
				out = append(out, lexeme{lexError, string(rs[i:]), i})
				return append(out, lexeme{kind: lexEOF, at: len(rs)})
			}
			out = append(out, lexeme{lexText, string(rs[i : j+1]), i})
			i = j + 1
		case c >= '0' && c <= '9':
			j := i
			for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
				j++
			}
			if j+1 < len(rs) && rs[j] == '.' && rs[j+1] >= '0' && rs[j+1] <= '9' {
				j++
				for j < len(rs) && rs[j] >= '0' && rs[j] <= '9' {
					j++
				}
			}
			out = append(out, lexeme{lexNumber, string(rs[i:j]), i})
			i = j
		case unicode.IsLetter(c) || c == '_':
			j := i
			for j < len(rs) && (unicode.IsLetter(rs[j]) || unicode.IsDigit(rs[j]) || rs[j] == '_') {
				j++
			}
			word := string(rs[i:j])
			switch strings.ToLower(word) {
			case "true":
				out = append(out, lexeme{lexTrue, word, i})
			case "false":
				out = append(out, lexeme{lexFalse, word, i})
			case "null":
				out = append(out, lexeme{lexNull, word, i})
			default:
				out = append(out, lexeme{lexName, word, i})
			}
			i = j
		default:
			two := ""
			if i+1 < len(rs) {
				two = string(rs[i : i+2])
			}
			switch two {
			case "=>", "!=", "<=", ">=":
				out = append(out, lexeme{lexOp, two, i})
				i += 2
				continue
			}
			if strings.ContainsRune(",()[].+-*/^=<>&", c) {
				out = append(out, lexeme{lexOp, string(c), i})
			} else {
				out = append(out, lexeme{lexError, string(c), i})
			}
			i++
		}
	}
	return append(out, lexeme{kind: lexEOF, at: len(rs)})
}

// ---- parser ----

// expr is a parsed Excellent expression.
type expr interface {
	eval(e *env) value
}

type parser struct {
	toks []lexeme
	pos  int
}

// parseError is a syntax error at tok; msg, when set, replaces goflow's
// wording.
type parseError struct {
	tok lexeme
	msg string
}

// anonFunction marks the parse error of an anonymous function, "(x) => ...",
// which goflow supports and this simulator doesn't.
const anonFunction = "(anonymous function)"

func (p *parser) peek() lexeme { return p.toks[p.pos] }
func (p *parser) next() lexeme {
	t := p.toks[p.pos]
	if t.kind != lexEOF {
		p.pos++
	}
	return t
}
func (p *parser) isOp(op string) bool { t := p.peek(); return t.kind == lexOp && t.text == op }

// parseExpression parses a whole expression or returns a syntax error
// message worded like goflow's.
func parseExpression(s string) (x expr, err error) {
	p := &parser{toks: lex(s)}
	defer func() {
		if r := recover(); r != nil {
			pe, ok := r.(parseError)
			if !ok {
				panic(r)
			}
			if pe.msg != "" {
				x, err = nil, fmt.Errorf("syntax error at %s", pe.msg)
				return
			}
			x, err = nil, fmt.Errorf("syntax error at %s", errorContext(s, pe.tok.at))
		}
	}()
	x = p.binary(0)
	if t := p.peek(); t.kind != lexEOF {
		panic(parseError{tok: t})
	}
	return x, nil
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

func (p *parser) binary(minPrec int) expr {
	left := p.unary()
	for {
		t := p.peek()
		prec, ok := binaryPrecedence[t.text]
		if t.kind != lexOp || !ok || prec <= minPrec {
			return left
		}
		p.next()
		right := p.binary(prec)
		left = &binaryExpr{op: t.text, left: left, right: right}
	}
}

func (p *parser) unary() expr {
	if p.isOp("-") {
		p.next()
		return &negateExpr{p.unary()}
	}
	return p.primary()
}

func (p *parser) primary() expr {
	t := p.peek()
	switch t.kind {
	case lexText:
		p.next()
		s, err := strconv.Unquote(t.text)
		if err != nil {
			s = t.text[1 : len(t.text)-1]
		}
		return literal{s}
	case lexNumber:
		p.next()
		n, _ := parseNumber(t.text)
		return literal{n}
	case lexTrue:
		p.next()
		return literal{true}
	case lexFalse:
		p.next()
		return literal{false}
	case lexNull:
		p.next()
		return literal{nil}
	case lexName:
		p.next()
		return p.postfix(&contextRef{t.text})
	case lexOp:
		if t.text == "(" {
			if p.isAnonFunction() {
				panic(parseError{msg: anonFunction})
			}
			p.next()
			inner := p.binary(0)
			if !p.isOp(")") {
				panic(parseError{tok: p.peek()})
			}
			p.next()
			return p.postfix(inner)
		}
	}
	panic(parseError{tok: t})
}

// isAnonFunction reports whether the tokens ahead are "(a, b) =>": goflow's
// anonymous functions, which this simulator does not support.
func (p *parser) isAnonFunction() bool {
	i := p.pos + 1
	for {
		if p.toks[i].kind != lexName {
			return false
		}
		i++
		if p.toks[i].kind == lexOp && p.toks[i].text == "," {
			i++
			continue
		}
		return p.toks[i].kind == lexOp && p.toks[i].text == ")" && p.toks[i+1].kind == lexOp && p.toks[i+1].text == "=>"
	}
}

func (p *parser) postfix(x expr) expr {
	for {
		switch {
		case p.isOp("("):
			p.next()
			var args []expr
			if !p.isOp(")") {
				args = append(args, p.binary(0))
				for p.isOp(",") {
					p.next()
					args = append(args, p.binary(0))
				}
			}
			if !p.isOp(")") {
				panic(parseError{tok: p.peek()})
			}
			p.next()
			x = &callExpr{fn: x, args: args}
		case p.isOp("."):
			p.next()
			t := p.next()
			if t.kind != lexName && t.kind != lexNumber && t.kind != lexTrue && t.kind != lexFalse && t.kind != lexNull {
				panic(parseError{tok: t})
			}
			if t.kind == lexNumber && strings.Contains(t.text, ".") {
				// "a.1.2" lexes 1.2 as a number: two lookups
				first, second, _ := strings.Cut(t.text, ".")
				x = &lookupExpr{container: &lookupExpr{container: x, key: literal{first}, dot: true}, key: literal{second}, dot: true}
				continue
			}
			x = &lookupExpr{container: x, key: literal{t.text}, dot: true}
		case p.isOp("["):
			p.next()
			key := p.binary(0)
			if !p.isOp("]") {
				panic(parseError{tok: p.peek()})
			}
			p.next()
			x = &lookupExpr{container: x, key: key}
		default:
			return x
		}
	}
}

// ---- evaluation ----

type literal struct{ v value }

func (l literal) eval(*env) value { return l.v }

type contextRef struct{ name string }

func (c *contextRef) eval(e *env) value {
	if v, ok := e.ctx.get(c.name); ok {
		return e.resolved(c.name, v)
	}
	if f := e.function(c.name); f != nil {
		return f
	}
	return errorf("context has no property '%s'", strings.ToLower(c.name))
}

type lookupExpr struct {
	container expr
	key       expr
	dot       bool
}

func (l *lookupExpr) eval(e *env) value {
	container := l.container.eval(e)
	if _, isErr := container.(xerror); isErr {
		return container
	}
	key := l.key.eval(e)
	switch c := container.(type) {
	case array:
		index, err := toInteger(key)
		if err != nil {
			return *err
		}
		if index >= len(c) || index < -len(c) {
			return errorf("index %d out of range for %d items", index, len(c))
		}
		if index < 0 {
			index += len(c)
		}
		return c[index]
	case *object:
		name, err := toText(key)
		if err != nil {
			return *err
		}
		v, ok := c.get(name)
		if !ok {
			if l.dot {
				return errorf("%s has no property '%s'", describe(c), name)
			}
			return nil
		}
		return e.resolved(name, v)
	}
	return errorf("%s doesn't support lookups", describe(container))
}

type callExpr struct {
	fn   expr
	args []expr
}

func (c *callExpr) eval(e *env) value {
	fv := c.fn.eval(e)
	if _, isErr := fv.(xerror); isErr {
		return fv
	}
	f, ok := fv.(*function)
	if !ok {
		return errorf("%s is not a function", describe(fv))
	}
	args := make([]value, len(c.args))
	for i, a := range c.args {
		args[i] = a.eval(e)
	}
	return f.call(e, args)
}

type negateExpr struct{ x expr }

func (n *negateExpr) eval(e *env) value {
	num, err := toNumber(n.x.eval(e))
	if err != nil {
		return *err
	}
	return num.neg()
}

type binaryExpr struct {
	op          string
	left, right expr
}

func (b *binaryExpr) eval(e *env) value {
	l, r := b.left.eval(e), b.right.eval(e)
	switch b.op {
	case "&", "=", "!=":
		lt, err := toText(l)
		if err != nil {
			return *err
		}
		rt, err := toText(r)
		if err != nil {
			return *err
		}
		switch b.op {
		case "&":
			return lt + rt
		case "=":
			return lt == rt
		}
		return lt != rt
	}
	ln, err := toNumber(l)
	if err != nil {
		return *err
	}
	rn, err := toNumber(r)
	if err != nil {
		return *err
	}
	switch b.op {
	case "+":
		return ln.add(rn)
	case "-":
		return ln.sub(rn)
	case "*":
		return ln.mul(rn)
	case "/":
		if rn.isZero() {
			return errorf("division by zero")
		}
		return ln.div(rn)
	case "^":
		return power(ln, rn)
	case "<":
		return ln.cmp(rn) < 0
	case "<=":
		return ln.cmp(rn) <= 0
	case ">":
		return ln.cmp(rn) > 0
	case ">=":
		return ln.cmp(rn) >= 0
	}
	return errorf("unknown operator %s", b.op)
}

// maxNumberBits bounds the size of numbers built by exponents, which
// goflow's decimals would not hold either.
const maxNumberBits = 4096

// power raises base to a whole exponent exactly, and to a fractional one
// in floating point as goflow does.
func power(base, exp number) value {
	if !exp.isInteger() {
		// like goflow, fall back to floating point for fractional exponents
		b, _ := base.rat().Float64()
		x, _ := exp.rat().Float64()
		f := math.Pow(b, x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return errorf("number out of range")
		}
		if n, ok := parseNumber(strconv.FormatFloat(f, 'f', -1, 64)); ok {
			return n
		}
		return errorf("number out of range")
	}
	n := exp.truncate()
	if !n.IsInt64() || n.Int64() > 1000 || n.Int64() < -1000 {
		return errorf("exponent out of range")
	}
	k := n.Int64()
	if bits := base.rat().Num().BitLen() + base.rat().Denom().BitLen(); bits*abs(int(k)) > maxNumberBits {
		return errorf("number too large")
	}
	out := numberFromInt(1)
	for range abs(int(k)) {
		out = out.mul(base)
	}
	if k < 0 {
		if out.isZero() {
			return errorf("division by zero")
		}
		return numberFromInt(1).div(out)
	}
	return out
}

// evaluateExpression parses and evaluates one expression (the text of an
// identifier or of @(...)).
func (e *env) evaluateExpression(src string) value {
	x, err := parseExpression(src)
	if err != nil {
		if strings.Contains(err.Error(), anonFunction) && e.unsupported == "" {
			e.unsupported = "an anonymous function"
		}
		return xerror{err.Error()}
	}
	return x.eval(e)
}

// evaluateTemplate renders a template. Expressions that give errors print
// nothing, as in goflow; errText is empty, or goflow's text for the
// failures: "error evaluating @expr: reason" for each failing expression,
// joined with ", " (goflow then skips actions like set_contact_field).
func (e *env) evaluateTemplate(tpl string) (out, errText string) {
	var b strings.Builder
	var errs []string
	for _, t := range scanTemplate(tpl, e.topLevels()) {
		if t.kind == tokenBody {
			b.WriteString(t.text)
			continue
		}
		v := e.checkDefault(e.evaluateExpression(t.text))
		if xe, isErr := v.(xerror); isErr {
			errs = append(errs, fmt.Sprintf("error evaluating %s: %s", t.source(), xe.msg))
			continue
		}
		b.WriteString(render(v))
	}
	return b.String(), strings.Join(errs, ", ")
}

// evaluateTemplateValue evaluates a template that is a single identifier or
// expression to its typed value (perhaps an error value, which goflow does
// not report as a failure), and any other template to text; errText is
// evaluateTemplate's for the latter.
func (e *env) evaluateTemplateValue(tpl string) (v value, errText string) {
	tpl = strings.TrimSpace(tpl)
	tokens := scanTemplate(tpl, e.topLevels())
	if len(tokens) == 1 && tokens[0].kind != tokenBody {
		return e.checkDefault(e.evaluateExpression(tokens[0].text)), ""
	}
	return e.evaluateTemplate(tpl)
}

// checkDefault marks the evaluation unsupported when its value is an object
// whose text form the simulator does not model (like @run).
func (e *env) checkDefault(v value) value {
	if o, ok := v.(*object); ok && o.hasDefault {
		if u, ok := o.def.(unsupportedValue); ok {
			return e.resolved("", u)
		}
	}
	return v
}
