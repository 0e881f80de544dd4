package sim

import (
	"fmt"
	"html"
	"math/big"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// env is what an expression is evaluated against: the run's context and
// the environment's settings.
type env struct {
	ctx        *object
	now        time.Time
	tz         *time.Location
	dateFormat string // "YYYY-MM-DD", "DD-MM-YYYY" or "MM-DD-YYYY"
	timeFormat string
	country    string
	functions  map[string]*function
	// unsupported names the first feature met that the simulator can't
	// evaluate faithfully (a function it lacks, @webhook, ...).
	unsupported string
}

// topLevels are the names an identifier may start with, as in goflow's run
// context.
var topLevelNames = []string{"child", "contact", "fields", "globals", "input", "legacy_extra", "node", "parent", "resume", "results", "run", "ticket", "trigger", "urns", "webhook"}

func (e *env) topLevels() []string { return topLevelNames }

// unsupportedValue stands in the context for something the simulator does
// not model; touching it marks the evaluation unsupported.
type unsupportedValue struct{ what string }

// resolved checks a value found in the context for unsupported stand-ins.
func (e *env) resolved(name string, v value) value {
	if u, ok := v.(unsupportedValue); ok {
		if e.unsupported == "" {
			e.unsupported = u.what
		}
		return errorf("%s is not supported by the simulator", u.what)
	}
	return v
}

func (e *env) function(name string) *function {
	return e.functions[strings.ToLower(name)]
}

// unsupportedFunctions are goflow functions the simulator lacks: calling one
// is reported instead of silently printing nothing.
var unsupportedFunctions = []string{
	"rand", "rand_between", "parse_datetime", "datetime_from_epoch",
	"replace_time", "tz", "tz_offset", "parse_time", "time_from_parts", "sort", "unique", "filter",
	"urn_parts", "attachment_parts", "json", "parse_json", "format", "format_time", "format_location",
	"legacy_add", "read_chars", "extract", "extract_object", "foreach", "foreach_value",
	"keys", "object", "time", "has_intent", "has_top_intent", "has_state",
	"has_district", "has_ward",
}

// newFunctions returns the built-in functions and case tests by name.
func newFunctions() map[string]*function {
	fs := map[string]func(e *env, args []value) value{
		// conversion
		"text":    oneArg(func(e *env, v value) value { return textOrError(v) }),
		"boolean": oneArg(func(e *env, v value) value { return errorOr(v, func() value { return truthy(v) }) }),
		"number": oneArg(func(e *env, v value) value {
			n, err := toNumber(v)
			if err != nil {
				return *err
			}
			return n
		}),
		"date":     oneArg(func(e *env, v value) value { return e.toDate(v) }),
		"datetime": oneArg(func(e *env, v value) value { return e.toDateTime(v, false) }),
		"array":    func(e *env, args []value) value { return array(slices.Clone(args)) },

		// text
		"upper":       oneText(func(e *env, s string) value { return strings.ToUpper(s) }),
		"lower":       oneText(func(e *env, s string) value { return strings.ToLower(s) }),
		"title":       oneText(func(e *env, s string) value { return titleCase(strings.ToLower(s)) }),
		"clean":       oneText(func(e *env, s string) value { return nonPrintable.ReplaceAllString(s, "") }),
		"text_length": oneText(func(e *env, s string) value { return numberFromInt(int64(utf8.RuneCountInString(s))) }),
		"format_urn": oneText(func(e *env, s string) value {
			if _, _, _, ok := splitURN(s); !ok {
				return errorf("%s is not a valid URN", s)
			}
			return formatURN(s)
		}),
		"url_encode":        oneText(func(e *env, s string) value { return strings.ReplaceAll(url.QueryEscape(s), "+", "%20") }),
		"remove_first_word": oneText(func(e *env, s string) value { return removeFirstWord(s) }),
		"trim":              textAndOptionalText(func(s, chars string) value { return trimWith(s, chars, strings.Trim, strings.TrimSpace) }),
		"trim_left": textAndOptionalText(func(s, chars string) value {
			return trimWith(s, chars, strings.TrimLeft, func(s string) string { return strings.TrimLeftFunc(s, unicode.IsSpace) })
		}),
		"trim_right": textAndOptionalText(func(s, chars string) value {
			return trimWith(s, chars, strings.TrimRight, func(s string) string { return strings.TrimRightFunc(s, unicode.IsSpace) })
		}),
		"word_count": textAndOptionalText(func(s, delims string) value { return numberFromInt(int64(len(extractWords(s, delims)))) }),
		"word":       wordFunc,
		"word_slice": wordSliceFunc,
		"field":      fieldFunc,
		"text_slice": textSliceFunc,
		"text_compare": twoText(func(a, b string) value {
			return numberFromInt(int64(strings.Compare(a, b)))
		}),
		"repeat":  repeatFunc,
		"replace": replaceFunc,
		"char": oneNumber(func(n number) value {
			code, err := toInteger(n)
			if err != nil {
				return *err
			}
			return string(rune(code))
		}),
		"code": oneText(func(e *env, s string) value {
			if s == "" {
				return errorf("requires a string of at least one character")
			}
			r, _ := utf8.DecodeRuneInString(s)
			return numberFromInt(int64(r))
		}),
		"split": textAndOptionalText(func(s, delims string) value {
			out := array{}
			for _, w := range extractWords(s, delims) {
				out = append(out, w)
			}
			return out
		}),
		"regex_match": argRange(2, 3, func(e *env, args []value) value {
			s, err := toText(args[0])
			if err != nil {
				return *err
			}
			pattern, err := toText(args[1])
			if err != nil {
				return *err
			}
			group := 0
			if len(args) == 3 {
				if group, err = toInteger(args[2]); err != nil {
					return *err
				}
			}
			re, rerr := regexp.Compile("(?mi)" + pattern)
			if rerr != nil {
				return errorf("invalid regular expression")
			}
			groups := re.FindStringSubmatch(s)
			if group < 0 || group >= len(groups) {
				return errorf("invalid regular expression group")
			}
			return groups[group]
		}),
		"html_decode": oneText(func(e *env, s string) value {
			return strings.ReplaceAll(html.UnescapeString(s), "\u00a0", " ")
		}),
		"percent": oneNumber(func(n number) value {
			return n.mul(numberFromInt(100)).round(0).truncate().String() + "%"
		}),

		// logic
		"and": minArgs(1, func(e *env, args []value) value {
			for _, a := range args {
				if err, ok := a.(xerror); ok {
					return err
				}
				if !truthy(a) {
					return false
				}
			}
			return true
		}),
		"or": minArgs(1, func(e *env, args []value) value {
			for _, a := range args {
				if err, ok := a.(xerror); ok {
					return err
				}
				if truthy(a) {
					return true
				}
			}
			return false
		}),
		"if": exactArgs(3, func(e *env, args []value) value {
			if err, ok := args[0].(xerror); ok {
				return err
			}
			if truthy(args[0]) {
				return args[1]
			}
			return args[2]
		}),
		"default": exactArgs(2, func(e *env, args []value) value {
			s, err := toText(args[0])
			if err != nil || s == "" {
				return args[1]
			}
			return args[0]
		}),
		"is_error": oneArg(func(e *env, v value) value { _, isErr := v.(xerror); return isErr }),
		"count": oneArg(func(e *env, v value) value {
			switch t := v.(type) {
			case nil:
				return numberFromInt(0)
			case string:
				return numberFromInt(int64(utf8.RuneCountInString(t)))
			case array:
				return numberFromInt(int64(len(t)))
			case *object:
				return numberFromInt(int64(len(t.props)))
			case xerror:
				return t
			}
			return errorf("value isn't countable")
		}),

		// numbers
		"round":      roundFunc(func(n number, places int) number { return n.round(places) }),
		"round_up":   roundFunc(func(n number, places int) number { return roundAway(n, places, true) }),
		"round_down": roundFunc(func(n number, places int) number { return roundAway(n, places, false) }),
		"abs": oneNumber(func(n number) value {
			if n.rat().Sign() < 0 {
				return n.neg()
			}
			return n
		}),
		"max":  minArgs(1, extremum(1)),
		"min":  minArgs(1, extremum(-1)),
		"mean": minArgs(1, meanFunc),
		"mod": exactArgs(2, func(e *env, args []value) value {
			a, err := toNumber(args[0])
			if err != nil {
				return *err
			}
			b, err := toNumber(args[1])
			if err != nil {
				return *err
			}
			if b.isZero() {
				return errorf("division by zero")
			}
			// the quotient is truncated, so the remainder takes the sign of
			// the dividend, as in decimal.Mod
			q := number{new(big.Rat).SetInt(number{new(big.Rat).Quo(a.rat(), b.rat())}.truncate())}
			return a.sub(b.mul(q))
		}),

		// arrays
		"join": exactArgs(2, func(e *env, args []value) value {
			arr, err := toArray(args[0])
			if err != nil {
				return *err
			}
			sep, err := toText(args[1])
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
		}),
		"contains": exactArgs(2, func(e *env, args []value) value {
			arr, err := toArray(args[0])
			if err != nil {
				return *err
			}
			if xe, ok := args[1].(xerror); ok {
				return xe
			}
			for _, v := range arr {
				if equalValues(v, args[1]) {
					return true
				}
			}
			return false
		}),
		"reverse": oneArg(func(e *env, v value) value {
			arr, err := toArray(v)
			if err != nil {
				return *err
			}
			out := slices.Clone(arr)
			slices.Reverse(out)
			return out
		}),
		"concat": exactArgs(2, func(e *env, args []value) value {
			a, err := toArray(args[0])
			if err != nil {
				return *err
			}
			b, err := toArray(args[1])
			if err != nil {
				return *err
			}
			return slices.Concat(a, b)
		}),
		"sum": oneArg(func(e *env, v value) value {
			arr, err := toArray(v)
			if err != nil {
				return *err
			}
			total := numberFromInt(0)
			for _, item := range arr {
				n, err := toNumber(item)
				if err != nil {
					return *err
				}
				total = total.add(n)
			}
			return total
		}),

		// dates
		"now":   exactArgs(0, func(e *env, _ []value) value { return e.now.In(e.tz) }),
		"today": exactArgs(0, func(e *env, _ []value) value { return dateOf(e.now.In(e.tz)) }),
		"weekday": oneArg(func(e *env, v value) value {
			d := e.toDate(v)
			if dd, ok := d.(date); ok {
				return numberFromInt(int64(dd.time(time.UTC).Weekday()))
			}
			return d
		}),
		"datetime_add":  exactArgs(3, datetimeAddFunc),
		"datetime_diff": exactArgs(3, datetimeDiffFunc),
		"date_from_parts": exactArgs(3, func(e *env, args []value) value {
			var parts [3]int
			for i := range parts {
				n, err := toInteger(args[i])
				if err != nil {
					return *err
				}
				parts[i] = n
			}
			if parts[1] < 1 || parts[1] > 12 {
				return errorf("invalid value for month, must be 1-12")
			}
			// an impossible day rolls over, as goflow's dates do
			return dateOf(time.Date(parts[0], time.Month(parts[1]), parts[2], 0, 0, 0, 0, time.UTC))
		}),
		"week_number": oneArg(func(e *env, v value) value {
			d, ok := e.toDate(v).(date)
			if !ok {
				return e.toDate(v)
			}
			t := d.time(time.UTC)
			return numberFromInt(int64((t.YearDay()-1-int(t.Weekday())+7)/7 + 1))
		}),
		"epoch": oneArg(func(e *env, v value) value {
			dt := e.toDateTime(v, false)
			t, ok := dt.(time.Time)
			if !ok {
				return dt
			}
			return number{new(big.Rat).SetInt64(t.UnixNano())}.div(numberFromInt(1e9))
		}),
		"format_date":     argRange(1, 2, formatDateFunc),
		"format_datetime": argRange(1, 3, formatDateTimeFunc),
		"format_number":   argRange(1, 3, formatNumberFunc),
	}
	for name, test := range caseTests() {
		fs[name] = test
	}
	out := make(map[string]*function, len(fs)+len(unsupportedFunctions))
	for name, f := range fs {
		out[name] = &function{name: name, fn: f}
	}
	for _, name := range unsupportedFunctions {
		out[name] = &function{name: name, fn: func(e *env, _ []value) value {
			if e.unsupported == "" {
				e.unsupported = "the function " + name + "()"
			}
			return errorf("%s is not supported by the simulator", name)
		}}
	}
	return out
}

// ---- argument wrappers ----

type callFunc = func(e *env, args []value) value

func exactArgs(n int, f callFunc) callFunc {
	return func(e *env, args []value) value {
		if len(args) != n {
			return errorf("need %d argument(s), got %d", n, len(args))
		}
		return f(e, args)
	}
}

func minArgs(n int, f callFunc) callFunc {
	return func(e *env, args []value) value {
		if len(args) < n {
			return errorf("need at least %d argument(s), got %d", n, len(args))
		}
		return f(e, args)
	}
}

func argRange(lo, hi int, f callFunc) callFunc {
	return func(e *env, args []value) value {
		if len(args) < lo || len(args) > hi {
			if lo == hi {
				return errorf("need %d argument(s), got %d", lo, len(args))
			}
			return errorf("need %d to %d argument(s), got %d", lo, hi, len(args))
		}
		return f(e, args)
	}
}

func oneArg(f func(e *env, v value) value) callFunc {
	return exactArgs(1, func(e *env, args []value) value { return f(e, args[0]) })
}

func oneText(f func(e *env, s string) value) callFunc {
	return exactArgs(1, func(e *env, args []value) value {
		s, err := toText(args[0])
		if err != nil {
			return *err
		}
		return f(e, s)
	})
}

func twoText(f func(a, b string) value) callFunc {
	return exactArgs(2, func(e *env, args []value) value {
		a, err := toText(args[0])
		if err != nil {
			return *err
		}
		b, err := toText(args[1])
		if err != nil {
			return *err
		}
		return f(a, b)
	})
}

func textAndOptionalText(f func(a, b string) value) callFunc {
	return argRange(1, 2, func(e *env, args []value) value {
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
		return f(a, b)
	})
}

func oneNumber(f func(n number) value) callFunc {
	return exactArgs(1, func(e *env, args []value) value {
		n, err := toNumber(args[0])
		if err != nil {
			return *err
		}
		return f(n)
	})
}

func textOrError(v value) value {
	s, err := toText(v)
	if err != nil {
		return *err
	}
	return s
}

func errorOr(v value, f func() value) value {
	if err, ok := v.(xerror); ok {
		return err
	}
	return f()
}

// ---- text helpers ----

// wordTokens matches words as goflow tokenises them: runs of letters, marks,
// digits, "_" and "'", and each symbol on its own.
var wordTokens = regexp.MustCompile(`[\pM\pL\pN_']+|\pS`)

func tokenize(s string) []string { return wordTokens.FindAllString(s, -1) }

func extractWords(s, delimiters string) []string {
	if delimiters == "" {
		return tokenize(s)
	}
	return strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(delimiters, r) })
}

