package workflow

import (
	"fmt"
	"slices"

	"github.com/mhero-go/mhero/internal/excellent"
	"github.com/mhero-go/mhero/internal/yamlpos"
	"github.com/mhero-go/mhero/workflow/flow"
)

// message is a text of the workflow sent to contacts, in one language.
type message struct {
	field string // the Text's field path, e.g. "questions[1].ask"
	lang  string
	text  string
	// asked is how many questions have routed a reply when it is sent:
	// the results it can use are theirs.
	asked int
}

// messages returns every message of w, in every language, in the order
// of the workflow.
func (w *Workflow) messages() []message {
	var out []message
	add := func(field string, t Text, asked int) {
		if t.Base != "" {
			out = append(out, message{field, w.Language, t.Base, asked})
		}
		for _, lang := range sortedKeys(t.Translations) {
			out = append(out, message{field, lang, t.Translations[lang], asked})
		}
	}
	add("intro", w.Intro, 0)
	for i, q := range w.Questions {
		path := fmt.Sprintf("questions[%d]", i)
		add(path+".ask", q.Ask, i)
		// A retry follows a reply that fit no test, saved as the result
		// with the category Other: the question's own result is known.
		add(path+".retry", q.Retry, i+1)
		for j, r := range q.Responses {
			add(fmt.Sprintf("%s.responses[%d].text", path, j), r.Text, i+1)
		}
		for j, c := range q.Choices {
			add(fmt.Sprintf("%s.choices[%d].closing", path, j), c.Closing, i+1)
		}
	}
	add("closing", w.Closing, len(w.Questions))
	return out
}

// templates checks every message as RapidPro will evaluate it: its
// expressions parse, use known names and functions with the right number
// of arguments, read contact fields RapidPro can have, and read results
// only once their question has been asked. Each problem is placed at its
// line and column.
func (v *validator) templates() {
	for _, m := range v.w.messages() {
		field, at := m.field, m.field
		if m.lang != v.w.Language {
			field = yamlpos.Join(m.field, m.lang)
			at = field
		} else if v.src != nil {
			if _, ok := v.src.idx.Value(yamlpos.Join(m.field, m.lang)); ok {
				at = yamlpos.Join(m.field, m.lang) // the base text of a mapping
			}
		}
		a := excellent.AnalyzeTemplate(m.text)
		for _, p := range a.Problems {
			msg := p.Msg
			if p.Unknown != "" {
				if s := yamlpos.Closest(p.Unknown, p.Known); s != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", s)
				}
			}
			v.report(SeverityError, v.src.posAt(at, p.Offset), field, "%s", msg)
		}
		for _, r := range a.Refs {
			pos := v.src.posAt(at, r.Offset)
			if key, ok := r.Field(); ok {
				if msg := fieldKeyProblem(key); msg != "" {
					v.report(SeverityError, pos, field, "fields.%s: %s", key, msg)
				}
			}
			if key, ok := r.Result(); ok {
				if msg := v.resultProblem(key, m.asked); msg != "" {
					v.report(SeverityWarning, pos, field, "results.%s %s", key, msg)
				}
			}
		}
	}
}

// fieldKeyProblem says why RapidPro can have no contact field of that key,
// or returns "".
func fieldKeyProblem(key string) string {
	switch {
	case len(key) > maxFieldKeyLength || !fieldKeyPattern.MatchString(key):
		return fmt.Sprintf("a field key is a lowercase letter then lowercase letters, digits or _ (at most %d)", maxFieldKeyLength)
	case slices.Contains(reservedFieldKeys, key):
		return fmt.Sprintf("%q is reserved by RapidPro and cannot be a field key", key)
	}
	return ""
}

// resultProblem says why the result key is empty in a message sent once
// asked questions have been answered, or returns "".
func (v *validator) resultProblem(key string, asked int) string {
	for j, q := range v.w.Questions {
		if flow.Snakify(q.Result) != key {
			continue
		}
		if j < asked {
			return ""
		}
		return fmt.Sprintf("is not the result of an earlier question (questions[%d] asks it later); it will be empty", j)
	}
	names := make([]string, len(v.w.Questions))
	for i, q := range v.w.Questions {
		names[i] = flow.Snakify(q.Result)
	}
	msg := "is not the result of any question; it will be empty"
	if s := yamlpos.Closest(key, names); s != "" {
		msg += fmt.Sprintf(" (did you mean results.%s?)", s)
	}
	return msg
}

// referencedFields returns the keys of the contact fields a message
// template reads (@fields.x, @contact.fields.x, anywhere in an
// expression) that RapidPro can have; validation reports the others.
func referencedFields(text string) []string {
	var keys []string
	for _, r := range excellent.AnalyzeTemplate(text).Refs {
		if key, ok := r.Field(); ok && fieldKeyProblem(key) == "" && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
	}
	return keys
}
