package workflow

import (
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/mhero-go/mhero/internal/yamlpos"
)

// Limits RapidPro puts on names and keys.
const (
	maxNameLength     = 64 // flow and result names
	maxFieldKeyLength = 36 // contact field keys
	maxKeywordLength  = 16 // trigger keywords
)

var (
	resultNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)
	workflowKeyRegexp = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	fieldKeyPattern   = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	// reservedFieldKeys are contact attributes RapidPro refuses as field keys.
	reservedFieldKeys = []string{
		"id", "uuid", "name", "first_name", "language", "created_on", "created_by", "modified_on",
		"modified_by", "last_seen_on", "org", "is", "has", "groups", "group", "channel", "flow",
		"urn", "urns", "tel", "phone", "email", "mailto", "facebook", "telegram", "twitter",
		"whatsapp", "viber", "line", "status", "tickets", "contact", "fields",
	}
)

// Validate checks w and returns every problem found, errors and warnings,
// in file order (for a parsed workflow) or field order (for a built one).
// A workflow with no error compiles.
func (w *Workflow) Validate() Diagnostics {
	v := &validator{w: w, src: w.src}
	if w.src != nil && w.src.ext != nil {
		v.diags = append(v.diags, w.src.ext.Diagnostics()...)
	}
	v.workflow()
	v.diags.Sort()
	return v.diags
}

type validator struct {
	w     *Workflow
	src   *source
	diags Diagnostics
}

func (v *validator) report(sev Severity, pos Pos, field, format string, args ...any) {
	if v.src.isBad(field) {
		return // already reported as malformed while parsing
	}
	v.diags = append(v.diags, Diagnostic{Pos: pos, Field: v.src.fieldName(field), Message: fmt.Sprintf(format, args...), Severity: sev})
}

func (v *validator) errorf(field, format string, args ...any) {
	v.report(SeverityError, v.src.pos(field), field, format, args...)
}

func (v *validator) warnf(field, format string, args ...any) {
	v.report(SeverityWarning, v.src.pos(field), field, format, args...)
}

func (v *validator) workflow() {
	w := v.w
	switch {
	case strings.TrimSpace(w.Name) == "":
		v.errorf("workflow", "missing the workflow's name")
	case utf8.RuneCountInString(w.Name) > maxNameLength:
		v.errorf("workflow", "name is longer than %d characters", maxNameLength)
	}
	switch {
	case w.Key == "":
		v.errorf("key", "missing the workflow key (a stable id such as malaria-stock)")
	case len(w.Key) > maxNameLength || !workflowKeyRegexp.MatchString(w.Key):
		v.errorf("key", "key %q must be at most %d letters, digits, '-', '_' or '.'", w.Key, maxNameLength)
	}
	switch {
	case w.Language == "":
		v.errorf("language", "missing the base language (an ISO 639-3 code such as eng)")
	case !isLanguage(w.Language):
		v.errorf("language", "%s", languageMessage(w.Language))
	}
	for i, lang := range w.Translations {
		field := fmt.Sprintf("translations[%d]", i)
		switch {
		case !isLanguage(lang):
			v.errorf(field, "%s", languageMessage(lang))
		case lang == w.Language:
			v.errorf(field, "%q is the base language, not a translation", lang)
		case slices.Index(w.Translations, lang) < i:
			v.errorf(field, "duplicate translation %q", lang)
		}
	}
	if w.Keyword != "" {
		v.keyword()
	}
	if w.ExpireAfter < 0 || w.ExpireAfter%time.Minute != 0 || (w.ExpireAfter > 0 && w.ExpireAfter < 5*time.Minute) {
		v.errorf("expire_after", "expire_after must be whole minutes, at least 5m")
	} else if w.ExpireAfter > 30*24*time.Hour {
		v.warnf("expire_after", "RapidPro keeps runs waiting at most 30 days; %s is longer", w.ExpireAfter)
	}
	v.text("intro", w.Intro, false)
	if len(w.Questions) == 0 {
		v.errorf("questions", "a workflow needs at least one question")
	}
	for i := range w.Questions {
		v.question(i)
	}
	v.text("closing", w.Closing, false)
	v.fieldTypes()
	v.templates()
}