var nonPrintable = regexp.MustCompile(`[\p{Cc}\p{C}]`)

// titleCase upper-cases the first letter of each word, where words are
// separated as in the standard library's (deprecated) strings.Title.
func titleCase(s string) string {
	prev := ' '
	return strings.Map(func(r rune) rune {
		sep := isTitleSeparator(prev)
		prev = r
		if sep {
			return unicode.ToTitle(r)
		}
		return r
	}, s)
}

func isTitleSeparator(r rune) bool {
	if r <= 0x7F {
		switch {
		case '0' <= r && r <= '9', 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', r == '_':
			return false
		}
		return true
	}
	if unicode.IsLetter(r) || unicode.IsDigit(r) {
		return false
	}
	return unicode.IsSpace(r)
}

func removeFirstWord(s string) string {
	words := extractWords(s, "")
	if len(words) < 2 {
		return ""
	}
	s = s[strings.Index(s, words[0])+len(words[0]):]
	return s[strings.Index(s, words[1]):]
}

func trimWith(s, chars string, withChars func(string, string) string, spaces func(string) string) value {
	if chars != "" {
		return withChars(s, chars)
	}
	return spaces(s)
}

func wordFunc(e *env, args []value) value {
	if len(args) < 2 || len(args) > 3 {
		return errorf("need 2 to 3 argument(s), got %d", len(args))
	}
	s, err := toText(args[0])
	if err != nil {
		return *err
	}
	index, err := toInteger(args[1])
	if err != nil {
		return *err
	}
	delims := ""
	if len(args) == 3 && args[2] != nil {
		if delims, err = toText(args[2]); err != nil {
			return *err
		}
	}
	words := extractWords(s, delims)
	offset := index
	if offset < 0 {
		offset += len(words)
	}
	if offset < 0 || offset >= len(words) {
		return errorf("index %d is out of range for the number of words %d", index, len(words))
	}
	return words[offset]
}

