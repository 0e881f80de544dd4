package excellent

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

// caseTests are the tests of switch routers. Each returns a test result:
// an object true or false by default, with what matched as its "match".
var caseTests = map[string]builtin{
	"has_error":          oneArg(hasError),
	"has_only_text":      twoTexts(hasOnlyText),
	"has_phrase":         twoTexts(wordTest(hasPhrase)),
	"has_only_phrase":    twoTexts(wordTest(hasOnlyPhrase)),
	"has_any_word":       twoTexts(wordTest(hasAnyWord)),
	"has_all_words":      twoTexts(wordTest(hasAllWords)),
	"has_beginning":      twoTexts(hasBeginning),
	"has_text":           oneText(hasText),
	"has_value":          oneText(hasText),
	"has_pattern":        twoTexts(hasPattern),
	"has_number":         oneText(hasNumber),
	"has_number_between": textAndTwoNumbers(hasNumberBetween),
	"has_number_lt":      textAndNumber(numberTest(func(c int) bool { return c < 0 })),
	"has_number_lte":     textAndNumber(numberTest(func(c int) bool { return c <= 0 })),
	"has_number_eq":      textAndNumber(numberTest(func(c int) bool { return c == 0 })),
	"has_number_gte":     textAndNumber(numberTest(func(c int) bool { return c >= 0 })),
	"has_number_gt":      textAndNumber(numberTest(func(c int) bool { return c > 0 })),
	"has_date":           oneText(hasDate),
	"has_date_lt":        textAndDateTime(dateTest(func(c int) bool { return c < 0 })),
	"has_date_eq":        textAndDateTime(dateTest(func(c int) bool { return c == 0 })),
	"has_date_gt":        textAndDateTime(dateTest(func(c int) bool { return c > 0 })),
	"has_time":           oneText(hasTime),
	"has_email":          oneText(hasEmail),
	"has_phone":          initialText(0, 1, hasPhone),
	"has_group":          variadic(2, 3, hasGroup),
	"has_category":       variadic(1, -1, hasCategory),
}

// testResult builds a test's result: an object that is true or false by
// default, with the matched value under "match" (and "extra" for patterns).
func testResult(matched bool, match Value, extra *Object) *Object {
	props := map[string]Value{"match": match}
	if !matched {
		props["match"] = ""
	}
	if extra != nil {
		props["extra"] = extra
	}
	return NewObjectWithDefault(matched, props)
}

var falseResult = testResult(false, "", nil)

// hasError tests whether the value is an error; the match is its message.
func hasError(_ *Env, v Value) Value {
	if xe, ok := v.(Error); ok {
		return testResult(true, xe.msg, nil)
	}
	return falseResult
}

// hasOnlyText tests whether two texts are equal, case included.
func hasOnlyText(_ *Env, a, b string) Value {
	if a == b {
		return testResult(true, a, nil)
	}
	return falseResult
}

// hasBeginning tests whether text begins with a text, ignoring case.
func hasBeginning(_ *Env, text, beginning string) Value {
	hay, pin := strings.TrimSpace(text), strings.TrimSpace(beginning)
	if hay == "" || pin == "" || len(hay) < len(pin) {
		return falseResult
	}
	if segment := hay[:len(pin)]; strings.EqualFold(segment, pin) {
		return testResult(true, segment, nil)
	}
	return falseResult
}

// hasText tests whether text has anything but white space.
func hasText(_ *Env, s string) Value {
	if s = strings.TrimSpace(s); s != "" {
		return testResult(true, s, nil)
	}
	return falseResult
}

// hasPattern tests text against a regular expression, ignoring case; the
// groups are the result's extra.
func hasPattern(_ *Env, text, pattern string) Value {
	re, err := regexp.Compile("(?mi)" + strings.TrimSpace(pattern))
	if err != nil {
		return Errorf("must be called with a valid regular expression")
	}
	groups := re.FindStringSubmatch(text)
	if groups == nil {
		return falseResult
	}
	extra := make(map[string]Value, len(groups))
	for i, g := range groups {
		extra[strconv.Itoa(i)] = g
	}
	return testResult(true, groups[0], NewObject(extra))
}

// wordTest makes a test of words: both texts are trimmed and split into
// words.
func wordTest(f func(hays, pins []string) (string, bool)) func(e *Env, text, test string) Value {
	return func(_ *Env, text, test string) Value {
		if m, ok := f(Words(strings.TrimSpace(text)), Words(strings.TrimSpace(test))); ok {
			return testResult(true, m, nil)
		}
		return falseResult
	}
}

// collateEquals compares words as goflow's default collation does.
func collateEquals(a, b string) bool { return strings.ToLower(a) == strings.ToLower(b) }

// hasPhrase tests whether the words appear in order, next to each other.
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

// hasOnlyPhrase tests whether the words are all the text has.
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

// hasAnyWord tests whether any of the words appears.
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

// hasAllWords tests whether every one of the words appears.
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

// hasNumber tests whether text holds a number.
func hasNumber(_ *Env, s string) Value {
	return findNumber(s, func(Number) bool { return true })
}

