package sim

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"
)

// This file holds the case tests of switch routers (has_any_word,
// has_number_between, ...), reimplemented to match goflow's semantics:
// goflow/flows/routers/cases/tests.go at v0.197.7.

// testResult builds a test's result: an object that is true or false by
// default, with the matched value under "match" (and "extra" for patterns).
func testResult(matched bool, match value, extra *object) *object {
	props := map[string]value{"match": match}
	if !matched {
		props["match"] = ""
	}
	if extra != nil {
		props["extra"] = extra
	}
	return newObjectWithDefault(matched, props)
}

var falseResult = testResult(false, "", nil)

func caseTests() map[string]callFunc {
	return map[string]callFunc{
		"has_error": oneArg(func(e *env, v value) value {
			if xe, ok := v.(xerror); ok {
				return testResult(true, xe.msg, nil)
			}
			return falseResult
		}),
		"has_only_text": twoText(func(a, b string) value {
			if a == b {
				return testResult(true, a, nil)
			}
			return falseResult
		}),
		"has_phrase":      tokenTest(hasPhrase),
		"has_only_phrase": tokenTest(hasOnlyPhrase),
		"has_any_word":    tokenTest(hasAnyWord),
		"has_all_words":   tokenTest(hasAllWords),
		"has_beginning": twoText(func(text, beginning string) value {
			hay, pin := strings.TrimSpace(text), strings.TrimSpace(beginning)
			if hay == "" || pin == "" || len(hay) < len(pin) {
				return falseResult
			}
			if segment := hay[:len(pin)]; strings.EqualFold(segment, pin) {
				return testResult(true, segment, nil)
			}
			return falseResult
		}),
		"has_text":  oneText(hasText),
		"has_value": oneText(hasText),
		"has_pattern": twoText(func(text, pattern string) value {
			re, err := regexp.Compile("(?mi)" + strings.TrimSpace(pattern))
			if err != nil {
				return errorf("must be called with a valid regular expression")
			}
			groups := re.FindStringSubmatch(text)
			if groups == nil {
				return falseResult
			}
			extra := make(map[string]value, len(groups))
			for i, g := range groups {
				extra[strconv.Itoa(i)] = g
			}
			return testResult(true, groups[0], newObject(extra))
		}),
		"has_number": oneText(func(e *env, s string) value {
			return findNumber(s, func(number) bool { return true })
		}),
		"has_number_between": exactArgs(3, func(e *env, args []value) value {
			s, err := toText(args[0])
			if err != nil {
				return *err
			}
			lo, err := toNumber(args[1])
			if err != nil {
				return *err
			}
			hi, err := toNumber(args[2])
			if err != nil {
				return *err
			}
			return findNumber(s, func(n number) bool { return n.cmp(lo) >= 0 && n.cmp(hi) <= 0 })
		}),
		"has_number_lt":  numberTest(func(c int) bool { return c < 0 }),
		"has_number_lte": numberTest(func(c int) bool { return c <= 0 }),
		"has_number_eq":  numberTest(func(c int) bool { return c == 0 }),
		"has_number_gte": numberTest(func(c int) bool { return c >= 0 }),
		"has_number_gt":  numberTest(func(c int) bool { return c > 0 }),
		"has_date": oneText(func(e *env, s string) value {
			return e.findDate(s, nil, nil)
		}),
		"has_date_lt": dateTest(func(c int) bool { return c < 0 }),
		"has_date_eq": dateTest(func(c int) bool { return c == 0 }),
		"has_date_gt": dateTest(func(c int) bool { return c > 0 }),
		"has_time": oneText(func(e *env, s string) value {
			if t, ok := parseTimeOfDay(s); ok {
				return testResult(true, t, nil)
			}
			return falseResult
		}),
		"has_email": oneText(func(e *env, s string) value {
			if m := emailAddress.FindString(s); m != "" {
				return testResult(true, m, nil)
			}
			return falseResult
		}),
		"has_phone": argRange(1, 2, func(e *env, args []value) value {
			s, err := toText(args[0])
			if err != nil {
				return *err
			}
			country := e.country
			if len(args) == 2 {
				if country, err = toText(args[1]); err != nil {
					return *err
				}
			}
			for _, candidate := range possiblePhone.FindAllString(s, -1) {
				if num := parsePhone(candidate, country); num != "" {
					return testResult(true, num, nil)
				}
			}
			return falseResult
		}),
		"has_group": argRange(2, 3, func(e *env, args []value) value {
			groups, err := toArray(args[0])
			if err != nil {
				return *err
			}
			uuid, err := toText(args[1])
			if err != nil {
				return *err
			}
			for _, g := range groups {
				obj, ok := g.(*object)
				if !ok {
					return errorf("unable to convert %s to an object", describe(g))
				}
				id, _ := obj.get("uuid")
				if render(id) == uuid {
					return testResult(true, obj, nil)
				}
			}
			return falseResult
		}),
		"has_category": minArgs(1, func(e *env, args []value) value {
			obj, ok := args[0].(*object)
			if xe, isErr := args[0].(xerror); isErr {
				return xe
			}
			if !ok {
				return errorf("unable to convert %s to an object", describe(args[0]))
			}
			category, hasCategory := obj.get("category")
			if _, hasName := obj.get("name"); !hasCategory || !hasName {
				return errorf("first argument must be a result")
			}
			for _, a := range args[1:] {
				name, err := toText(a)
				if err != nil {
					return *err
				}
				if render(category) == name {
					return testResult(true, name, nil)
				}
			}
			return falseResult
		}),
	}
}