func languageMessage(code string) string {
	msg := fmt.Sprintf("unknown language code %q: use an ISO 639-3 code such as eng, fra, swa", code)
	if len(code) == 2 {
		msg = fmt.Sprintf("%q is a two-letter code: RapidPro needs ISO 639-3 (three letters, such as eng, fra, swa)", code)
	}
	return msg
}

func (v *validator) keyword() {
	kw := v.w.Keyword
	ok := utf8.RuneCountInString(kw) <= maxKeywordLength
	for _, r := range kw {
		ok = ok && (unicode.IsLetter(r) || unicode.IsDigit(r))
	}
	if !ok {
		v.errorf("keyword", "keyword %q must be one word of at most %d letters or digits", kw, maxKeywordLength)
	}
}

// text checks a message: it must be present when required, translated into
// every language once translated at all, and fit one SMS.
func (v *validator) text(field string, t Text, required bool) {
	if t.IsZero() {
		if required {
			v.errorf(field, "missing")
		}
		return
	}
	if strings.TrimSpace(t.Base) == "" {
		v.errorf(field, "missing the %s text", v.w.Language)
	}
	v.smsLength(field, t.Base)
	if !isLanguage(v.w.Language) {
		return // the languages of a text mean nothing without a base language
	}
	for _, lang := range sortedKeys(t.Translations) {
		lf := yamlpos.Join(field, lang)
		switch {
		case !slices.Contains(v.w.Translations, lang):
			v.report(SeverityError, v.src.keyPos(lf), lf, "language %q is not listed in translations", lang)
		case strings.TrimSpace(t.Translations[lang]) == "":
			v.errorf(lf, "empty %s translation", lang)
		default:
			v.smsLength(lf, t.Translations[lang])
		}
	}
	if len(t.Translations) > 0 {
		for _, lang := range v.w.Translations {
			if _, ok := t.Translations[lang]; !ok {
				v.errorf(yamlpos.Join(field, lang), "missing the %s translation", lang)
			}
		}
	}
}

func (v *validator) smsLength(field, s string) {
	if parts, ucs2 := SMSParts(s); parts > 1 {
		limit, enc := gsmSingle, "GSM-7"
		if ucs2 {
			limit, enc = ucs2Single, "UCS-2"
		}
		v.warnf(field, "%d characters will be sent as %d SMS (one %s SMS holds %d)", utf8.RuneCountInString(s), parts, enc, limit)
	}
}

