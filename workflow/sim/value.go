package sim

import (
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The values of Excellent expressions, as goflow types them:
//
//	nil          null
//	string       text
//	number       a decimal number
//	bool         boolean
//	time.Time    datetime
//	date         date
//	*object      object (with an optional default value)
//	array        array
//	xerror       an error value (errors are values in Excellent)
//	*function    a function
type value any

// number is a decimal held as an exact rational. Division rounds to 16
// decimal places as goflow's decimals do, so every number has a finite
// decimal form.
type number struct{ r *big.Rat }

// divisionPlaces is the precision of a division, as in shopspring/decimal.
const divisionPlaces = 16

func numberFromInt(i int64) number { return number{new(big.Rat).SetInt64(i)} }

// decimalText matches the numbers goflow accepts when converting text.
var decimalText = regexp.MustCompile(`^-?(([0-9]+)|([0-9]+\.[0-9]+)|(\.[0-9]+))$`)

// parseNumber converts text to a number as goflow's ToXNumber does.
func parseNumber(s string) (number, bool) {
	s = strings.TrimSpace(s)
	if !decimalText.MatchString(s) {
		return number{}, false
	}
	r, ok := new(big.Rat).SetString(s)
	return number{r}, ok
}

func (n number) rat() *big.Rat {
	if n.r == nil {
		return new(big.Rat)
	}
	return n.r
}

func (n number) cmp(o number) int { return n.rat().Cmp(o.rat()) }
func (n number) isZero() bool     { return n.rat().Sign() == 0 }

func (n number) add(o number) number { return number{new(big.Rat).Add(n.rat(), o.rat())} }
func (n number) sub(o number) number { return number{new(big.Rat).Sub(n.rat(), o.rat())} }
func (n number) mul(o number) number { return number{new(big.Rat).Mul(n.rat(), o.rat())} }
func (n number) neg() number         { return number{new(big.Rat).Neg(n.rat())} }

// div divides, rounding half away from zero to 16 places; o must not be zero.
func (n number) div(o number) number {
	return number{new(big.Rat).Quo(n.rat(), o.rat())}.round(divisionPlaces)
}

// round rounds half away from zero to places decimal places (negative
// places round to tens, hundreds, ...).
func (n number) round(places int) number {
	switch {
	case places > 1000: // beyond any place a number here has
		return n
	case places < -1000:
		return numberFromInt(0)
	}
	scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(places))), nil))
	x := new(big.Rat).Set(n.rat())
	if places >= 0 {
		x.Mul(x, scale)
	} else {
		x.Quo(x, scale)
	}
	// x rounded half away from zero to an integer
	num, den := new(big.Int).Set(x.Num()), x.Denom()
	neg := num.Sign() < 0
	num.Abs(num)
	q, rem := new(big.Int).QuoRem(num, den, new(big.Int))
	if new(big.Int).Mul(rem, big.NewInt(2)).Cmp(den) >= 0 {
		q.Add(q, big.NewInt(1))
	}
	if neg {
		q.Neg(q)
	}
	out := new(big.Rat).SetInt(q)
	if places >= 0 {
		out.Quo(out, scale)
	} else {
		out.Mul(out, scale)
	}
	return number{out}
}

// truncate drops the fractional part.
func (n number) truncate() *big.Int {
	return new(big.Int).Quo(n.rat().Num(), n.rat().Denom())
}

func (n number) isInteger() bool { return n.rat().IsInt() }

// String renders the number as goflow does: plain decimal notation without
// trailing zeros.
func (n number) String() string {
	r := n.rat()
	if r.IsInt() {
		return r.Num().String()
	}
	// count the places needed: the denominator divides 10^k for k ≤ 64 once
	// rounded to 16 places by division; guard anyway.
	for places := 1; places <= 64; places++ {
		s := r.FloatString(places)
		back, _ := new(big.Rat).SetString(s)
		if back.Cmp(r) == 0 {
			return s
		}
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(divisionPlaces), "0"), ".")
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// date is a calendar date without a time or zone.
type date struct{ year, month, day int }

func dateOf(t time.Time) date { return date{t.Year(), int(t.Month()), t.Day()} }

// String renders the date as goflow does, "2006-01-02".
func (d date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day) }

func (d date) time(loc *time.Location) time.Time {
	return time.Date(d.year, time.Month(d.month), d.day, 0, 0, 0, 0, loc)
}

func (d date) compare(o date) int {
	return cmpInts(d.year, o.year, d.month, o.month, d.day, o.day)
}