func wordSliceFunc(e *env, args []value) value {
	if len(args) < 2 || len(args) > 4 {
		return errorf("need 2 to 4 argument(s), got %d", len(args))
	}
	s, err := toText(args[0])
	if err != nil {
		return *err
	}
	start, err := toInteger(args[1])
	if err != nil {
		return *err
	}
	if start < 0 {
		return errorf("must start with a positive index")
	}
	end := -1
	if len(args) >= 3 {
		if end, err = toInteger(args[2]); err != nil {
			return *err
		}
	}
	if end > 0 && end <= start {
		return errorf("must have a end which is greater than the start")
	}
	delims := ""
	if len(args) == 4 && args[3] != nil {
		if delims, err = toText(args[3]); err != nil {
			return *err
		}
	}
	words := extractWords(s, delims)
	if start >= len(words) {
		return ""
	}
	if end >= len(words) {
		end = len(words)
	}
	if end > 0 {
		return strings.Join(words[start:end], " ")
	}
	return strings.Join(words[start:], " ")
}

func fieldFunc(e *env, args []value) value {
	if len(args) != 3 {
		return errorf("need 3 argument(s), got %d", len(args))
	}
	s, err := toText(args[0])
	if err != nil {
		return *err
	}
	index, err := toInteger(args[1])
	if err != nil {
		return *err
	}
	if index < 0 {
		return errorf("cannot use a negative index")
	}
	sep, err := toText(args[2])
	if err != nil {
		return *err
	}
	fields := strings.Split(s, sep)
	if sep == " " {
		fields = slices.DeleteFunc(fields, func(f string) bool { return f == "" })
	}
	if index >= len(fields) {
		return ""
	}
	return strings.TrimSpace(fields[index])
}