func (v *validator) question(i int) {
	q := &v.w.Questions[i]
	path := fmt.Sprintf("questions[%d]", i)
	f := func(name string) string { return path + "." + name }

	switch {
	case q.Result == "":
		v.errorf(f("result"), "missing the result name")
	case len(q.Result) > maxNameLength || !resultNamePattern.MatchString(q.Result):
		v.errorf(f("result"), "result %q must be a letter then letters, digits or _ (at most %d)", q.Result, maxNameLength)
	default:
		for j := range i {
			if strings.EqualFold(v.w.Questions[j].Result, q.Result) {
				v.errorf(f("result"), "duplicate result %q (first in questions[%d])", q.Result, j)
				break
			}
		}
	}
	v.text(f("ask"), q.Ask, true)

	switch {
	case q.Type == "":
		v.errorf(f("type"), "missing the question type (text, number, yes_no, choice, date, phone or any)")
	case !slices.Contains(questionTypes, q.Type):
		names := make([]string, len(questionTypes))
		for i, t := range questionTypes {
			names[i] = string(t)
		}
		msg := fmt.Sprintf("unknown type %q (use text, number, yes_no, choice, date, phone or any)", q.Type)
		if s := yamlpos.Closest(string(q.Type), names); s != "" {
			msg = fmt.Sprintf("unknown type %q (did you mean %q?)", q.Type, s)
		}
		v.errorf(f("type"), "%s", msg)
	}

	v.text(f("retry"), q.Retry, false)
	switch {
	case q.Type == TypeAny && !q.Retry.IsZero():
		v.errorf(f("retry"), "an any question takes every reply: there is nothing to retry")
	case q.Type == TypeAny && q.MaxRetries != 0:
		v.errorf(f("max_retries"), "an any question takes every reply: there is nothing to retry")
	case q.MaxRetries < 0 && q.MaxRetries != UnlimitedRetries:
		v.errorf(f("max_retries"), "max_retries cannot be negative (write unlimited to retry until the reply fits)")
	case q.MaxRetries != 0 && q.Retry.IsZero():
		v.errorf(f("max_retries"), "max_retries needs a retry message")
	case q.MaxRetries > 10:
		v.warnf(f("max_retries"), "%d retries is a lot of SMS for one question", q.MaxRetries)
	}
	if q.Timeout < 0 || q.Timeout%time.Second != 0 {
		v.errorf(f("timeout"), "timeout must be a positive whole number of seconds")
	} else if q.Timeout > 0 && v.w.ExpireAfter > 0 && q.Timeout >= v.w.ExpireAfter {
		v.warnf(f("timeout"), "the run expires (expire_after %s) before this timeout", v.w.ExpireAfter)
	}

	if q.Type != TypeNumber && q.Type != "" {
		if q.Min != nil {
			v.errorf(f("min"), "min only applies to number questions")
		}
		if q.Max != nil {
			v.errorf(f("max"), "max only applies to number questions")
		}
	}
	for _, b := range []struct {
		name  string
		value *float64
	}{{"min", q.Min}, {"max", q.Max}} {
		if b.value != nil && (math.IsNaN(*b.value) || math.IsInf(*b.value, 0)) {
			v.errorf(f(b.name), "%s must be a finite number", b.name)
		}
	}
	if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
		v.errorf(f("min"), "min %s is greater than max %s", formatNumber(*q.Min), formatNumber(*q.Max))
	}

	if q.Type == TypeChoice {
		v.choices(path, q)
	} else if q.Choices != nil && q.Type != "" {
		v.errorf(f("choices"), "choices only apply to choice questions")
	}
	if q.When != "" {
		v.when(i, f("when"))
	}
	if q.SaveToField != "" {
		switch k := q.SaveToField; {
		case len(k) > maxFieldKeyLength || !fieldKeyPattern.MatchString(k):
			v.errorf(f("save_to_field"), "field key %q must be a lowercase letter then lowercase letters, digits or _ (at most %d)", k, maxFieldKeyLength)
		case slices.Contains(reservedFieldKeys, k):
			v.errorf(f("save_to_field"), "%q is reserved by RapidPro and cannot be a field key", k)
		}
	}
	v.responses(path, q)
	v.groups(path, q)
}

// groups checks the groups a question adds contacts to: known categories
// and names RapidPro accepts.
func (v *validator) groups(path string, q *Question) {
	cats := q.Categories()
	for i, g := range q.Groups {
		gf := fmt.Sprintf("%s.add_to_group[%d]", path, i)
		if _, ok := findCategory(cats, g.Category); !ok && q.Type != "" {
			v.errorf(gf, "%s", unknownCategory(q, g.Category, cats))
		} else if never := neverCategory(q, g.Category); never != "" {
			v.warnf(gf, "%s: no contact is added", never)
		}
		switch name := g.Group; {
		case strings.TrimSpace(name) == "":
			v.errorf(gf+".group", "missing the group name")
		case utf8.RuneCountInString(name) > maxNameLength:
			v.errorf(gf+".group", "group names are at most %d characters", maxNameLength)
		case name != strings.TrimSpace(name) || strings.ContainsAny(name, "\"\\") || strings.HasPrefix(name, "+") || strings.HasPrefix(name, "-"):
			v.errorf(gf+".group", "group name %q cannot start with + or -, contain \" or \\, or have spaces around it", name)
		}
	}
}

