package excellent

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Value is the value of an expression, typed as goflow types them:
//
//	nil          null
//	string       text
//	Number       a decimal number
//	bool         boolean
//	time.Time    datetime
//	Date         date
//	TimeOfDay    time
//	*Object      object (with an optional default value)
//	Array        array
//	Error        an error value (errors are values in Excellent)
//	*Function    a function
//	Unsupported  something in the context the caller does not model
type Value any

// Number is a decimal held as an exact rational. Division rounds to 16
// decimal places as goflow's decimals do, so every number has a finite
// decimal form. The zero Number is 0.
type Number struct{ r *big.Rat }

// divisionPlaces is the precision of a division, as in shopspring/decimal.
const divisionPlaces = 16

// NumberFromInt returns the number i.
func NumberFromInt(i int64) Number { return Number{new(big.Rat).SetInt64(i)} }

// decimalText matches the numbers goflow accepts when converting text.
var decimalText = regexp.MustCompile(`^-?(([0-9]+)|([0-9]+\.[0-9]+)|(\.[0-9]+))$`)

// ParseNumber converts text to a number as goflow's ToXNumber does: an
// optional minus and plain decimal digits, spaces around allowed.
func ParseNumber(s string) (Number, bool) {
	s = strings.TrimSpace(s)
	if !decimalText.MatchString(s) {
		return Number{}, false
	}
	r, ok := new(big.Rat).SetString(s)
	return Number{r}, ok
}

func (n Number) rat() *big.Rat {
	if n.r == nil {
		return new(big.Rat)
	}
	return n.r
}

func (n Number) cmp(o Number) int { return n.rat().Cmp(o.rat()) }
func (n Number) isZero() bool     { return n.rat().Sign() == 0 }

func (n Number) add(o Number) Number { return Number{new(big.Rat).Add(n.rat(), o.rat())} }
func (n Number) sub(o Number) Number { return Number{new(big.Rat).Sub(n.rat(), o.rat())} }
func (n Number) mul(o Number) Number { return Number{new(big.Rat).Mul(n.rat(), o.rat())} }
func (n Number) neg() Number         { return Number{new(big.Rat).Neg(n.rat())} }

// div divides, rounding half away from zero to 16 places; o must not be zero.
func (n Number) div(o Number) Number {
	return Number{new(big.Rat).Quo(n.rat(), o.rat())}.round(divisionPlaces)
}

// round rounds half away from zero to places decimal places (negative
// places round to tens, hundreds, ...).
func (n Number) round(places int) Number {
	switch {
	case places > 1000: // beyond any place a number here has
		return n
	case places < -1000:
		return NumberFromInt(0)
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
	return Number{out}
}

// truncate drops the fractional part.
func (n Number) truncate() *big.Int {
	return new(big.Int).Quo(n.rat().Num(), n.rat().Denom())
}

func (n Number) isInteger() bool { return n.rat().IsInt() }

// String renders the number as goflow does: plain decimal notation without
// trailing zeros.
func (n Number) String() string {
	r := n.rat()
	if r.IsInt() {
		return r.Num().String()
	}
	if places, ok := decimalPlaces(r.Denom()); ok {
		return r.FloatString(places)
	}
	// not a finite decimal (no number built here is): as many places as
	// needed, up to 64
	for places := 1; places <= 64; places++ {
		s := r.FloatString(places)
		back, _ := new(big.Rat).SetString(s)
		if back.Cmp(r) == 0 {
			return s
		}
	}
	return strings.TrimRight(strings.TrimRight(r.FloatString(divisionPlaces), "0"), ".")
}

// decimalPlaces returns how many decimal places a fraction of denominator
// d needs: k when d divides 10^k, that is d = 2^a·5^b and k = max(a, b).
func decimalPlaces(d *big.Int) (int, bool) {
	twos := int(d.TrailingZeroBits())
	rest := new(big.Int).Rsh(d, uint(twos))
	five, q, m := big.NewInt(5), new(big.Int), new(big.Int)
	fives := 0
	for rest.Cmp(big.NewInt(1)) > 0 {
		q.QuoRem(rest, five, m)
		if m.Sign() != 0 {
			return 0, false
		}
		rest.Set(q)
		fives++
	}
	return max(twos, fives), true
}

func abs(i int) int {
	if i < 0 {
		return -i
	}
	return i
}

// Date is a calendar date without a time or zone.
type Date struct{ year, month, day int }

// DateOf returns the date of t in t's location.
func DateOf(t time.Time) Date { return Date{t.Year(), int(t.Month()), t.Day()} }

// String renders the date as goflow does, "2006-01-02".
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.year, d.month, d.day) }