func textSliceFunc(e *env, args []value) value {
	if len(args) < 2 || len(args) > 3 {
		return errorf("need 2 to 3 argument(s), got %d", len(args))
	}
	s, err := toText(args[0])
	if err != nil {
		return *err
	}
	length := utf8.RuneCountInString(s)
	start, err := toInteger(args[1])
	if err != nil {
		return *err
	}
	if start < 0 {
		start += length
	}
	end := length
	if len(args) == 3 {
		if end, err = toInteger(args[2]); err != nil {
			return *err
		}
	}
	if end < 0 {
		end += length
	}
	var b strings.Builder
	i := 0
	for _, r := range s {
		if i >= start && i < end {
			b.WriteRune(r)
		}
		i++
	}
	return b.String()
}

func repeatFunc(e *env, args []value) value {
	if len(args) != 2 {
		return errorf("need 2 argument(s), got %d", len(args))
	}
	s, err := toText(args[0])
	if err != nil {
		return *err
	}
	n, err := toInteger(args[1])
	if err != nil {
		return *err
	}
	if n < 0 {
		return errorf("must be called with a positive integer, got %d", n)
	}
	if len(s)*n > 10000 {
		return errorf("result would be too long")
	}
	return strings.Repeat(s, n)
}

func replaceFunc(e *env, args []value) value {
	if len(args) < 3 || len(args) > 4 {
		return errorf("need 3 to 4 argument(s), got %d", len(args))
	}
	var texts [3]string
	for i := range texts {
		s, err := toText(args[i])
		if err != nil {
			return *err
		}
		texts[i] = s
	}
	count := -1
	if len(args) == 4 {
		c, err := toInteger(args[3])
		if err != nil {
			return *err
		}
		count = c
	}
	return strings.Replace(texts[0], texts[1], texts[2], count)
}

