package excellent

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Env is what expressions are evaluated against: the context and the
// workspace's settings. An Env is used by one goroutine at a time; it
// records the first unsupported feature an evaluation meets.
type Env struct {
	// Context is the root of what expressions name: @contact, @results...
	Context *Object
	// Now is the current time, for now(), today() and dates read without
	// a time of day.
	Now time.Time
	// Timezone is the workspace's (or contact's) zone; UTC when nil.
	Timezone *time.Location
	// DateFormat orders the parts of dates read from text and is the
	// default layout of format_date: "YYYY-MM-DD" (when empty),
	// "DD-MM-YYYY" or "MM-DD-YYYY".
	DateFormat string
	// TimeFormat is the time part of format_datetime's default layout,
	// "tt:mm" when empty.
	TimeFormat string
	// Language is the ISO 639-3 code of the language format_date and
	// format_datetime write names of days and months in: goflow's session
	// language (the contact's when allowed, else the workspace's). English
	// when empty.
	Language string
	// Country is the ISO 3166 code has_phone reads local numbers in, and
	// which picks among regional names of days and months: goflow's
	// session country (the contact's phone number's, else the workspace's).
	Country string

	unsupported string
}

func (e *Env) tz() *time.Location {
	if e.Timezone == nil {
		return time.UTC
	}
	return e.Timezone
}

func (e *Env) dateFormat() string {
	if e.DateFormat == "" {
		return "YYYY-MM-DD"
	}
	return e.DateFormat
}

func (e *Env) timeFormat() string {
	if e.TimeFormat == "" {
		return "tt:mm"
	}
	return e.TimeFormat
}

// Unsupported names the first feature the evaluations met that cannot be
// evaluated faithfully (a function this package lacks, an [Unsupported]
// value, an anonymous function), or is empty.
func (e *Env) Unsupported() string { return e.unsupported }

func (e *Env) markUnsupported(what string) {
	if e.unsupported == "" {
		e.unsupported = what
	}
}

// resolved checks a value found in the context for unsupported stand-ins.
func (e *Env) resolved(v Value) Value {
	if u, ok := v.(Unsupported); ok {
		e.markUnsupported(u.What)
		return Errorf("%s is not supported", u.What)
	}
	return v
}

// checkDefault marks the evaluation unsupported when its value is an
// object whose text form is not modelled (like the simulator's @run).
func (e *Env) checkDefault(v Value) Value {
	if o, ok := v.(*Object); ok && o.hasDefault {
		if u, ok := o.def.(Unsupported); ok {
			return e.resolved(u)
		}
	}
	return v
}

// EvaluateExpression parses and evaluates one expression (the text of an
// identifier or of @(...)). A syntax error is an error value worded as
// goflow's.
func (e *Env) EvaluateExpression(src string) Value {
	x, err := Parse(src)
	if err != nil {
		return Error{err.(*SyntaxError).goflowText()}
	}
	return x.root.eval(e)
}

// Evaluate evaluates a parsed expression.
func (e *Env) Evaluate(x *Expression) Value { return x.root.eval(e) }

// EvaluateTemplate renders a template. Expressions that give errors print
// nothing, as in goflow; errText is empty, or goflow's text for the
// failures: "error evaluating @expr: reason" for each failing expression,
// joined with ", ".
func (e *Env) EvaluateTemplate(template string) (out, errText string) {
	var b strings.Builder
	var errs []string
	for _, t := range Scan(template, TopLevels) {
		switch t.Kind {
		case TextToken:
			b.WriteString(t.Text)
			continue
		case UnclosedToken:
			b.WriteString(t.Source) // printed as written, as goflow does
			continue
		}
		v := e.checkDefault(e.EvaluateExpression(t.Text))
		if xe, isErr := v.(Error); isErr {
			errs = append(errs, fmt.Sprintf("error evaluating %s: %s", t.errorSource(), xe.msg))
			continue
		}
		b.WriteString(Render(v))
	}
	return b.String(), strings.Join(errs, ", ")
}

