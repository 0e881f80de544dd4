package workflow

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// MarshalYAML writes w in this package's YAML format, as a Data Manager
// would write it, to be reviewed and kept in git: the fields in the order
// the format documents them, a text as a plain string unless it is
// translated, short lists on one line, messages of several lines as
// blocks, and a blank line between questions. Fields left at their zero
// value are left out.
//
// A valid workflow reads back with Parse as the same workflow, and writes
// again as the same bytes. One thing is written differently from how a
// Go program may hold it: a choice with both Match and MatchIn entries is
// written with the Match entries first in its base language's list, which
// compiles to the same export (see Choice).
func MarshalYAML(w *Workflow) ([]byte, error) {
	root := mapping()
	add := func(key string, value *yaml.Node) { root.Content = append(root.Content, str(key), value) }
	add("workflow", str(w.Name))
	add("key", str(w.Key))
	add("language", str(w.Language))
	if len(w.Translations) > 0 {
		add("translations", flowList(w.Translations))
	}
	if w.Keyword != "" {
		add("keyword", str(w.Keyword))
	}
	if w.ExpireAfter != 0 {
		add("expire_after", str(formatDuration(w.ExpireAfter)))
	}
	if !w.Intro.IsZero() {
		add("intro", w.text(w.Intro))
	}
	questions := &yaml.Node{Kind: yaml.SequenceNode}
	for i := range w.Questions {
		questions.Content = append(questions.Content, w.question(&w.Questions[i]))
	}
	add("questions", questions)
	if !w.Closing.IsZero() {
		add("closing", w.text(w.Closing))
	}

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&yaml.Node{Kind: yaml.DocumentNode, Content: []*yaml.Node{root}}); err != nil {
		return nil, fmt.Errorf("workflow: writing YAML: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("workflow: writing YAML: %w", err)
	}
	return spaceQuestions(buf.Bytes()), nil
}

// WriteYAML writes w to wr in this package's YAML format; see MarshalYAML.
func WriteYAML(wr io.Writer, w *Workflow) error {
	data, err := MarshalYAML(w)
	if err != nil {
		return err
	}
	_, err = wr.Write(data)
	return err
}

func (w *Workflow) question(q *Question) *yaml.Node {
	n := mapping()
	add := func(key string, value *yaml.Node) { n.Content = append(n.Content, str(key), value) }
	add("result", str(q.Result))
	if !q.Ask.IsZero() {
		add("ask", w.text(q.Ask))
	}
	if q.Type != "" {
		add("type", str(string(q.Type)))
	}
	if !q.Retry.IsZero() {
		add("retry", w.text(q.Retry))
	}
	switch q.MaxRetries {
	case 0:
	case UnlimitedRetries:
		add("max_retries", str("unlimited"))
	default:
		add("max_retries", &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.Itoa(q.MaxRetries)})
	}
	if q.Timeout != 0 {
		add("timeout", str(formatDuration(q.Timeout)))
	}
	if q.Min != nil {
		add("min", number(*q.Min))
	}
	if q.Max != nil {
		add("max", number(*q.Max))
	}
	if q.Choices != nil {
		choices := &yaml.Node{Kind: yaml.SequenceNode}
		for _, c := range q.Choices {
			choices.Content = append(choices.Content, w.choice(c))
		}
		add("choices", choices)
	}
	if q.When != "" {
		add("when", str(q.When))
	}
	if q.SaveToField != "" {
		add("save_to_field", str(q.SaveToField))
	}
	if len(q.Responses) > 0 {
		rs := mapping()
		for _, r := range q.Responses {
			rs.Content = append(rs.Content, str(r.Category), w.text(r.Text))
		}
		add("responses", rs)
	}
	if len(q.Groups) > 0 {
		// One key per category (as first spelled), in the order
		// categories first appear; each category's groups keep their
		// order, which is all the compiler reads.
		var cats []string // category keys
		spelled := map[string]string{}
		groups := map[string][]string{}
		for _, g := range q.Groups {
			k := categoryKey(g.Category)
			if _, ok := groups[k]; !ok {
				cats = append(cats, k)
				spelled[k] = g.Category
			}
			groups[k] = append(groups[k], g.Group)
		}
		gs := mapping()
		for _, k := range cats {
			v := flowList(groups[k])
			if len(groups[k]) == 1 {
				v = str(groups[k][0])
			}
			gs.Content = append(gs.Content, str(spelled[k]), v)
		}
		add("add_to_group", gs)
	}
	return n
}