// ---- number helpers ----

func roundFunc(f func(n number, places int) number) callFunc {
	return argRange(1, 2, func(e *env, args []value) value {
		n, err := toNumber(args[0])
		if err != nil {
			return *err
		}
		places := 0
		if len(args) == 2 {
			if places, err = toInteger(args[1]); err != nil {
				return *err
			}
		}
		return f(n, places)
	})
}

// roundAway rounds up (or down) unless the number is already round at
// places, as goflow's round_up and round_down do.
func roundAway(n number, places int, up bool) number {
	places = min(max(places, -1000), 1000)
	if n.round(places).cmp(n) == 0 {
		return n
	}
	half := number{new(big.Rat).SetFrac(big.NewInt(5), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(places+1)), nil))}
	if places+1 < 0 {
		half = number{new(big.Rat).SetInt(new(big.Int).Mul(big.NewInt(5), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-places-1)), nil)))}
	}
	if up {
		return n.add(half).round(places)
	}
	return n.sub(half).round(places)
}

func extremum(sign int) callFunc {
	return func(e *env, args []value) value {
		best, err := toNumber(args[0])
		if err != nil {
			return *err
		}
		for _, a := range args[1:] {
			n, err := toNumber(a)
			if err != nil {
				return *err
			}
			if n.cmp(best)*sign > 0 {
				best = n
			}
		}
		return best
	}
}