func hasText(e *env, s string) value {
	if s = strings.TrimSpace(s); s != "" {
		return testResult(true, s, nil)
	}
	return falseResult
}

// tokenTest wraps a word test: both texts are trimmed and split into words.
func tokenTest(f func(hays, pins []string) (string, bool)) callFunc {
	return twoText(func(text, test string) value {
		if m, ok := f(tokenize(strings.TrimSpace(text)), tokenize(strings.TrimSpace(test))); ok {
			return testResult(true, m, nil)
		}
		return falseResult
	})
}

// collateEquals compares words as goflow's default collation does.
func collateEquals(a, b string) bool { return strings.ToLower(a) == strings.ToLower(b) }

func hasPhrase(hays, pins []string) (string, bool) {
	if len(pins) == 0 {
		return "", true
	}
	matches := make([]string, len(pins))
	i := 0
	for _, hay := range hays {
		if collateEquals(hay, pins[i]) {
			matches[i] = hay
			i++
			if i == len(pins) {
				break
			}
		} else {
			i = 0
		}
	}
	if i == len(pins) {
		return strings.Join(matches, " "), true
	}
	return "", false
}

func hasOnlyPhrase(hays, pins []string) (string, bool) {
	if len(hays) != len(pins) {
		return "", false
	}
	for i := range hays {
		if !collateEquals(hays[i], pins[i]) {
			return "", false
		}
	}
	return strings.Join(hays, " "), true
}

func hasAnyWord(hays, pins []string) (string, bool) {
	var matches []string
	for _, hay := range hays {
		for _, pin := range pins {
			if collateEquals(hay, pin) {
				matches = append(matches, hay)
				break
			}
		}
	}
	return strings.Join(matches, " "), len(matches) > 0
}

func hasAllWords(hays, pins []string) (string, bool) {
	var matches []string
	found := make([]bool, len(pins))
	for _, hay := range hays {
		matched := false
		for j, pin := range pins {
			if collateEquals(hay, pin) {
				matched, found[j] = true, true
			}
		}
		if matched {
			matches = append(matches, hay)
		}
	}
	for _, f := range found {
		if !f {
			return "", false
		}
	}
	return strings.Join(matches, " "), true
}

// numberLike finds number-like runs, as goflow's has_number does with the
// default number format ("," groups digits, "." is the decimal point).
var numberLike = regexp.MustCompile(`[-+]?([\pN\,]+(\.[\pN]+)?|(\W|^)\.[\pN]+)`)