func (v *validator) choices(path string, q *Question) {
	field := path + ".choices"
	if len(q.Choices) == 0 {
		v.errorf(field, "a choice question needs at least one choice")
		return
	}
	type use struct {
		choice int
		field  string
	}
	seen := map[string]use{} // normalised match entry → where it first appears
	for i, c := range q.Choices {
		cf := fmt.Sprintf("%s[%d]", field, i)
		catField := cf + ".category"
		switch key := categoryKey(c.Category.Base); {
		case strings.TrimSpace(c.Category.Base) == "" && len(c.Category.Translations) == 0:
			v.errorf(catField, "missing the category name")
		case key == categoryKey(CategoryNoResponse):
			v.errorf(catField, "%q is the category of a question that times out; name the choice otherwise", c.Category.Base)
		case key == categoryKey(CategoryNoMatch) && q.hasOtherChoice():
			v.errorf(catField, "%q is the category of a reply that fits no choice when a choice is named %s; name this choice otherwise", c.Category.Base, CategoryOther)
		case utf8.RuneCountInString(c.Category.Base) > 36:
			v.errorf(catField, "category names are at most 36 characters")
		default:
			for j := range i {
				if categoryKey(q.Choices[j].Category.Base) == key {
					v.errorf(catField, "duplicate category %q (first in choices[%d])", c.Category.Base, j)
					break
				}
			}
		}
		v.categoryTranslations(catField, c.Category)
		v.translatedCategory(catField, q, i)
		v.text(cf+".closing", c.Closing, false)

		if len(c.Match) == 0 && len(c.MatchIn) == 0 {
			v.errorf(cf+".match", "no match words: list the words or phrases that choose %q", c.Category.Base)
		}
		check := func(mf, entry string) {
			norm := strings.Join(words(entry), " ")
			switch first, dup := seen[norm]; {
			case norm == "":
				v.errorf(mf, "empty match entry (matching ignores punctuation)")
			case dup && first.choice != i:
				v.errorf(mf, "%q already matches %s", entry, first.field)
			case !dup:
				seen[norm] = use{i, mf}
			}
		}
		for j, m := range c.Match {
			check(fmt.Sprintf("%s.match[%d]", cf, j), m)
		}
		for _, lang := range sortedKeys(c.MatchIn) {
			lf := fmt.Sprintf("%s.match.%s", cf, lang)
			if lang != v.w.Language && !slices.Contains(v.w.Translations, lang) {
				v.report(SeverityError, v.src.keyPos(lf), lf, "language %q is not the base language or a translation", lang)
			}
			for j, m := range c.MatchIn[lang] {
				check(fmt.Sprintf("%s[%d]", lf, j), m)
			}
		}
	}
}

// categoryTranslations checks a category's display names: known languages
// only, and all of them once any is given.
// translatedCategory checks choice i's category in each translation: in
// every language, as in the base one, a router has no two categories of
// one name, since RapidPro shows (and reports) each under its translated
// name. A category without a translation shows its base name; two of
// those, or two categories of one base name, are the base language's
// checks' to report.
func (v *validator) translatedCategory(field string, q *Question, i int) {
	name := func(t Text, lang string) (string, bool) {
		if s, ok := t.Translations[lang]; ok {
			return s, true
		}
		return t.Base, false
	}
	c := q.Choices[i]
	for _, lang := range v.w.Translations {
		mine, own := name(c.Category, lang)
		lf := field
		if own {
			lf = yamlpos.Join(field, lang)
		}
		switch key := categoryKey(mine); {
		case key == "" || !own && len(c.Category.Translations) > 0:
			continue // categoryTranslations reports a missing one
		case own && key == categoryKey(CategoryNoResponse):
			v.errorf(lf, "%q is the category of a question that times out; name the choice otherwise", mine)
			continue
		case own && key == categoryKey(CategoryNoMatch) && q.hasOtherChoice():
			v.errorf(lf, "%q is the category of a reply that fits no choice when a choice is named %s; name this choice otherwise", mine, CategoryOther)
			continue
		}
		for j := range i {
			theirs, theirOwn := name(q.Choices[j].Category, lang)
			if categoryKey(q.Choices[j].Category.Base) == categoryKey(c.Category.Base) {
				continue // one mistake, reported in the base language
			}
			if (own || theirOwn) && categoryKey(theirs) == categoryKey(mine) {
				v.errorf(lf, "duplicate %s category %q (first in choices[%d])", lang, mine, j)
				break
			}
		}
	}
}