// EvaluateTemplateValue evaluates a template that is a single identifier
// or expression to its typed value (perhaps an error value, which goflow
// does not report as a failure), and any other template to text; errText
// is EvaluateTemplate's for the latter.
func (e *Env) EvaluateTemplateValue(template string) (v Value, errText string) {
	template = strings.TrimSpace(template)
	tokens := Scan(template, TopLevels)
	if len(tokens) == 1 && tokens[0].IsExpression() {
		return e.checkDefault(e.EvaluateExpression(tokens[0].Text)), ""
	}
	return e.EvaluateTemplate(template)
}

func (x *literal) eval(*Env) Value { return x.v }

func (x *ref) eval(e *Env) Value {
	if e.Context != nil {
		if v, ok := e.Context.Get(x.name); ok {
			return e.resolved(v)
		}
	}
	if f := LookupFunction(x.name); f != nil {
		return f
	}
	return Errorf("context has no property '%s'", strings.ToLower(x.name))
}

func (x *lookup) eval(e *Env) Value {
	container := x.container.eval(e)
	if _, isErr := container.(Error); isErr {
		return container
	}
	key := x.key.eval(e)
	switch c := container.(type) {
	case Array:
		index, err := toInteger(key)
		if err != nil {
			return *err
		}
		if index >= len(c) || index < -len(c) {
			return Errorf("index %d out of range for %d items", index, len(c))
		}
		if index < 0 {
			index += len(c)
		}
		return c[index]
	case *Object:
		name, err := toText(key)
		if err != nil {
			return *err
		}
		v, ok := c.Get(name)
		if !ok {
			if x.dot {
				return Errorf("%s has no property '%s'", describe(c), name)
			}
			return nil
		}
		return e.resolved(v)
	}
	return Errorf("%s doesn't support lookups", describe(container))
}

func (x *call) eval(e *Env) Value {
	fv := x.fn.eval(e)
	if _, isErr := fv.(Error); isErr {
		return fv
	}
	f, ok := fv.(*Function)
	if !ok {
		return Errorf("%s is not a function", describe(fv))
	}
	args := make([]Value, len(x.args))
	for i, a := range x.args {
		args[i] = a.eval(e)
	}
	return f.Call(e, args)
}

func (x *anonFunc) eval(e *Env) Value {
	e.markUnsupported("an anonymous function")
	return Errorf("anonymous functions are not supported")
}

func (x *negate) eval(e *Env) Value {
	num, err := toNumber(x.x.eval(e))
	if err != nil {
		return *err
	}
	return num.neg()
}

func (x *binary) eval(e *Env) Value {
	l, r := x.left.eval(e), x.right.eval(e)
	switch x.op {
	case "&", "=", "!=":
		lt, err := toText(l)
		if err != nil {
			return *err
		}
		rt, err := toText(r)
		if err != nil {
			return *err
		}
		switch x.op {
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
	switch x.op {
	case "+":
		return ln.add(rn)
	case "-":
		return ln.sub(rn)
	case "*":
		return ln.mul(rn)
	case "/":
		if rn.isZero() {
			return Errorf("division by zero")
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
	return Errorf("unknown operator %s", x.op)
}

// maxNumberBits bounds the size of numbers built by exponents, which
// goflow's decimals would not hold either.
const maxNumberBits = 4096

// power raises base to a whole exponent exactly, and to a fractional one
// in floating point as goflow does.
func power(base, exp Number) Value {
	if !exp.isInteger() {
		// like goflow, fall back to floating point for fractional exponents
		b, _ := base.rat().Float64()
		x, _ := exp.rat().Float64()
		f := math.Pow(b, x)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return Errorf("number out of range")
		}
		if n, ok := ParseNumber(strconv.FormatFloat(f, 'f', -1, 64)); ok {
			return n
		}
		return Errorf("number out of range")
	}
	n := exp.truncate()
	if !n.IsInt64() || n.Int64() > 1000 || n.Int64() < -1000 {
		return Errorf("exponent out of range")
	}
	k := n.Int64()
	if bits := base.rat().Num().BitLen() + base.rat().Denom().BitLen(); bits*abs(int(k)) > maxNumberBits {
		return Errorf("number too large")
	}
	out := NumberFromInt(1)
	for range abs(int(k)) {
		out = out.mul(base)
	}
	if k < 0 {
		if out.isZero() {
			return Errorf("division by zero")
		}
		return NumberFromInt(1).div(out)
	}
	return out
}
