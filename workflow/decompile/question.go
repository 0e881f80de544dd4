package decompile

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// resultName is what the workflow format accepts as a result name.
var resultName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*$`)

// words splits text the way RapidPro's word tests do: lowercased, on
// anything but letters, digits and marks.
func words(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r)
	})
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// questionOf turns a unit into a workflow question (all but its ask,
// skip logic and what follows the answer).
func (fz *fitter) questionOf(u *unit) *workflow.Question {
	p := fz.p
	node := u.node()
	q := &workflow.Question{Result: u.name}
	if !resultName.MatchString(u.name) || len(u.name) > 64 {
		q.Result = u.key
		if !resultName.MatchString(q.Result) || len(q.Result) > 64 {
			q.Result = "q_" + strings.Trim(u.key, "_")
			p.add(node, "the result %q has no name a workflow accepts; it is saved as %q", u.name, q.Result)
		} else {
			p.warn(node, "the result %q is named %s (a workflow's result names are letters, digits and _); its key, @results.%s, is the same", u.name, q.Result, u.key)
		}
	}
	if u.retry != nil {
		q.Retry = fz.text(*u.retry)
		switch u.retries {
		case -1:
			q.MaxRetries = workflow.UnlimitedRetries
		case 1:
			// One retry is what a retry message alone means.
		default:
			q.MaxRetries = u.retries
		}
	}
	if u.timeout > 0 {
		q.Timeout = time.Duration(u.timeout) * time.Second
		if u.timeoutCat != workflow.CategoryNoResponse {
			p.add(node, "a reply that does not come in time is %q: in a workflow it is %q", u.timeoutCat, workflow.CategoryNoResponse)
		}
	}

	r := u.router
	cases := r.Cases
	catOf := func(c flow.Case) string { return categoryNamed(r, c.CategoryUUID) }
	single := func(tests ...string) bool {
		return len(cases) == 1 && slices.Contains(tests, cases[0].Type)
	}
	expect := func(want string) {
		if got := catOf(cases[0]); got != want {
			p.add(node, "the answer's category is %q: a workflow %s question's is %q", got, q.Type, want)
		}
	}
	switch {
	case len(cases) == 0:
		q.Type = workflow.TypeAny
	case single("has_text", "has_value"):
		q.Type = workflow.TypeText
		expect(workflow.CategoryHasText)
	case single("has_date") && len(cases[0].Arguments) == 0:
		q.Type = workflow.TypeDate
		expect(workflow.CategoryHasDate)
	case single("has_phone") && len(cases[0].Arguments) == 0:
		q.Type = workflow.TypePhone
		expect(workflow.CategoryHasPhone)
	case single("has_number", "has_number_between", "has_number_gte", "has_number_lte"):
		q.Type = workflow.TypeNumber
		args, ok := numberArgs(cases[0].Arguments)
		want := map[string]int{"has_number": 0, "has_number_between": 2, "has_number_gte": 1, "has_number_lte": 1}[cases[0].Type]
		if !ok || len(args) != want {
			p.add(node, "%s with the arguments %q: a workflow's bounds are numbers", cases[0].Type, cases[0].Arguments)
			break
		}
		switch cases[0].Type {
		case "has_number_between":
			q.Min, q.Max = &args[0], &args[1]
		case "has_number_gte":
			q.Min = &args[0]
		case "has_number_lte":
			q.Max = &args[0]
		}
		expect(workflow.CategoryHasNumber)
	default:
		// A yes_no question's translations match words of their own, as
		// no choice's do: it is tried first, and the choices' problems
		// are only reported when it is no yes_no question.
		q.Type = workflow.TypeChoice
		q.Choices = fz.choices(u, &problems{})
		if fz.isYesNo(u, q) {
			q.Type, q.Choices = workflow.TypeYesNo, nil
		} else {
			q.Choices = fz.choices(u, p)
		}
	}
	if want := q.DefaultCategory(); u.defaultCat != want && u.defaultCat != "" {
		if u.retries < 0 && q.Type != workflow.TypeAny {
			// Never taken: the question is asked until a reply fits.
			p.warn(node, "the default category is named %q (a workflow names it %q); it is never taken, as the question is asked again until a reply fits", u.defaultCat, want)
		} else {
			p.add(node, "a reply no test matches is %q: in a workflow it is %q", u.defaultCat, want)
		}
	}
	// Categories no case, default or timeout leads to.
	used := map[string]bool{u.defaultCat: true, u.timeoutCat: true}
	for _, c := range cases {
		used[catOf(c)] = true
	}
	for _, c := range u.cats {
		if !used[c] {
			p.warn(node, "the category %q has no test and is never chosen; the workflow leaves it out", c)
		}
	}
	return q
}

// wordCase is a case that matches words: its words, or one phrase.
type wordCase struct {
	category string
	words    []string // has_any_word
	phrase   string   // has_phrase of several words
}

// wordCases reads a router's cases as word matches, with the arguments
// translated into lang ("" for the flow's language); ok is false when a
// case tests something else.
func wordCases(f *flow.Flow, r *flow.Router, lang string, bad func(c flow.Case)) []wordCase {
	var out []wordCase
	for _, c := range r.Cases {
		args := c.Arguments
		if lang != "" {
			if l, ok := f.Localization.Translation(lang, c.UUID, "arguments"); ok {
				args = l
			}
		}
		wc := wordCase{category: categoryNamed(r, c.CategoryUUID)}
		ws := words(strings.Join(args, " "))
		switch {
		case len(args) != 1 || len(ws) == 0:
			bad(c)
			continue
		case c.Type == "has_any_word":
			wc.words = ws
		case (c.Type == "has_phrase" || c.Type == "has_all_words") && len(ws) == 1:
			wc.words = ws
		case c.Type == "has_phrase":
			wc.phrase = strings.Join(ws, " ")
		default:
			bad(c)
			continue
		}
		out = append(out, wc)
	}
	return out
}

// choices reads a router's word cases as choices: one per category, in
// the order the cases first test them. A workflow matches every
// language's words for every contact, and a translation's own words
// first; where the flow's translated arguments differ from that, the
// difference is a problem.
func (fz *fitter) choices(u *unit, p *problems) []workflow.Choice {
	r, node := u.router, u.node()
	base := wordCases(fz.f, r, "", func(c flow.Case) {
		p.add(node, "%s %q: a workflow's choices match words and phrases (has_any_word, has_phrase)", c.Type, c.Arguments)
	})
	var order []string
	singles := map[string][]string{}
	phrases := map[string][]string{}
	prev := ""
	wordTests := 0 // the cases testing single words in the current run
	var runWords []string
	phrase := "" // the first phrase of the current run
	for _, wc := range base {
		if wc.category != prev && slices.Contains(order, wc.category) {
			p.add(node, "the tests of %q are not next to each other (%q is tested in between): a workflow tests each choice's words together, so a reply with words of both would be read otherwise", wc.category, prev)
		}
		if wc.category != prev {
			wordTests, runWords, phrase = 0, nil, ""
		}
		prev = wc.category
		if len(wc.words) > 0 {
			wordTests++
			runWords = append(runWords, strings.Join(wc.words, " "))
			if wordTests == 2 {
				p.add(node, "the words of %s are tested by several cases (%s): a workflow tests a choice's words with one, so a reply with words of two of them saves all those words as the answer, where the flow saves the first case's", wc.category, quoteList(runWords))
			}
			if phrase != "" {
				p.add(node, "the phrase %q of %s is tested before its words: a workflow tests a choice's words first, so a reply with both saves the words as the answer, where the flow saves the phrase", phrase, wc.category)
			}
		} else if phrase == "" {
			phrase = wc.phrase
		}
		if !slices.Contains(order, wc.category) {
			order = append(order, wc.category)
		}
		for _, w := range wc.words {
			if !slices.Contains(singles[wc.category], w) {
				singles[wc.category] = append(singles[wc.category], w)
			}
		}
		if wc.phrase != "" && !slices.Contains(phrases[wc.category], wc.phrase) {
			phrases[wc.category] = append(phrases[wc.category], wc.phrase)
		}
	}
	// The single words each translation matches, by category.
	local := map[string]map[string][]string{}
	localized := map[string]map[string]bool{} // language → category → has translated words
	for _, lang := range fz.w.Translations {
		translated := false
		localized[lang] = map[string]bool{}
		for _, c := range r.Cases {
			if _, ok := fz.f.Localization.Translation(lang, c.UUID, "arguments"); ok {
				translated = true
				localized[lang][categoryNamed(r, c.CategoryUUID)] = true
				if c.Type == "has_phrase" && len(words(strings.Join(c.Arguments, " "))) > 1 {
					p.add(node, "the %s translation of the phrase %q: a workflow matches phrases in every language", lang, strings.Join(c.Arguments, " "))
				}
			}
		}
		if !translated {
			continue
		}
		local[lang] = map[string][]string{}
		for _, wc := range wordCases(fz.f, r, lang, func(flow.Case) {}) {
			for _, w := range wc.words {
				if !slices.Contains(local[lang][wc.category], w) {
					local[lang][wc.category] = append(local[lang][wc.category], w)
				}
			}
		}
	}
	var out []workflow.Choice
	for _, cat := range order {
		ch := workflow.Choice{Category: workflow.Text{Base: cat}}
		for _, lang := range fz.w.Translations {
			if c := r.Category(categoryUUID(r, cat)); c != nil {
				if names, ok := fz.f.Localization.Translation(lang, c.UUID, "name"); ok && names[0] != "" {
					ch.Category = ch.Category.In(lang, names[0])
				}
			}
		}
		b := singles[cat]
		langs := sortedKeys(local)
		shared := sharedWords(b, langs, func(lang string) []string { return local[lang][cat] })
		var extra []string
		for _, lang := range langs {
			var own []string
			for _, w := range local[lang][cat] {
				if !slices.Contains(shared, w) {
					own = append(own, w)
					if !slices.Contains(b, w) {
						extra = append(extra, w)
					}
				}
			}
			if len(own) > 0 {
				if ch.MatchIn == nil {
					ch.MatchIn = map[string][]string{}
				}
				ch.MatchIn[lang] = own
			}
		}
		for _, w := range b {
			if slices.Contains(shared, w) {
				continue
			}
			in := false
			for _, own := range ch.MatchIn {
				in = in || slices.Contains(own, w)
			}
			if !in {
				p.add(node, "%q chooses %s for %s contacts only: a workflow matches every language's words for every contact", w, cat, fz.w.Language)
			}
		}
		if len(extra) > 0 {
			p.add(node, "%s chooses %s for contacts of that language only: a workflow matches every language's words for every contact", quoteList(extra), cat)
		}
		ch.Match = append(shared, phrases[cat]...)
		// A translation with words but none of its own: the workflow had
		// a phrase (or a shared word) in its list, which compiles to the
		// same tests.
		for _, lang := range slices.Backward(langs) {
			if len(ch.MatchIn[lang]) > 0 || !localized[lang][cat] {
				continue
			}
			if ch.MatchIn == nil {
				ch.MatchIn = map[string][]string{}
			}
			switch n := len(ch.Match); {
			case n > len(shared):
				ch.MatchIn[lang] = []string{ch.Match[n-1]}
				ch.Match = ch.Match[:n-1]
			case len(shared) > 0:
				ch.MatchIn[lang] = []string{shared[0]}
			}
		}
		if len(ch.Match) == 0 {
			ch.Match = nil
		}
		out = append(out, ch)
	}
	return out
}

func quoteList(ws []string) string {
	q := make([]string, len(ws))
	for i, w := range ws {
		q[i] = strconv.Quote(w)
	}
	return strings.Join(q, ", ")
}

func categoryUUID(r *flow.Router, name string) string {
	for _, c := range r.Categories {
		if c.Name == name {
			return c.UUID
		}
	}
	return ""
}

// isYesNo reports whether a choice question's router is what a yes_no
// question compiles to, in every language of the workflow.
func (fz *fitter) isYesNo(u *unit, q *workflow.Question) bool {
	if len(q.Choices) != 2 || q.Choices[0].Category.Base != workflow.CategoryYes || q.Choices[1].Category.Base != workflow.CategoryNo {
		return false
	}
	yn := &workflow.Workflow{
		Name: "yes_no", Key: "yes-no", Language: fz.w.Language, Translations: fz.w.Translations,
		Questions: []workflow.Question{{Result: "q", Ask: workflow.T("?"), Type: workflow.TypeYesNo}},
	}
	e, err := workflow.Compile(yn)
	if err != nil {
		return false
	}
	f := &e.Flows[0]
	var wait *flow.Node
	for i := range f.Nodes {
		if isWait(&f.Nodes[i]) {
			wait = &f.Nodes[i]
		}
	}
	if wait == nil {
		return false
	}
	for _, lang := range append([]string{""}, fz.w.Translations...) {
		want := wordCases(f, wait.Router, lang, func(flow.Case) {})
		got := wordCases(fz.f, u.router, lang, func(flow.Case) {})
		if !sameWordCases(want, got) {
			return false
		}
		if lang == "" {
			continue
		}
		for _, name := range []string{workflow.CategoryYes, workflow.CategoryNo} {
			w, _ := f.Localization.Translation(lang, categoryUUID(wait.Router, name), "name")
			g, _ := fz.f.Localization.Translation(lang, categoryUUID(u.router, name), "name")
			if !slices.Equal(w, g) {
				return false
			}
		}
	}
	return true
}

// sameWordCases reports whether two lists of word cases choose the same
// categories and save the same answers for every reply: the same cases
// in the same order, each matching the same words (in any order: the
// answer saved is the words of the reply) or the same phrase.
func sameWordCases(a, b []wordCase) bool {
	return slices.EqualFunc(a, b, func(x, y wordCase) bool {
		xs, ys := slices.Sorted(slices.Values(x.words)), slices.Sorted(slices.Values(y.words))
		return x.category == y.category && slices.Equal(slices.Compact(xs), slices.Compact(ys)) && x.phrase == y.phrase
	})
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// sharedWords returns the words of a choice every language matches (a
// workflow's match list, or its base language's), given the words the
// base language matches and those each translation does. A workflow
// compiles a translation's words as its own words, then the shared ones,
// and the base words as the shared ones then each translation's: the
// shared words are the longest start of the base words that ends every
// translation's, when that gives the flow's words back, and otherwise
// the base words every translation matches.
func sharedWords(base []string, langs []string, local func(lang string) []string) []string {
	valid := func(shared []string) bool {
		all := slices.Clone(shared)
		for _, lang := range langs {
			l := local(lang)
			for _, w := range shared {
				if !slices.Contains(l, w) {
					return false
				}
			}
			own := 0
			for _, w := range l {
				if !slices.Contains(shared, w) {
					own++
					all = append(all, w)
				}
			}
			if own == 0 && len(l) != len(base) {
				return false // no words of its own: its contacts get the base words
			}
		}
		for _, w := range base {
			if !slices.Contains(all, w) {
				return false
			}
		}
		for _, w := range all {
			if !slices.Contains(base, w) {
				return false
			}
		}
		return true
	}
	n := len(base)
	for _, lang := range langs {
		l := local(lang)
		k := 0
		for j := min(len(l), len(base)); j > 0; j-- {
			if slices.Equal(l[len(l)-j:], base[:j]) {
				k = j
				break
			}
		}
		n = min(n, k)
	}
	if byOrder := base[:n]; valid(byOrder) {
		return slices.Clone(byOrder)
	}
	shared := slices.Clone(base)
	for _, lang := range langs {
		shared = slices.DeleteFunc(shared, func(w string) bool { return !slices.Contains(local(lang), w) })
	}
	return shared
}