func meanFunc(e *env, args []value) value {
	total := numberFromInt(0)
	for _, a := range args {
		n, err := toNumber(a)
		if err != nil {
			return *err
		}
		total = total.add(n)
	}
	return total.div(numberFromInt(int64(len(args))))
}

func formatNumberFunc(e *env, args []value) value {
	n, err := toNumber(args[0])
	if err != nil {
		return *err
	}
	places := -1
	if len(args) >= 2 {
		if places, err = toInteger(args[1]); err != nil {
			return *err
		}
		if places < 0 || places > 9 {
			return errorf("must take 0-9 number of places, got %d", places)
		}
	}
	group := true
	if len(args) == 3 {
		if xe, ok := args[2].(xerror); ok {
			return xe
		}
		group = truthy(args[2])
	}
	s := n.String()
	if places >= 0 {
		s = n.round(places).rat().FloatString(places)
	}
	intPart, frac, _ := strings.Cut(s, ".")
	neg := strings.HasPrefix(intPart, "-")
	intPart = strings.TrimPrefix(intPart, "-")
	if group {
		var b strings.Builder
		for i, r := range intPart {
			if i > 0 && (len(intPart)-i)%3 == 0 {
				b.WriteByte(',')
			}
			b.WriteRune(r)
		}
		intPart = b.String()
	}
	if neg {
		intPart = "-" + intPart
	}
	if frac != "" {
		return intPart + "." + frac
	}
	return intPart
}

// ---- date helpers ----

// toDate converts a value to a date as goflow's ToXDate does.
func (e *env) toDate(v value) value {
	switch t := v.(type) {
	case xerror:
		return t
	case date:
		return t
	case time.Time:
		return dateOf(t.In(e.tz))
	case string:
		if d, _, ok := e.parseDate(t); ok {
			return d
		}
	case *object:
		if t.hasDefault {
			return e.toDate(t.def)
		}
	}
	return errorf("unable to convert %s to a date", describe(v))
}

// toDateTime converts a value to a datetime as goflow's ToXDateTime does;
// fillTime takes the time of day from now when the text has none.
func (e *env) toDateTime(v value, fillTime bool) value {
	switch t := v.(type) {
	case xerror:
		return t
	case time.Time:
		return t
	case date:
		return t.time(e.tz)
	case string:
		if dt, ok := e.parseDateTime(t, fillTime); ok {
			return dt
		}
	case *object:
		if t.hasDefault {
			return e.toDateTime(t.def, fillTime)
		}
	}
	return errorf("unable to convert %s to a datetime", describe(v))
}

var (
	dateDMY     = regexp.MustCompile(`\b([0-9]{1,2})[-.\\/_ ]([0-9]{1,2})[-.\\/_ ]([0-9]{4}|[0-9]{2})\b`)
	dateYMD     = regexp.MustCompile(`\b([0-9]{4}|[0-9]{2})[-.\\/_ ]([0-9]{1,2})[-.\\/_ ]([0-9]{1,2})\b`)
	timePattern = regexp.MustCompile(`\b(\d{1,2})(?:(?:\:)?(\d{2})(?:\:(\d{2})(?:\.(\d+))?)?)?\W*([aApP][mM])?\b`)
)

// parseDateTime reads a datetime from text as goflow's DateTimeFromString does.
func (e *env) parseDateTime(s string, fillTime bool) (time.Time, bool) {
	s = strings.Trim(s, " \n\r\t")
	for _, layout := range []string{"2006-01-02T15:04:05Z07:00", "2006-01-02T15:04Z07:00"} {
		if t, err := time.ParseInLocation(layout, s, e.tz); err == nil {
			return t, true
		}
	}
	d, rest, ok := e.parseDate(s)
	if !ok {
		return time.Time{}, false
	}
	tod, hasTime := parseTimeOfDay(rest)
	if !hasTime && fillTime {
		now := e.now.In(e.tz)
		tod = timeOfDay{now.Hour(), now.Minute(), now.Second(), now.Nanosecond()}
	}
	return time.Date(d.year, time.Month(d.month), d.day, tod.hour, tod.minute, tod.second, tod.nanos, e.tz), true
}