func (d Date) time(loc *time.Location) time.Time {
	return time.Date(d.year, time.Month(d.month), d.day, 0, 0, 0, 0, loc)
}

func (d Date) compare(o Date) int {
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

// TimeOfDay is a time without a date.
type TimeOfDay struct{ hour, minute, second, nanos int }

// String renders the time as goflow does, "15:04:05.000000".
func (t TimeOfDay) String() string {
	return fmt.Sprintf("%02d:%02d:%02d.%06d", t.hour, t.minute, t.second, t.nanos/1000)
}

// Object is an Excellent object: named properties and, for context objects
// like @contact or @results.x, a default value used when the object itself
// is rendered. Objects are never changed once built.
type Object struct {
	props      map[string]Value
	def        Value
	hasDefault bool
}

// NewObject returns an object with the given properties and no default.
func NewObject(props map[string]Value) *Object { return &Object{props: props} }

// NewObjectWithDefault returns an object that renders, compares and
// converts as def.
func NewObjectWithDefault(def Value, props map[string]Value) *Object {
	return &Object{props: props, def: def, hasDefault: true}
}

// Get looks up a property ignoring case, as goflow does.
func (o *Object) Get(key string) (Value, bool) {
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

func (o *Object) keys() []string {
	keys := make([]string, 0, len(o.props))
	for k := range o.props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Array is an Excellent array.
type Array []Value

// Error is an error value: evaluating a bad expression gives one, and a
// template prints nothing for it.
type Error struct{ msg string }

// Error returns the error's message, worded as goflow words it.
func (e Error) Error() string { return e.msg }

// Errorf returns an error value.
func Errorf(format string, args ...any) Error { return Error{fmt.Sprintf(format, args...)} }

// IsError reports whether v is an error value.
func IsError(v Value) bool { _, ok := v.(Error); return ok }

// Unsupported stands in the context for something the caller does not
// model (the simulator's @globals, say): evaluating it gives an error and
// marks the evaluation unsupported (see [Env.Unsupported]).
type Unsupported struct{ What string }

// DateTimeLayout is how goflow renders datetimes.
const DateTimeLayout = "2006-01-02T15:04:05.000000Z07:00"

// Render converts a value to text as goflow's Render does.
func Render(v Value) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case time.Time:
		return v.Format(DateTimeLayout)
	case Date:
		return v.String()
	case TimeOfDay:
		return v.String()
	case *Object:
		if v.hasDefault {
			return Render(v.def)
		}
		pairs := make([]string, 0, len(v.props))
		for _, k := range v.keys() {
			pairs = append(pairs, k+": "+Render(v.props[k]))
		}
		return "{" + strings.Join(pairs, ", ") + "}"
	case Array:
		parts := make([]string, len(v))
		for i, e := range v {
			parts[i] = Render(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case Error:
		return v.msg
	case *Function:
		return v.name
	}
	return fmt.Sprint(v)
}

// toText converts a value to text, passing errors on.
func toText(v Value) (string, *Error) {
	if e, ok := v.(Error); ok {
		return "", &e
	}
	return Render(v), nil
}

// Truthy reports whether a value counts as true.
func Truthy(v Value) bool {
	switch v := v.(type) {
	case nil:
		return false
	case string:
		return v != "" && strings.ToLower(v) != "false"
	case Number:
		return !v.isZero()
	case bool:
		return v
	case *Object:
		if v.hasDefault {
			return Truthy(v.def)
		}
		return len(v.props) > 0
	case Array:
		return len(v) > 0
	case Error:
		return false
	}
	return true
}

// describe names a value in error messages, as goflow does.
func describe(v Value) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(v)
	case Number:
		return v.String()
	case bool:
		if v {
			return "true"
		}
		return "false"
	case time.Time:
		return "datetime"
	case Date:
		return "date"
	case *Object:
		return "object"
	case Array:
		return "array"
	case *Function:
		return "function"
	}
	return "value"
}

// toNumber converts a value to a number as goflow's ToXNumber does.
func toNumber(v Value) (Number, *Error) {
	switch t := v.(type) {
	case Error:
		return Number{}, &t
	case Number:
		return t, nil
	case string:
		if n, ok := ParseNumber(t); ok {
			return n, nil
		}
	case *Object:
		if t.hasDefault {
			return toNumber(t.def)
		}
	}
	e := Errorf("unable to convert %s to a number", describe(v))
	return Number{}, &e
}

// toInteger converts a value to an integer (its integer part).
func toInteger(v Value) (int, *Error) {
	n, err := toNumber(v)
	if err != nil {
		return 0, err
	}
	i := n.truncate()
	if !i.IsInt64() || i.Int64() < -1<<31 || i.Int64() > 1<<31-1 {
		e := Errorf("number value %s is out of range for an integer", n)
		return 0, &e
	}
	return int(i.Int64()), nil
}

// toArray converts a value to an array.
func toArray(v Value) (Array, *Error) {
	switch t := v.(type) {
	case Error:
		return nil, &t
	case Array:
		return t, nil
	case nil:
		return Array{}, nil
	case *Object:
		if t.hasDefault {
			return toArray(t.def)
		}
	}
	e := Errorf("unable to convert %s to an array", describe(v))
	return nil, &e
}

// equalValues compares two values for equality as goflow's Equals does:
// same type and same content.
func equalValues(a, b Value) bool {
	switch x := a.(type) {
	case Number:
		y, ok := b.(Number)
		return ok && x.cmp(y) == 0
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y)
	case *Object, Array:
		return Render(a) == Render(b) && fmt.Sprintf("%T", a) == fmt.Sprintf("%T", b)
	}
	return a == b
}

