package xlsform

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mhero-go/mhero/workflow"
)

// maxCategory is the longest category name RapidPro shows.
const maxCategory = 36

// choiceList is a list of the choices sheet.
type choiceList struct {
	name    string
	choices []choice
}

// choice is a row of the choices sheet.
type choice struct {
	name  string
	label workflow.Text
	row   row
	// path, when the row has no cells of its own (the Other of
	// or_other), places it at the question's type cell.
	at *workflow.Pos
}

// readChoices reads the choices sheet into lists.
func (c *converter) readChoices() {
	c.lists = map[string]*choiceList{}
	s := c.wb.choices
	if s == nil {
		return
	}
	listCol, hasList := c.choiceCols.one("list_name")
	nameCol, hasName := c.choiceCols.one("name")
	if !hasList || !hasName {
		missing := "list_name"
		if hasList {
			missing = "name"
		}
		c.errorf(c.wb.pos(s, s.headerRow, -1), missing, "the choices sheet has no %s column", missing)
		return
	}
	firstRow := map[string]map[string]int{}
	for _, r := range s.rows {
		if r.blank() {
			continue
		}
		c.unsupportedCells(s, c.choiceCols, r)
		list, name := r.get(listCol.idx), r.get(nameCol.idx)
		switch {
		case list == "":
			c.errorf(c.wb.pos(s, r.num, listCol.idx), listCol.header, "missing the list_name this choice belongs to")
			continue
		case name == "":
			c.errorf(c.wb.pos(s, r.num, nameCol.idx), nameCol.header, "missing the choice's name (the value saved when it is chosen)")
			continue
		}
		if firstRow[list] == nil {
			firstRow[list] = map[string]int{}
		}
		if first, dup := firstRow[list][name]; dup {
			c.errorf(c.wb.pos(s, r.num, nameCol.idx), nameCol.header, "list %s already has a choice named %q (row %d)", list, name, first)
			continue
		}
		firstRow[list][name] = r.num
		l := c.lists[list]
		if l == nil {
			l = &choiceList{name: list}
			c.lists[list] = l
		}
		l.choices = append(l.choices, choice{name: name, label: c.text(s, c.choiceCols, r, "label", ""), row: r})
	}
}

// unsupportedCells reports the cells of r in columns SMS cannot follow.
func (c *converter) unsupportedCells(s *sheet, cols columns, r row) {
	for _, col := range cols.all {
		if why, ok := unsupportedColumns[col.kind]; ok && r.get(col.idx) != "" {
			c.errorf(c.wb.pos(s, r.num, col.idx), col.header, "%s", why)
		}
	}
}

// yesNo returns, for a list of a yes and a no, the names of both: each is
// named or labelled, in a language of the form (or English), with a word
// a yes_no question matches.
func (c *converter) yesNo(l *choiceList) (yes, no string, ok bool) {
	if len(l.choices) != 2 {
		return "", "", false
	}
	var yesWords, noWords []string
	for _, lang := range append([]string{c.base, "eng"}, c.w.Translations...) {
		y, n, _ := workflow.YesNoWords(lang)
		yesWords, noWords = append(yesWords, y...), append(noWords, n...)
	}
	is := func(ch choice, words []string) bool {
		texts := []string{ch.name, ch.label.Base}
		for _, t := range ch.label.Translations {
			texts = append(texts, t)
		}
		for _, t := range texts {
			if slices.Contains(words, strings.Join(wordsOf(t), " ")) {
				return true
			}
		}
		return false
	}
	a, b := l.choices[0], l.choices[1]
	switch {
	case is(a, yesWords) && is(b, noWords) && !is(a, noWords) && !is(b, yesWords):
		return a.name, b.name, true
	case is(a, noWords) && is(b, yesWords) && !is(a, yesWords) && !is(b, noWords):
		return b.name, a.name, true
	}
	return "", "", false
}