// parseDate finds a date in text in the environment's date order, and
// returns the text after it.
func (e *env) parseDate(s string) (date, string, bool) {
	s = strings.Trim(s, " \n\r\t")
	if len(s) >= 10 {
		if t, err := time.ParseInLocation("2006-01-02", s[:10], e.tz); err == nil {
			return dateOf(t), s[10:], true
		}
	}
	pattern, d, m, y := dateYMD, 3, 2, 1
	switch e.dateFormat {
	case "DD-MM-YYYY":
		pattern, d, m, y = dateDMY, 1, 2, 3
	case "MM-DD-YYYY":
		pattern, d, m, y = dateDMY, 2, 1, 3
	}
	currentYear := e.now.Year()
	for _, match := range pattern.FindAllStringSubmatchIndex(s, -1) {
		group := func(i int) string { return s[match[2*i]:match[2*i+1]] }
		day, month := atoi(group(d)), atoi(group(m))
		if day == 0 || day > 31 || month == 0 || month > 12 {
			continue
		}
		year := atoi(group(y))
		if len(group(y)) == 2 {
			if year > currentYear%1000 {
				year += 1900
			} else {
				year += 2000
			}
		}
		// normalise impossible days (31 April) the way time.Date does
		t := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		return dateOf(t), s[match[1]:], true
	}
	return date{}, s, false
}

func parseTimeOfDay(s string) (timeOfDay, bool) {
	for _, m := range timePattern.FindAllStringSubmatch(s, -1) {
		hour, minute, second := atoi(m[1]), atoi(m[2]), atoi(m[3])
		ampm := strings.ToLower(m[5])
		if hour < 12 && ampm == "pm" {
			hour += 12
		} else if hour == 12 && ampm == "am" {
			hour -= 12
		}
		nanos := 0
		if f := m[4]; f != "" {
			if len(f) > 9 {
				f = f[:9]
			}
			nanos = atoi(f)
			for range 9 - len(f) {
				nanos *= 10
			}
		}
		if hour == 24 && minute == 0 && second == 0 && nanos == 0 {
			hour = 0
		}
		if hour > 24 || minute > 60 || second > 60 {
			continue
		}
		return timeOfDay{hour, minute, second, nanos}, true
	}
	return timeOfDay{}, false
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' || n > 1e8 {
			break
		}
		n = n*10 + int(r-'0')
	}
	return n
}

// datetimeAddFunc adds a whole number of units (s, m, h, D, W, M, Y) to a
// datetime.
func datetimeAddFunc(e *env, args []value) value {
	dt := e.toDateTime(args[0], false)
	t, ok := dt.(time.Time)
	if !ok {
		return dt
	}
	n, err := toInteger(args[1])
	if err != nil {
		return *err
	}
	unit, err := toText(args[2])
	if err != nil {
		return *err
	}
	switch unit {
	case "s":
		return t.Add(time.Duration(n) * time.Second)
	case "m":
		return t.Add(time.Duration(n) * time.Minute)
	case "h":
		return t.Add(time.Duration(n) * time.Hour)
	case "D":
		return t.AddDate(0, 0, n)
	case "W":
		return t.AddDate(0, 0, n*7)
	case "M":
		return t.AddDate(0, n, 0)
	case "Y":
		return t.AddDate(n, 0, 0)
	}
	return errorf("unknown unit: %s, must be one of s, m, h, D, W, M, Y", unit)
}

// datetimeDiffFunc counts whole units (s, m, h, D, W, M, Y) from the first
// datetime to the second; days, months and years by calendar.
func datetimeDiffFunc(e *env, args []value) value {
	var ts [2]time.Time
	for i := range ts {
		dt := e.toDateTime(args[i], false)
		t, ok := dt.(time.Time)
		if !ok {
			return dt
		}
		ts[i] = t
	}
	unit, err := toText(args[2])
	if err != nil {
		return *err
	}
	t1, t2 := ts[0], ts[1]
	days := func() int {
		d1 := time.Date(t2.Year(), t2.Month(), t2.Day(), 0, 0, 0, 0, time.UTC)
		d2 := time.Date(t1.Year(), t1.Month(), t1.Day(), 0, 0, 0, 0, time.UTC)
		return int(d1.Sub(d2) / (24 * time.Hour))
	}
	d := t2.Sub(t1)
	switch unit {
	case "s":
		return numberFromInt(int64(d / time.Second))
	case "m":
		return numberFromInt(int64(d / time.Minute))
	case "h":
		return numberFromInt(int64(d / time.Hour))
	case "D":
		return numberFromInt(int64(days()))
	case "W":
		return numberFromInt(int64(days() / 7))
	case "M":
		return numberFromInt(int64(int(t2.Month()-t1.Month()) + (t2.Year()-t1.Year())*12))
	case "Y":
		return numberFromInt(int64(t2.Year() - t1.Year()))
	}
	return errorf("unknown unit: %s, must be one of s, m, h, D, W, M, Y", unit)
}