func (v *validator) categoryTranslations(field string, t Text) {
	for _, lang := range sortedKeys(t.Translations) {
		if !slices.Contains(v.w.Translations, lang) {
			lf := yamlpos.Join(field, lang)
			v.report(SeverityError, v.src.keyPos(lf), lf, "language %q is not listed in translations", lang)
		}
	}
	if len(t.Translations) > 0 {
		if t.Base == "" {
			v.errorf(field, "missing the %s name", v.w.Language)
		}
		for _, lang := range v.w.Translations {
			if _, ok := t.Translations[lang]; !ok {
				v.errorf(yamlpos.Join(field, lang), "missing the %s translation", lang)
			}
		}
	}
}

func (v *validator) responses(path string, q *Question) {
	cats := q.Categories()
	for i, r := range q.Responses {
		rf := fmt.Sprintf("%s.responses[%d]", path, i)
		if _, ok := findCategory(cats, r.Category); !ok && q.Type != "" {
			v.errorf(rf, "%s", unknownCategory(q, r.Category, cats))
		} else if never := neverCategory(q, r.Category); never != "" {
			v.warnf(rf, "%s: this response is never sent", never)
		}
		for j := range i {
			if categoryKey(q.Responses[j].Category) == categoryKey(r.Category) {
				v.errorf(rf, "a second response for %q", r.Category)
				break
			}
		}
		v.text(rf+".text", r.Text, true)
	}
}

// neverCategory says why an answer to q is never in category (the default
// category of a question retried without limit), or returns "".
func neverCategory(q *Question, category string) string {
	if q.MaxRetries != UnlimitedRetries || q.Type == TypeAny || categoryKey(category) != categoryKey(q.DefaultCategory()) {
		return ""
	}
	return fmt.Sprintf("%s retries without limit, so its answer is never %s", q.Result, q.DefaultCategory())
}

func unknownCategory(q *Question, name string, cats []string) string {
	msg := fmt.Sprintf("%s has no category %q (its categories: %s)", q.Result, name, strings.Join(cats, ", "))
	if q.Type == TypeNumber {
		msg += "; compare numbers with <, <=, >, >="
	}
	return msg
}

// findCategory returns the category of cats that name refers to.
func findCategory(cats []string, name string) (string, bool) {
	key := categoryKey(name)
	for _, c := range cats {
		if categoryKey(c) == key {
			return c, true
		}
	}
	return "", false
}

// when checks the skip logic of question i: its syntax, and that it only
// refers to earlier results, their categories, and numbers of number
// questions.
func (v *validator) when(i int, field string) {
	c, err := parseWhen(v.w.Questions[i].When)
	var werr *whenError
	if errors.As(err, &werr) {
		v.report(SeverityError, v.src.posAt(field, werr.offset), field, "%s", werr.msg)
		return
	}
	if cut, name, ok := v.cutCategory(i, leaves(c)); ok {
		val := cut.values[len(cut.values)-1]
		v.report(SeverityError, v.src.posAt(field, val.col), field,
			"%q is a category of %s, but and/or end a value: quote it (%s %s %q) or list it (%s in [%s])",
			name, cut.result, cut.result, cut.op, name, cut.result, name)
		return
	}
	for _, cmp := range leaves(c) {
		target := v.earlier(i, cmp, field)
		if target == nil || !slices.Contains(questionTypes, target.Type) {
			continue
		}
		cats := target.Categories()
		numeric := slices.Contains([]string{"<", "<=", ">", ">="}, cmp.op)
		for _, val := range cmp.values {
			pos := v.src.posAt(field, val.col)
			if _, isCat := findCategory(cats, val.text); isCat && !numeric {
				if never := neverCategory(target, val.text); never != "" {
					v.report(SeverityWarning, pos, field, "%s", never)
				}
				continue
			}
			switch {
			case val.number && target.Type == TypeNumber:
				continue
			case numeric && target.Type != TypeNumber:
				v.report(SeverityError, pos, field, "%s compares numbers, but %s is a %s question", cmp.op, target.Result, target.Type)
			case numeric:
				v.report(SeverityError, pos, field, "%s needs a number, not %q", cmp.op, val.text)
			default:
				v.report(SeverityError, pos, field, "%s", unknownCategory(target, val.text, cats))
			}
		}
	}
}