// choiceQuestion fills q, question i, with the choices of l: each choice's
// label is its category (its name when the label is too long for one),
// and its number in the list, its name and its labels pick it. The ask
// lists the choices with their numbers unless its label does already.
func (c *converter) choiceQuestion(q *workflow.Question, info *qinfo, l *choiceList, path string) {
	q.Type = workflow.TypeChoice
	q.Choices = []workflow.Choice{}
	info.cats = map[string]string{}
	keys := make([]string, len(l.choices))
	numeric := true
	for _, ch := range l.choices {
		if _, err := strconv.Atoi(ch.name); err != nil {
			numeric = false
		}
	}
	for j, ch := range l.choices {
		keys[j] = strconv.Itoa(j + 1)
		if numeric {
			keys[j] = ch.name
		}
	}
	translated := len(c.w.Translations) > 0
	// used maps each match entry (its words) to the choice it picks: an
	// entry that would pick two choices picks the first, as RapidPro's
	// first matching test does, and is left out of the second.
	used := map[string]int{}
	categories := map[string]bool{}
	for j, ch := range l.choices {
		cp := fmt.Sprintf("%s.choices[%d]", path, j)
		c.placeChoice(cp, ch)
		category := ch.label
		if n := utf8.RuneCountInString(category.Base); n > maxCategory {
			category = workflow.Text{Base: humanize(ch.name)}
			c.warnf(c.choicePos(ch, "label"), c.choiceHeader("label"),
				"a category name is at most %d characters: this choice's category is %q, after its name", maxCategory, category.Base)
		}
		info.cats[ch.name] = category.Base
		// A category named twice is reported by validation; its entries
		// would only say it again.
		dupCategory := categories[strings.Join(wordsOf(category.Base), " ")]
		categories[strings.Join(wordsOf(category.Base), " ")] = true
		var base []string
		add := func(list *[]string, entry, cell string) {
			key := strings.Join(wordsOf(entry), " ")
			if first, ok := used[key]; key == "" || ok {
				if ok && first != j && !dupCategory {
					c.warnf(c.choicePos(ch, cell), c.choiceHeader(cell), "%q also picks choice %s (%s), listed first: a reply %s picks that one",
						entry, l.choices[first].name, describeRow(l.choices[first]), entry)
				}
				return
			}
			used[key] = j
			mp := fmt.Sprintf("%s.match[%d]", cp, len(*list))
			if translated {
				lang := c.base
				if cell != "label" && cell != "name" {
					lang = cell
				}
				mp = fmt.Sprintf("%s.match.%s[%d]", cp, lang, len(*list))
			}
			c.src.set(mp, c.choicePos(ch, cell), c.choiceHeader(cell))
			*list = append(*list, entry)
		}
		add(&base, keys[j], "name")
		if _, err := strconv.Atoi(ch.name); err != nil {
			add(&base, strings.Join(wordsOf(ch.name), " "), "name")
		}
		add(&base, ch.label.Base, "label")
		wc := workflow.Choice{Category: category}
		if !translated {
			wc.Match = base
		} else {
			wc.MatchIn = map[string][]string{c.base: base}
			for _, lang := range c.w.Translations {
				var own []string
				if s, ok := ch.label.Translations[lang]; ok {
					add(&own, s, lang)
				}
				if len(own) > 0 {
					wc.MatchIn[lang] = own
				}
			}
		}
		q.Choices = append(q.Choices, wc)
	}
	q.Ask = c.listChoices(q.Ask, l, keys)
}

// listChoices adds the choices, numbered, to an ask that does not show
// them: a health worker reading an SMS sees no list to pick from.
func (c *converter) listChoices(ask workflow.Text, l *choiceList, keys []string) workflow.Text {
	list := func(text, lang string) string {
		if text == "" || shows(text, keys...) {
			return text
		}
		var b strings.Builder
		b.WriteString(text)
		for j, ch := range l.choices {
			fmt.Fprintf(&b, "\n%s %s", keys[j], ch.label.Get(lang))
		}
		return b.String()
	}
	out := workflow.Text{Base: list(ask.Base, c.base)}
	for lang, s := range ask.Translations {
		if out.Translations == nil {
			out.Translations = map[string]string{}
		}
		out.Translations[lang] = list(s, lang)
	}
	return out
}