// hasNumberBetween tests whether text holds a number from lo to hi.
func hasNumberBetween(_ *Env, s string, lo, hi Number) Value {
	return findNumber(s, func(n Number) bool { return n.cmp(lo) >= 0 && n.cmp(hi) <= 0 })
}

// numberTest makes a test comparing the first fitting number of a text
// with a number.
func numberTest(cmp func(int) bool) func(e *Env, s string, test Number) Value {
	return func(_ *Env, s string, test Number) Value {
		return findNumber(s, func(n Number) bool { return cmp(n.cmp(test)) })
	}
}

// findNumber returns a true result for the first number in s that parses and
// passes ok.
func findNumber(s string, ok func(Number) bool) Value {
	for _, candidate := range numberLike.FindAllString(s, -1) {
		cleaned := strings.ReplaceAll(strings.TrimSpace(candidate), ",", "")
		cleaned = altNumerals.Replace(cleaned)
		if !plainDecimal.MatchString(cleaned) {
			continue
		}
		n, parsed := ParseNumber(strings.TrimPrefix(cleaned, "+"))
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
func parseLooseDecimal(s string) (Number, bool) {
	s = strings.TrimPrefix(s, "+")
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	s = strings.TrimSuffix(s, ".")
	if strings.HasPrefix(s, ".") {
		s = "0" + s
	}
	n, ok := ParseNumber(s)
	if ok && neg {
		n = n.neg()
	}
	return n, ok
}

// hasDate tests whether text holds a date.
func hasDate(e *Env, s string) Value { return e.findDate(s, nil, nil) }

// dateTest makes a test comparing the date in a text with a date.
func dateTest(cmp func(int) bool) func(e *Env, s string, test time.Time) Value {
	return func(e *Env, s string, test time.Time) Value { return e.findDate(s, &test, cmp) }
}

// findDate looks for a date in s (filling the time of day from now) and
// compares its date, in the environment's zone, with test's.
func (e *Env) findDate(s string, test *time.Time, cmp func(int) bool) Value {
	t, ok := e.parseDateTime(s, true)
	if !ok {
		return falseResult
	}
	if test != nil && !cmp(DateOf(t.In(e.tz())).compare(DateOf(test.In(e.tz())))) {
		return falseResult
	}
	return testResult(true, t, nil)
}

// hasTime tests whether text holds a time of day.
func hasTime(_ *Env, s string) Value {
	if t, ok := parseTimeOfDay(s); ok {
		return testResult(true, t, nil)
	}
	return falseResult
}

var emailAddress = regexp.MustCompile(`([\pL\pN][-_+$~.\pL\pN]*)@([\pL\pN][-_\pL\pN]*)(\.[\pL\pN][-_\pL\pN]*)+`)

// hasEmail tests whether text holds an email address.
func hasEmail(_ *Env, s string) Value {
	if m := emailAddress.FindString(s); m != "" {
		return testResult(true, m, nil)
	}
	return falseResult
}

var (
	possiblePhone = regexp.MustCompile(`\+?[\d \.\-\(\)]{5,}`)
	onlyPhone     = regexp.MustCompile(`^\+?[\d \.\-\(\)]{5,}$`)
)

// hasPhone tests whether text holds a phone number, read in the country
// given (the environment's by default); the match is in E164 form.
func hasPhone(e *Env, s string, rest []Value) Value {
	country := e.Country
	if len(rest) == 1 {
		c, err := toText(rest[0])
		if err != nil {
			return *err
		}
		country = c
	}
	for _, candidate := range possiblePhone.FindAllString(s, -1) {
		if num := parsePhone(candidate, country); num != "" {
			return testResult(true, num, nil)
		}
	}
	return falseResult
}

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

// hasGroup tests whether a contact's groups hold the group of a UUID:
// has_group(groups, uuid[, name]).
func hasGroup(_ *Env, args []Value) Value {
	groups, err := toArray(args[0])
	if err != nil {
		return *err
	}
	uuid, err := toText(args[1])
	if err != nil {
		return *err
	}
	for _, g := range groups {
		obj, ok := g.(*Object)
		if !ok {
			return Errorf("unable to convert %s to an object", describe(g))
		}
		id, _ := obj.Get("uuid")
		if Render(id) == uuid {
			return testResult(true, obj, nil)
		}
	}
	return falseResult
}

// hasCategory tests whether a result's category is one of the names:
// has_category(result, names...).
func hasCategory(_ *Env, args []Value) Value {
	if IsError(args[0]) {
		return args[0]
	}
	obj, ok := args[0].(*Object)
	if !ok {
		return Errorf("unable to convert %s to an object", describe(args[0]))
	}
	category, hasCategory := obj.Get("category")
	if _, hasName := obj.Get("name"); !hasCategory || !hasName {
		return Errorf("first argument must be a result")
	}
	for _, a := range args[1:] {
		name, err := toText(a)
		if err != nil {
			return *err
		}
		if Render(category) == name {
			return testResult(true, name, nil)
		}
	}
	return falseResult
}
