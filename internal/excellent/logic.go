package excellent

import (
	"slices"
	"strings"
	"unicode/utf8"
)

// logicFunctions decide between values.
var logicFunctions = map[string]builtin{
	"and":      variadic(1, -1, fnAnd),
	"or":       variadic(1, -1, fnOr),
	"if":       threeArgs(fnIf),
	"default":  twoArgs(fnDefault),
	"is_error": oneArg(fnIsError),
	"count":    oneArg(fnCount),
}

// fnAnd returns whether every value is truthy.
func fnAnd(_ *Env, args []Value) Value {
	for _, a := range args {
		if IsError(a) {
			return a
		}
		if !Truthy(a) {
			return false
		}
	}
	return true
}

// fnOr returns whether any value is truthy.
func fnOr(_ *Env, args []Value) Value {
	for _, a := range args {
		if IsError(a) {
			return a
		}
		if Truthy(a) {
			return true
		}
	}
	return false
}

// fnIf returns yes when the test is truthy, no otherwise.
func fnIf(_ *Env, test, yes, no Value) Value {
	if IsError(test) {
		return test
	}
	if Truthy(test) {
		return yes
	}
	return no
}

// fnDefault returns the value unless it is empty or an error, and def then.
func fnDefault(_ *Env, v, def Value) Value {
	s, err := toText(v)
	if err != nil || s == "" {
		return def
	}
	return v
}

// fnIsError returns whether the value is an error.
func fnIsError(_ *Env, v Value) Value { return IsError(v) }

// fnCount counts the characters of text, the items of an array or the
// properties of an object.
func fnCount(_ *Env, v Value) Value {
	switch t := v.(type) {
	case nil:
		return NumberFromInt(0)
	case string:
		return NumberFromInt(int64(utf8.RuneCountInString(t)))
	case Array:
		return NumberFromInt(int64(len(t)))
	case *Object:
		return NumberFromInt(int64(len(t.props)))
	case Error:
		return t
	}
	return Errorf("value isn't countable")
}

// arrayFunctions work on arrays.
var arrayFunctions = map[string]builtin{
	"join":     twoArgs(fnJoin),
	"contains": twoArgs(fnContains),
	"reverse":  oneArray(fnReverse),
	"concat":   twoArrays(fnConcat),
	"sum":      oneArray(fnSum),
}

// fnJoin joins the items of an array with a separator.
func fnJoin(_ *Env, array, separator Value) Value {
	arr, err := toArray(array)
	if err != nil {
		return *err
	}
	sep, err := toText(separator)
	if err != nil {
		return *err
	}
	parts := make([]string, len(arr))
	for i, v := range arr {
		s, err := toText(v)
		if err != nil {
			return *err
		}
		parts[i] = s
	}
	return strings.Join(parts, sep)
}

// fnContains returns whether an array holds a value.
func fnContains(_ *Env, array, v Value) Value {
	arr, err := toArray(array)
	if err != nil {
		return *err
	}
	if IsError(v) {
		return v
	}
	for _, item := range arr {
		if equalValues(item, v) {
			return true
		}
	}
	return false
}

// fnReverse reverses an array.
func fnReverse(_ *Env, a Array) Value {
	out := slices.Clone(a)
	slices.Reverse(out)
	return out
}

// fnConcat joins two arrays.
func fnConcat(_ *Env, a, b Array) Value { return slices.Concat(a, b) }

// fnSum adds the numbers of an array.
func fnSum(_ *Env, a Array) Value {
	total := NumberFromInt(0)
	for _, item := range a {
		n, err := toNumber(item)
		if err != nil {
			return *err
		}
		total = total.add(n)
	}
	return total
}