// listYesNo adds "(YES/NO)", in each language's labels of the list, to an
// ask that does not name both answers.
func (c *converter) listYesNo(ask workflow.Text, l *choiceList, yes, no string) workflow.Text {
	var yesLabel, noLabel workflow.Text
	for _, ch := range l.choices {
		if ch.name == yes {
			yesLabel = ch.label
		} else {
			noLabel = ch.label
		}
	}
	add := func(text, lang string) string {
		y, n := yesLabel.Get(lang), noLabel.Get(lang)
		if y == "" || n == "" {
			y, n = "yes", "no"
		}
		if text == "" || shows(text, y, n) {
			return text
		}
		return fmt.Sprintf("%s (%s/%s)", text, strings.ToUpper(y), strings.ToUpper(n))
	}
	out := workflow.Text{Base: add(ask.Base, c.base)}
	for lang, s := range ask.Translations {
		if out.Translations == nil {
			out.Translations = map[string]string{}
		}
		out.Translations[lang] = add(s, lang)
	}
	return out
}

// shows reports whether text holds every one of the entries as words.
func shows(text string, entries ...string) bool {
	have := " " + strings.Join(wordsOf(text), " ") + " "
	for _, e := range entries {
		if !strings.Contains(have, " "+strings.Join(wordsOf(e), " ")+" ") {
			return false
		}
	}
	return true
}

// placeChoice records where choice ch, at path, was read.
func (c *converter) placeChoice(path string, ch choice) {
	c.src.set(path, c.choicePos(ch, "name"), c.choiceHeader("name"))
	c.src.set(path+".category", c.choicePos(ch, "label"), c.choiceHeader("label"))
	for _, lang := range c.w.Translations {
		c.src.set(path+".category."+lang, c.choicePos(ch, lang), c.choiceHeader(lang))
	}
	c.src.set(path+".match", c.choicePos(ch, "name"), c.choiceHeader("name"))
}

// choicePos is the cell of choice ch in column cell: "name", "label" (the
// base language's) or a language code (that language's label).
func (c *converter) choicePos(ch choice, cell string) workflow.Pos {
	if ch.at != nil {
		return *ch.at
	}
	s := c.wb.choices
	col, ok := c.choiceColumn(cell)
	if !ok {
		return c.wb.pos(s, ch.row.num, -1)
	}
	return c.wb.pos(s, ch.row.num, col.idx)
}

func (c *converter) choiceHeader(cell string) string {
	if col, ok := c.choiceColumn(cell); ok {
		return col.header
	}
	if cell != "name" {
		return "label"
	}
	return cell
}

func (c *converter) choiceColumn(cell string) (column, bool) {
	switch cell {
	case "name":
		return c.choiceCols.one("name")
	case "label":
		return c.baseColumn(c.choiceCols, "label")
	}
	for _, col := range c.choiceCols.byKind["label"] {
		if col.lang == cell {
			return col, true
		}
	}
	return column{idx: -1}, false
}

// humanize turns a choice or question name into words: not_delivered
// gives "Not delivered".
func humanize(name string) string {
	s := strings.Join(strings.FieldsFunc(name, func(r rune) bool { return r == '_' || r == '-' || r == '.' }), " ")
	if s == "" {
		return ""
	}
	r, size := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[size:]
}

// wordsOf splits text the way RapidPro's word tests do: lowercased, on
// anything that is not a letter or a digit.
func wordsOf(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r)
	})
}

func describeRow(ch choice) string {
	if ch.at != nil {
		return "added by or_other"
	}
	return fmt.Sprintf("row %d", ch.row.num)
}