// choice writes a choice on one line when it is short and in one
// language, and as a block otherwise.
func (w *Workflow) choice(c Choice) *yaml.Node {
	n := mapping()
	add := func(key string, value *yaml.Node) { n.Content = append(n.Content, str(key), value) }
	add("category", w.categoryName(c.Category))
	switch {
	case c.MatchIn != nil:
		m := mapping()
		m.Style = yaml.FlowStyle
		for _, lang := range languagesOf(w, c.MatchIn) {
			entries := c.MatchIn[lang]
			if lang == w.Language {
				entries = slices.Concat(c.Match, entries)
			}
			m.Content = append(m.Content, str(lang), flowList(entries))
		}
		if _, ok := c.MatchIn[w.Language]; !ok && len(c.Match) > 0 {
			m.Content = append([]*yaml.Node{str(w.Language), flowList(c.Match)}, m.Content...)
		}
		add("match", m)
	case c.Match != nil:
		add("match", flowList(c.Match))
	}
	if !c.Closing.IsZero() {
		add("closing", w.text(c.Closing))
	}
	if len(c.Category.Translations) == 0 && c.MatchIn == nil && c.Closing.IsZero() {
		n.Style = yaml.FlowStyle
	}
	return n
}

// text writes a Text: a string in the base language, or a mapping of
// language to string, the base language first.
func (w *Workflow) text(t Text) *yaml.Node {
	if len(t.Translations) == 0 {
		return str(t.Base)
	}
	m := mapping()
	m.Content = append(m.Content, str(w.Language), str(t.Base))
	for _, lang := range languagesOf(w, t.Translations) {
		if lang != w.Language {
			m.Content = append(m.Content, str(lang), str(t.Translations[lang]))
		}
	}
	return m
}

// categoryName writes a category's name, on one line when translated.
func (w *Workflow) categoryName(t Text) *yaml.Node {
	n := w.text(t)
	if n.Kind == yaml.MappingNode {
		n.Style = yaml.FlowStyle
	}
	return n
}

// languagesOf returns the languages of m in the order they are written:
// the base language, the translations in the order the workflow lists
// them, then any other (which validation refuses) alphabetically.
func languagesOf[V any](w *Workflow, m map[string]V) []string {
	langs := sortedKeys(m)
	rank := func(lang string) int {
		if lang == w.Language {
			return -1
		}
		if i := slices.Index(w.Translations, lang); i >= 0 {
			return i
		}
		return len(w.Translations)
	}
	slices.SortStableFunc(langs, func(a, b string) int { return rank(a) - rank(b) })
	return langs
}

func mapping() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode} }

// str is a string scalar; the encoder quotes it when YAML would read it
// as something else ("1", "null", "a: b"), and a text of several lines is
// written as a literal block.
func str(s string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	if strings.Contains(strings.TrimRight(s, "\n"), "\n") {
		n.Style = yaml.LiteralStyle
	}
	return n
}

func flowList(items []string) *yaml.Node {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle}
	for _, s := range items {
		n.Content = append(n.Content, str(s))
	}
	return n
}

// number writes a bound the way it is usually written: 52, not 52.0.
func number(f float64) *yaml.Node {
	s := formatNumber(f)
	tag := "!!float"
	if _, err := strconv.ParseInt(s, 10, 64); err == nil {
		tag = "!!int"
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: tag, Value: s}
}

// formatDuration writes a duration the way ParseDuration reads it, in
// days, hours, minutes and seconds: 1d12h, 30m. Weeks are left to
// people: 7d says what it means.
func formatDuration(d time.Duration) string {
	if d <= 0 {
		return d.String() // not valid: written so that validation says so
	}
	var b strings.Builder
	for _, u := range []struct {
		unit time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / u.unit; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.name)
			d -= n * u.unit
		}
	}
	if b.Len() == 0 {
		return d.String() // under a second: not valid either
	}
	return b.String()
}

// spaceQuestions puts a blank line before the questions, between them and
// before the closing, so that a diff of one question reads as one.
func spaceQuestions(data []byte) []byte {
	lines := strings.SplitAfter(string(data), "\n")
	var b strings.Builder
	inQuestions := false
	for i, l := range lines {
		topLevel := l != "" && l[0] != ' ' && l[0] != '\n'
		switch {
		case topLevel && strings.HasPrefix(l, "questions:"):
			inQuestions = true
			if i > 0 {
				b.WriteString("\n")
			}
		case topLevel:
			if inQuestions {
				b.WriteString("\n")
			}
			inQuestions = false
		case inQuestions && strings.HasPrefix(l, "  - ") && !strings.HasPrefix(lines[i-1], "questions:"):
			// Only a question starts at this indentation: the fields of
			// a question, and any block text in them, are indented more.
			b.WriteString("\n")
		}
		b.WriteString(l)
	}
	return []byte(b.String())
}