// FromJSON converts decoded JSON (as from encoding/json into any) to a value.
func FromJSON(v any) Value {
	switch t := v.(type) {
	case nil:
		return nil
	case string:
		return t
	case bool:
		return t
	case float64:
		if n, ok := ParseNumber(strconv.FormatFloat(t, 'f', -1, 64)); ok {
			return n
		}
		return nil
	case json.Number:
		if n, ok := ParseNumber(t.String()); ok {
			return n
		}
		if f, err := t.Float64(); err == nil {
			return FromJSON(f)
		}
		return nil
	case int:
		return NumberFromInt(int64(t))
	case int64:
		return NumberFromInt(t)
	case []any:
		out := make(Array, len(t))
		for i, e := range t {
			out[i] = FromJSON(e)
		}
		return out
	case map[string]any:
		props := make(map[string]Value, len(t))
		for k, e := range t {
			props[k] = FromJSON(e)
		}
		return NewObject(props)
	case map[string]string:
		props := make(map[string]Value, len(t))
		for k, e := range t {
			props[k] = e
		}
		return NewObject(props)
	}
	return fmt.Sprint(v)
}

// ParseJSON converts a JSON document to a value, keeping numbers exact;
// invalid JSON gives nil.
func ParseJSON(body string) Value {
	dec := json.NewDecoder(bytes.NewReader([]byte(body)))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil
	}
	return FromJSON(v)
}