func formatDateFunc(e *env, args []value) value {
	d := e.toDate(args[0])
	dd, ok := d.(date)
	if !ok {
		return d
	}
	layout := e.dateFormat
	if len(args) == 2 {
		s, err := toText(args[1])
		if err != nil {
			return *err
		}
		layout = s
	}
	out, err := formatLayout(dd.time(time.UTC), layout, false)
	if err != nil {
		return xerror{err.Error()}
	}
	return out
}

func formatDateTimeFunc(e *env, args []value) value {
	dt := e.toDateTime(args[0], false)
	t, ok := dt.(time.Time)
	if !ok {
		return dt
	}
	layout := e.dateFormat + " " + e.timeFormat
	if len(args) >= 2 {
		s, err := toText(args[1])
		if err != nil {
			return *err
		}
		layout = s
	}
	loc := e.tz
	if len(args) == 3 {
		name, err := toText(args[2])
		if err != nil {
			return *err
		}
		l, lerr := time.LoadLocation(name)
		if lerr != nil {
			return errorf("unknown time zone %s", name)
		}
		loc = l
	}
	out, err := formatLayout(t.In(loc), layout, true)
	if err != nil {
		return xerror{err.Error()}
	}
	return out
}

// layoutSequences maps goflow's layout sequences to Go layouts.
var layoutSequences = map[string]struct {
	goLayout string
	timeOnly bool
}{
	"YY": {"06", false}, "YYYY": {"2006", false}, "M": {"1", false}, "MM": {"01", false},
	"MMM": {"Jan", false}, "MMMM": {"January", false}, "D": {"2", false}, "DD": {"02", false},
	"EEE": {"Mon", false}, "EEEE": {"Monday", false},
	"fffffffff": {"000000000", true}, "ffffff": {"000000", true}, "fff": {"000", true},
	"h": {"3", true}, "hh": {"03", true}, "t": {"15", true}, "tt": {"15", true},
	"m": {"4", true}, "mm": {"04", true}, "s": {"5", true}, "ss": {"05", true},
	"aa": {"pm", true}, "AA": {"PM", true}, "Z": {"Z07:00", true}, "ZZZ": {"-07:00", true},
}

const layoutIgnored = " :/.,T-_"

// formatLayout formats t with a goflow layout such as "DD-MM-YYYY tt:mm"
// (English names only).
func formatLayout(t time.Time, layout string, withTime bool) (string, error) {
	rs := []rune(layout)
	var b strings.Builder
	for i := 0; i < len(rs); {
		r := rs[i]
		ignored := strings.ContainsRune(layoutIgnored, r)
		n := 1
		for i+n < len(rs) && ((ignored && strings.ContainsRune(layoutIgnored, rs[i+n])) || (!ignored && rs[i+n] == r)) {
			n++
		}
		seq := string(rs[i : i+n])
		i += n
		if ignored {
			b.WriteString(seq)
			continue
		}
		ls, ok := layoutSequences[seq]
		if !ok || (ls.timeOnly && !withTime) {
			kind := "date"
			if withTime {
				kind = "datetime"
			}
			return "", fmt.Errorf("'%s' is not valid in a %s formatting layout", seq, kind)
		}
		switch ls.goLayout {
		case "15":
			out := t.Format("15")
			if seq == "t" {
				out = strings.TrimLeft(out, "0")
			}
			b.WriteString(out)
		case "000000000", "000000", "000":
			b.WriteString(t.Format("." + ls.goLayout)[1:])
		default:
			b.WriteString(t.Format(ls.goLayout))
		}
	}
	return b.String(), nil
}