func cmpInts(pairs ...int) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if pairs[i] != pairs[i+1] {
			if pairs[i] < pairs[i+1] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// timeOfDay is a time without a date.
type timeOfDay struct{ hour, minute, second, nanos int }

// String renders the time as goflow does, "15:04:05.000000".
func (t timeOfDay) String() string {
	return fmt.Sprintf("%02d:%02d:%02d.%06d", t.hour, t.minute, t.second, t.nanos/1000)
}

// object is an Excellent object: named properties and, for context objects
// like @contact or @results.x, a default value used when the object itself
// is rendered.
type object struct {
	props      map[string]value
	def        value
	hasDefault bool
}

func newObject(props map[string]value) *object { return &object{props: props} }

func newObjectWithDefault(def value, props map[string]value) *object {
	return &object{props: props, def: def, hasDefault: true}
}

// get looks up a property ignoring case, as goflow does.
func (o *object) get(key string) (value, bool) {
	if v, ok := o.props[key]; ok {
		return v, true
	}
	lower := strings.ToLower(key)
	for k, v := range o.props {
		if strings.ToLower(k) == lower {
			return v, true
		}
	}
	return nil, false
}

func (o *object) keys() []string {
	keys := make([]string, 0, len(o.props))
	for k := range o.props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

type array []value

// xerror is an error value: evaluating a bad expression gives one, and a
// template prints nothing for it.
type xerror struct{ msg string }

// Error returns the error's message.
func (e xerror) Error() string { return e.msg }

func errorf(format string, args ...any) xerror { return xerror{fmt.Sprintf(format, args...)} }

// function is a callable value: a built-in function or a case test.
type function struct {
	name string
	fn   func(e *env, args []value) value
}

// call calls the function, wrapping an error it returns with its name as
// goflow does.
func (f *function) call(e *env, args []value) value {
	v := f.fn(e, args)
	if xe, ok := v.(xerror); ok {
		return errorf("error calling %s(...): %s", f.name, xe.msg)
	}
	return v
}

// isoLayout is how goflow renders datetimes.
const isoLayout = "2006-01-02T15:04:05.000000Z07:00"

// render converts a value to text as goflow's Render does.
func render(v value) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case time.Time:
		return v.Format(isoLayout)
	case date:
		return v.String()
	case timeOfDay:
		return v.String()
	case *object:
		if v.hasDefault {
			return render(v.def)
		}
		pairs := make([]string, 0, len(v.props))
		for _, k := range v.keys() {
			pairs = append(pairs, k+": "+render(v.props[k]))
		}
		return "{" + strings.Join(pairs, ", ") + "}"
	case array:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = render(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case xerror:
		return v.msg
	case *function:
		return v.name
	}
	return fmt.Sprint(v)
}

// toText converts a value to text, passing errors on.
func toText(v value) (string, *xerror) {
	if e, ok := v.(xerror); ok {
		return "", &e
	}
	return render(v), nil
}

// truthy reports whether a value counts as true.
func truthy(v value) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != "" && strings.ToLower(v) != "false"
	case number:
		return !v.isZero()
	case bool:
		return v
	case *object:
		if v.hasDefault {
			return truthy(v.def)
		}
		return len(v.props) > 0
	case array:
		return len(v) > 0
	case xerror:
		return false
	}
	return true
}

// describe names a value in error messages, as goflow does.
func describe(v value) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case time.Time:
		return "datetime"
	case date:
		return "date"
	case *object:
		return "object"
	case array:
		return "array"
	case *function:
		return "function"
	}
	return "value"
}

// toNumber converts a value to a number as goflow's ToXNumber does.
func toNumber(v value) (number, *xerror) {
	switch t := v.(type) {
	case xerror:
		return number{}, &t
	case number:
		return t, nil
	case string:
		if n, ok := parseNumber(t); ok {
			return n, nil
		}
	case *object:
		if t.hasDefault {
			return toNumber(t.def)
		}
	}
	e := errorf("unable to convert %s to a number", describe(v))
	return number{}, &e
}

// toInteger converts a value to an integer (its integer part).
func toInteger(v value) (int, *xerror) {
	n, err := toNumber(v)
	if err != nil {
		return 0, err
	}
	i := n.truncate()
	if !i.IsInt64() || i.Int64() < -1<<31 || i.Int64() > 1<<31-1 {
		e := errorf("number value %s is out of range for an integer", n)
		return 0, &e
	}
	return int(i.Int64()), nil
}

// toArray converts a value to an array.
func toArray(v value) (array, *xerror) {
	switch t := v.(type) {
	case xerror:
		return nil, &t
	case array:
		return t, nil
	case nil:
		return array{}, nil
	case *object:
		if t.hasDefault {
			return toArray(t.def)
		}
	}
	e := errorf("unable to convert %s to an array", describe(v))
	return nil, &e
}

// equalValues compares two values for equality as goflow's Equals does:
// same type and same content.
func equalValues(a, b value) bool {
	switch x := a.(type) {
	case number:
		y, ok := b.(number)
		return ok && x.cmp(y) == 0
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case *object, array:
		return render(a) == render(b) && fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
	}
	return a == b
}

// fromJSON converts decoded JSON (as from encoding/json into any) to a value.
func fromJSON(v any) value {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		return t
	case bool:
		return t
	case float64:
		if n, ok := parseNumber(strconv.FormatFloat(t, 'f', -1, 64)); ok {
			return n
		}
		return nil
	case json.Number:
		if n, ok := parseNumber(t.String()); ok {
			return n
		}
		if f, err := t.Float64(); err == nil {
			return fromJSON(f)
		}
		return nil
	case int:
		return numberFromInt(int64(t))
	case int64:
		return numberFromInt(t)
	case []any:
		out := make(array, len(t))
		for i, e := range t {
			out[i] = fromJSON(e)
		}
		return out
	case map[string]any:
		props := make(map[string]value, len(t))
		for k, e := range t {
			props[k] = fromJSON(e)
		}
		return newObject(props)
	case map[string]string:
		props := make(map[string]value, len(t))
		for k, e := range t {
			props[k] = e
		}
		return newObject(props)
	}
	return fmt.Sprint(v)
}