// cutCategory finds a comparison whose category name was cut in two by
// the word and or or: in "reason == Cough and fever == x", the category
// "Cough and fever" of reason. It returns the comparison and the name.
func (v *validator) cutCategory(i int, cmps []cmpCond) (cmpCond, string, bool) {
	when := []rune(v.w.Questions[i].When)
	for k := 0; k+1 < len(cmps); k++ {
		c, next := cmps[k], cmps[k+1]
		val := c.values[len(c.values)-1]
		if val.quoted || (c.op != "==" && c.op != "!=") || next.resultCol < val.end {
			continue
		}
		var target *Question
		for j := range v.w.Questions[:i] {
			if strings.EqualFold(v.w.Questions[j].Result, c.result) {
				target = &v.w.Questions[j]
			}
		}
		if target == nil {
			continue
		}
		name := string(when[val.col : next.resultCol+len([]rune(next.result))])
		if cat, ok := findCategory(target.Categories(), name); ok {
			if _, whole := findCategory(target.Categories(), val.text); !whole {
				return c, cat, true
			}
		}
	}
	return cmpCond{}, "", false
}

// earlier returns the question a comparison refers to, reporting a result
// that is unknown, the question's own or asked later.
func (v *validator) earlier(i int, c cmpCond, field string) *Question {
	pos := v.src.posAt(field, c.resultCol)
	for j := range v.w.Questions {
		if !strings.EqualFold(v.w.Questions[j].Result, c.result) {
			continue
		}
		switch {
		case j == i:
			v.report(SeverityError, pos, field, "%q is this question's own result; when can only use earlier results", c.result)
		case j > i:
			v.report(SeverityError, pos, field, "%q is asked later (questions[%d]); when can only use earlier results", c.result, j)
		default:
			return &v.w.Questions[j]
		}
		return nil
	}
	names := make([]string, 0, i)
	for _, q := range v.w.Questions[:i] {
		names = append(names, q.Result)
	}
	msg := fmt.Sprintf("unknown result %q", c.result)
	if s := yamlpos.Closest(c.result, names); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	v.report(SeverityError, pos, field, "%s", msg)
	return nil
}

// fieldTypes warns when two questions save answers of different kinds into
// the same contact field.
func (v *validator) fieldTypes() {
	first := map[string]int{}
	for i, q := range v.w.Questions {
		if q.SaveToField == "" || q.Type == "" {
			continue
		}
		j, ok := first[q.SaveToField]
		if !ok {
			first[q.SaveToField] = i
			continue
		}
		if a, b := fieldType(v.w.Questions[j].Type), fieldType(q.Type); a != b {
			v.warnf(fmt.Sprintf("questions[%d].save_to_field", i), "field %q also saves a %s answer (questions[%d]); it is declared as %s", q.SaveToField, v.w.Questions[j].Type, j, a)
		}
	}
}

// words splits a reply or match entry the way RapidPro's word tests do:
// lowercased, on anything that is not a letter or digit.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r)
	})
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// fieldType is the RapidPro field type that holds answers of type t.
func fieldType(t QuestionType) string {
	switch t {
	case TypeNumber:
		return "number"
	case TypeDate:
		return "datetime"
	}
	return "text"
}