// altNumerals maps Arabic-Indic, Eastern Arabic-Indic and Bengali digits to ASCII.
var altNumerals = strings.NewReplacer(
	"٠", "0", "١", "1", "٢", "2", "٣", "3", "٤", "4", "٥", "5", "٦", "6", "٧", "7", "٨", "8", "٩", "9",
	"۰", "0", "۱", "1", "۲", "2", "۳", "3", "۴", "4", "۵", "5", "۶", "6", "۷", "7", "۸", "8", "۹", "9",
	"০", "0", "১", "1", "২", "2", "৩", "3", "৪", "4", "৫", "5", "৬", "6", "৭", "7", "৮", "8", "৯", "9",
)

// plainDecimal is what a cleaned number-like run must look like to parse.
var plainDecimal = regexp.MustCompile(`^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)

// findNumber returns a true result for the first number in s that parses and
// passes ok.
func findNumber(s string, ok func(number) bool) value {
	for _, candidate := range numberLike.FindAllString(s, -1) {
		cleaned := strings.ReplaceAll(strings.TrimSpace(candidate), ",", "")
		cleaned = altNumerals.Replace(cleaned)
		if !plainDecimal.MatchString(cleaned) {
			continue
		}
		n, parsed := parseNumber(strings.TrimPrefix(cleaned, "+"))
		if !parsed {
			r, good := parseLooseDecimal(cleaned)
			if !good {
				continue
			}
			n = r
		}
		if ok(n) {
			return testResult(true, n, nil)
		}
	}
	return falseResult
}

// parseLooseDecimal parses forms like "5." or "+.5" that decimal accepts
// but goflow's text-to-number conversion doesn't.
func parseLooseDecimal(s string) (number, bool) {
	s = strings.TrimPrefix(s, "+")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	s = strings.TrimSuffix(s, ".")
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	n, ok := parseNumber(s)
	if ok && neg {
		n = n.neg()
	}
	return n, ok
}

func numberTest(cmp func(int) bool) callFunc {
	return exactArgs(2, func(e *env, args []value) value {
		s, err := toText(args[0])
		if err != nil {
			return *err
		}
		test, err := toNumber(args[1])
		if err != nil {
			return *err
		}
		return findNumber(s, func(n number) bool { return cmp(n.cmp(test)) })
	})
}

func dateTest(cmp func(int) bool) callFunc {
	return exactArgs(2, func(e *env, args []value) value {
		s, err := toText(args[0])
		if err != nil {
			return *err
		}
		test := e.toDateTime(args[1], false)
		t, ok := test.(time.Time)
		if !ok {
			return test
		}
		return e.findDate(s, &t, cmp)
	})
}

// findDate looks for a date in s (filling the time of day from now) and
// compares its date, in the environment's zone, with test's.
func (e *env) findDate(s string, test *time.Time, cmp func(int) bool) value {
	t, ok := e.parseDateTime(s, true)
	if !ok {
		return falseResult
	}
	if test != nil && !cmp(dateOf(t.In(e.tz)).compare(dateOf(test.In(e.tz)))) {
		return falseResult
	}
	return testResult(true, t, nil)
}

var emailAddress = regexp.MustCompile(`([\pL\pN][-_+$~.\pL\pN]*)@([\pL\pN][-_\pL\pN]*)(\.[\pL\pN][-_\pL\pN]*)+`)

var (
	possiblePhone = regexp.MustCompile(`\+?[\d \.\-\(\)]{5,}`)
	onlyPhone     = regexp.MustCompile(`^\+?[\d \.\-\(\)]{5,}$`)
)

// parsePhone returns s in E164 form when it is a possible phone number for
// country (an ISO 3166 code, or "" for numbers with a + prefix).
func parsePhone(s, country string) string {
	s = strings.TrimSpace(s)
	if !onlyPhone.MatchString(s) {
		return ""
	}
	parsed, err := phonenumbers.Parse(s, strings.ToUpper(country))
	if err != nil {
		return ""
	}
	if phonenumbers.IsPossibleNumberWithReason(parsed) != phonenumbers.IS_POSSIBLE {
		return ""
	}
	return phonenumbers.Format(parsed, phonenumbers.E164)
}
