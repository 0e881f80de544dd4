package excellent

import (
	"slices"
	"strings"
	"time"
)

// This file holds the registry of functions and the wrappers that check
// and convert their arguments, after the design of goflow's
// excellent/functions: each built-in is a plain Go function of typed
// arguments (text, numbers, dates...), and a wrapper states its arity and
// converts each argument in order, returning the first conversion error.

// Function is a built-in function or case test, as a value: a name that
// is called with arguments.
type Function struct {
	name     string
	min, max int // arity; max < 0 when there is no maximum
	// call is nil for a goflow function this package does not implement.
	call func(e *Env, args []Value) Value
}

// Name returns the function's name, e.g. "upper" or "has_any_word".
func (f *Function) Name() string { return f.name }

// Supported reports whether the function is evaluated here: goflow
// functions without an implementation (rand, json, foreach...) are known,
// so that templates using them are valid, but unsupported.
func (f *Function) Supported() bool { return f.call != nil }

// IsCaseTest reports whether the function is a case test of a switch
// router (has_any_word, has_number_between...).
func (f *Function) IsCaseTest() bool { return strings.HasPrefix(f.name, "has_") }

// Arity returns how many arguments the function takes: at least min and
// at most max, or any number from min when max is negative. An
// unsupported function gives 0, -1.
func (f *Function) Arity() (min, max int) { return f.min, f.max }

// CheckArgs returns goflow's error text for calling f with n arguments,
// or "" when n is right.
func (f *Function) CheckArgs(n int) string {
	switch {
	case f.min == f.max:
		if n != f.min {
			return Errorf("need %d argument(s), got %d", f.min, n).msg
		}
	case f.max < 0:
		if n < f.min {
			return Errorf("need at least %d argument(s), got %d", f.min, n).msg
		}
	case n < f.min || n > f.max:
		return Errorf("need %d to %d argument(s), got %d", f.min, f.max, n).msg
	}
	return ""
}

// Call calls the function; an error it gives is wrapped with its name as
// goflow does. Calling an unsupported function marks e unsupported.
func (f *Function) Call(e *Env, args []Value) Value {
	if f.call == nil {
		e.markUnsupported("the function " + f.name + "()")
		return Errorf("%s is not supported", f.name)
	}
	v := Value(nil)
	if msg := f.CheckArgs(len(args)); msg != "" {
		v = Error{msg}
	} else {
		v = f.call(e, args)
	}
	if xe, ok := v.(Error); ok {
		return Errorf("error calling %s(...): %s", f.name, xe.msg)
	}
	return v
}

// LookupFunction returns the function or case test of that name (ignoring
// case), or nil when goflow has none.
func LookupFunction(name string) *Function {
	if f, ok := registry[name]; ok {
		return f
	}
	return registry[strings.ToLower(name)]
}

// FunctionNames returns the names of every function and case test, sorted.
func FunctionNames() []string { return functionNames }

var (
	registry      map[string]*Function
	functionNames []string
)

func init() {
	registry = map[string]*Function{}
	for _, group := range []map[string]builtin{conversionFunctions, textFunctions, logicFunctions, numberFunctions, arrayFunctions, dateFunctions, caseTests} {
		for name, b := range group {
			registry[name] = &Function{name: name, min: b.min, max: b.max, call: b.call}
		}
	}
	for _, name := range unsupportedFunctions {
		registry[name] = &Function{name: name, min: 0, max: -1}
	}
	for name := range registry {
		functionNames = append(functionNames, name)
	}
	slices.Sort(functionNames)
}

// unsupportedFunctions are goflow functions this package lacks: calling one
// is reported (see [Env.Unsupported]) instead of silently printing nothing.
var unsupportedFunctions = []string{
	"rand", "rand_between", "parse_datetime", "datetime_from_epoch",
	"replace_time", "tz", "tz_offset", "parse_time", "time_from_parts", "sort", "unique", "filter",
	"urn_parts", "attachment_parts", "json", "parse_json", "format", "format_time", "format_location",
	"legacy_add", "read_chars", "extract", "extract_object", "foreach", "foreach_value",
	"keys", "object", "time", "has_intent", "has_top_intent", "has_state",
	"has_district", "has_ward",
}

// builtin is a function before it is named: its arity and its call, which
// gets as many arguments as the arity allows.
type builtin struct {
	min, max int
	call     func(e *Env, args []Value) Value
}

// ---- wrappers by arity ----

// variadic takes between min and max values (max < 0: no maximum) as they are.
func variadic(min, max int, f func(e *Env, args []Value) Value) builtin {
	return builtin{min, max, f}
}

func noArgs(f func(e *Env) Value) builtin {
	return builtin{0, 0, func(e *Env, _ []Value) Value { return f(e) }}
}

func oneArg(f func(e *Env, v Value) Value) builtin {
	return builtin{1, 1, func(e *Env, args []Value) Value { return f(e, args[0]) }}
}

func twoArgs(f func(e *Env, a, b Value) Value) builtin {
	return builtin{2, 2, func(e *Env, args []Value) Value { return f(e, args[0], args[1]) }}
}

func threeArgs(f func(e *Env, a, b, c Value) Value) builtin {
	return builtin{3, 3, func(e *Env, args []Value) Value { return f(e, args[0], args[1], args[2]) }}
}

// ---- wrappers converting arguments ----

func oneText(f func(e *Env, s string) Value) builtin {
	return builtin{1, 1, func(e *Env, args []Value) Value {
		s, err := toText(args[0])
		if err != nil {
			return *err
		}
		return f(e, s)
	}}
}

func twoTexts(f func(e *Env, a, b string) Value) builtin {
	return builtin{2, 2, func(e *Env, args []Value) Value {
		a, err := toText(args[0])
		if err != nil {
			return *err
		}
		b, err := toText(args[1])
		if err != nil {
			return *err
		}
		return f(e, a, b)
	}}
}

// textAndOptionalText passes "" for a missing second text.
func textAndOptionalText(f func(e *Env, a, b string) Value) builtin {
	return builtin{1, 2, func(e *Env, args []Value) Value {
		a, err := toText(args[0])
		if err != nil {
			return *err
		}
		b := ""
		if len(args) == 2 {
			if b, err = toText(args[1]); err != nil {
				return *err
			}
		}
		return f(e, a, b)
	}}
}

// initialText converts the first argument to text and passes the others
// (between minRest and maxRest of them) as they are.
func initialText(minRest, maxRest int, f func(e *Env, s string, rest []Value) Value) builtin {
	return builtin{1 + minRest, 1 + maxRest, func(e *Env, args []Value) Value {
		s, err := toText(args[0])
		if err != nil {
			return *err
		}
		return f(e, s, args[1:])
	}}
}

func textAndInteger(f func(e *Env, s string, n int) Value) builtin {
	return builtin{2, 2, func(e *Env, args []Value) Value {
		s, err := toText(args[0])
		if err != nil {
			return *err
		}
		n, err := toInteger(args[1])
		if err != nil {
			return *err
		}
		return f(e, s, n)
	}}
}

func textAndNumber(f func(e *Env, s string, n Number) Value) builtin {
	return builtin{2, 2, func(e *Env, args []Value) Value {
		s, err := toText(args[0])
		if err != nil {
			return *err
		}
		n, err := toNumber(args[1])
		if err != nil {
			return *err
		}
		return f(e, s, n)
	}}
}

func textAndTwoNumbers(f func(e *Env, s string, a, b Number) Value) builtin {
	return builtin{3, 3, func(e *Env, args []Value) Value {
		s, err := toText(args[0])
		if err != nil {
			return *err
		}
		a, err := toNumber(args[1])
		if err != nil {
			return *err
		}
		b, err := toNumber(args[2])
		if err != nil {
			return *err
		}
		return f(e, s, a, b)
	}}
}

func textAndDateTime(f func(e *Env, s string, t time.Time) Value) builtin {
	return builtin{2, 2, func(e *Env, args []Value) Value {
		s, err := toText(args[0])
		if err != nil {
			return *err
		}
		t, err := e.toDateTime(args[1])
		if err != nil {
			return *err
		}
		return f(e, s, t)
	}}
}

func oneNumber(f func(e *Env, n Number) Value) builtin {
	return builtin{1, 1, func(e *Env, args []Value) Value {
		n, err := toNumber(args[0])
		if err != nil {
			return *err
		}
		return f(e, n)
	}}
}

func twoNumbers(f func(e *Env, a, b Number) Value) builtin {
	return builtin{2, 2, func(e *Env, args []Value) Value {
		a, err := toNumber(args[0])
		if err != nil {
			return *err
		}
		b, err := toNumber(args[1])
		if err != nil {
			return *err
		}
		return f(e, a, b)
	}}
}

// numberAndOptionalInteger passes 0 for a missing integer.
func numberAndOptionalInteger(f func(e *Env, n Number, i int) Value) builtin {
	return builtin{1, 2, func(e *Env, args []Value) Value {
		n, err := toNumber(args[0])
		if err != nil {
			return *err
		}
		i := 0
		if len(args) == 2 {
			if i, err = toInteger(args[1]); err != nil {
				return *err
			}
		}
		return f(e, n, i)
	}}
}

func threeIntegers(f func(e *Env, a, b, c int) Value) builtin {
	return builtin{3, 3, func(e *Env, args []Value) Value {
		var ns [3]int
		for i := range ns {
			n, err := toInteger(args[i])
			if err != nil {
				return *err
			}
			ns[i] = n
		}
		return f(e, ns[0], ns[1], ns[2])
	}}
}

func oneDate(f func(e *Env, d Date) Value) builtin {
	return builtin{1, 1, func(e *Env, args []Value) Value {
		d, err := e.toDate(args[0])
		if err != nil {
			return *err
		}
		return f(e, d)
	}}
}

func oneDateTime(f func(e *Env, t time.Time) Value) builtin {
	return builtin{1, 1, func(e *Env, args []Value) Value {
		t, err := e.toDateTime(args[0])
		if err != nil {
			return *err
		}
		return f(e, t)
	}}
}

func oneArray(f func(e *Env, a Array) Value) builtin {
	return builtin{1, 1, func(e *Env, args []Value) Value {
		a, err := toArray(args[0])
		if err != nil {
			return *err
		}
		return f(e, a)
	}}
}

func twoArrays(f func(e *Env, a, b Array) Value) builtin {
	return builtin{2, 2, func(e *Env, args []Value) Value {
		a, err := toArray(args[0])
		if err != nil {
			return *err
		}
		b, err := toArray(args[1])
		if err != nil {
			return *err
		}
		return f(e, a, b)
	}}
}
