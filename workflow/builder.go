package workflow

import (
	"maps"
	"slices"
	"time"
)

// Builder writes a workflow in Go, as the YAML format would:
//
//	w, err := workflow.New("Malaria stock check", "malaria-stock").
//		Language("eng").
//		Question(workflow.YesNo("act_in_stock", workflow.T("Do you have ACTs in stock?")).
//			Retry(workflow.T("Please reply YES or NO"), 2)).
//		Build()
//
// Build validates the result exactly as Parse does, with the same field
// paths in its diagnostics (and no positions).
type Builder struct {
	w         Workflow
	questions []*QuestionBuilder
}

// New starts a workflow with its name and stable key.
func New(name, key string) *Builder {
	return &Builder{w: Workflow{Name: name, Key: key}}
}

// Language sets the base language, an ISO 639-3 code such as "eng".
func (b *Builder) Language(code string) *Builder {
	b.w.Language = code
	return b
}

// Translations sets the other languages every translated text must have.
func (b *Builder) Translations(codes ...string) *Builder {
	b.w.Translations = slices.Clone(codes)
	return b
}

// Keyword sets the keyword that starts the workflow when a message begins
// with it.
func (b *Builder) Keyword(keyword string) *Builder {
	b.w.Keyword = keyword
	return b
}

// ExpireAfter sets how long a run waits for replies before it expires.
func (b *Builder) ExpireAfter(d time.Duration) *Builder {
	b.w.ExpireAfter = d
	return b
}

// Intro sets the first message.
func (b *Builder) Intro(t Text) *Builder {
	b.w.Intro = t
	return b
}

// Question adds questions, asked in the order added.
func (b *Builder) Question(qs ...*QuestionBuilder) *Builder {
	b.questions = append(b.questions, qs...)
	return b
}

// Closing sets the last message.
func (b *Builder) Closing(t Text) *Builder {
	b.w.Closing = t
	return b
}

// Build validates the workflow and returns it. The error, if any, is a
// Diagnostics listing every problem; warnings alone are no error (see
// Workflow.Validate). The builder can be changed and built again.
func (b *Builder) Build() (*Workflow, error) {
	w := b.w
	w.Translations = slices.Clone(w.Translations)
	w.Intro, w.Closing = w.Intro.clone(), w.Closing.clone()
	w.Questions = nil
	for _, qb := range b.questions {
		w.Questions = append(w.Questions, qb.q.clone())
	}
	if err := w.Validate().Err(); err != nil {
		return nil, err
	}
	return &w, nil
}

// QuestionBuilder describes one question for Builder.Question. Start one
// with FreeText, Number, YesNo, OneOf, Date or Phone.
type QuestionBuilder struct {
	q Question
}

func newQuestion(result string, ask Text, t QuestionType) *QuestionBuilder {
	return &QuestionBuilder{q: Question{Result: result, Ask: ask, Type: t}}
}

// FreeText asks a question answered by any text (type text).
func FreeText(result string, ask Text) *QuestionBuilder { return newQuestion(result, ask, TypeText) }

// Number asks for a number (type number); bound it with Min, Max or Between.
func Number(result string, ask Text) *QuestionBuilder { return newQuestion(result, ask, TypeNumber) }

// YesNo asks a yes or no question (type yes_no).
func YesNo(result string, ask Text) *QuestionBuilder { return newQuestion(result, ask, TypeYesNo) }

// OneOf asks to pick one of choices (type choice), tested in order.
func OneOf(result string, ask Text, choices ...Choice) *QuestionBuilder {
	qb := newQuestion(result, ask, TypeChoice)
	qb.q.Choices = choices
	return qb
}

// Date asks for a date (type date).
func Date(result string, ask Text) *QuestionBuilder { return newQuestion(result, ask, TypeDate) }

// Phone asks for a phone number (type phone).
func Phone(result string, ask Text) *QuestionBuilder { return newQuestion(result, ask, TypePhone) }

// AnyReply takes every reply, even one without text (type any, category
// All Responses).
func AnyReply(result string, ask Text) *QuestionBuilder { return newQuestion(result, ask, TypeAny) }

// Retry sets the message sent after a reply that does not fit, and how many
// times it is sent before the answer takes the Other path (UnlimitedRetries
// for every time).
func (qb *QuestionBuilder) Retry(t Text, maxRetries int) *QuestionBuilder {
	qb.q.Retry, qb.q.MaxRetries = t, maxRetries
	return qb
}

// Timeout sends the run down the No Response path when no reply comes
// within d.
func (qb *QuestionBuilder) Timeout(d time.Duration) *QuestionBuilder {
	qb.q.Timeout = d
	return qb
}

// Min sets the smallest number accepted, inclusive.
func (qb *QuestionBuilder) Min(v float64) *QuestionBuilder {
	qb.q.Min = &v
	return qb
}

// Max sets the largest number accepted, inclusive.
func (qb *QuestionBuilder) Max(v float64) *QuestionBuilder {
	qb.q.Max = &v
	return qb
}

// Between sets both bounds of the number accepted, inclusive.
func (qb *QuestionBuilder) Between(lo, hi float64) *QuestionBuilder {
	return qb.Min(lo).Max(hi)
}

// When asks the question only when expr holds, e.g. "act_in_stock == yes"
// or "weeks_left < 4 and reason in [expired, other_reason]".
func (qb *QuestionBuilder) When(expr string) *QuestionBuilder {
	qb.q.When = expr
	return qb
}

// SaveTo also saves the answer into the contact field with this key.
func (qb *QuestionBuilder) SaveTo(fieldKey string) *QuestionBuilder {
	qb.q.SaveToField = fieldKey
	return qb
}

// Respond sends t right after an answer in category (e.g. "No", "Other",
// "No Response" or a choice's category; "No Match" for a reply that fits
// no choice when a choice is named Other), before the next question.
func (qb *QuestionBuilder) Respond(category string, t Text) *QuestionBuilder {
	qb.q.Responses = append(qb.q.Responses, Response{Category: category, Text: t})
	return qb
}

// AddToGroup adds the contact to the named contact group after an answer
// in category.
func (qb *QuestionBuilder) AddToGroup(category, group string) *QuestionBuilder {
	qb.q.Groups = append(qb.q.Groups, GroupAdd{Category: category, Group: group})
	return qb
}

// Option is a choice of a OneOf question: its category and the words or
// phrases that pick it, in any language.
func Option(category string, match ...string) Choice {
	return Choice{Category: T(category), Match: match}
}

// Named returns a copy of c whose category is shown as name in lang.
func (c Choice) Named(lang, name string) Choice {
	c.Category = c.Category.In(lang, name)
	return c
}

// MatchingIn returns a copy of c that also matches entries written in lang.
func (c Choice) MatchingIn(lang string, match ...string) Choice {
	in := maps.Clone(c.MatchIn)
	if in == nil {
		in = map[string][]string{}
	}
	in[lang] = append(slices.Clone(in[lang]), match...)
	c.MatchIn = in
	return c
}

// EndingWith returns a copy of c that ends the workflow with t when chosen.
func (c Choice) EndingWith(t Text) Choice {
	c.Closing = t
	return c
}

func (t Text) clone() Text {
	return Text{Base: t.Base, Translations: maps.Clone(t.Translations)}
}

// clone copies q deeply, so a built workflow shares nothing with its builder.
func (q Question) clone() Question {
	q.Ask, q.Retry = q.Ask.clone(), q.Retry.clone()
	if q.Min != nil {
		v := *q.Min
		q.Min = &v
	}
	if q.Max != nil {
		v := *q.Max
		q.Max = &v
	}
	choices := q.Choices
	q.Choices = nil
	for _, c := range choices {
		c.Category, c.Closing = c.Category.clone(), c.Closing.clone()
		c.Match = slices.Clone(c.Match)
		if c.MatchIn != nil {
			in := make(map[string][]string, len(c.MatchIn))
			for lang, m := range c.MatchIn {
				in[lang] = slices.Clone(m)
			}
			c.MatchIn = in
		}
		q.Choices = append(q.Choices, c)
	}
	q.Groups = slices.Clone(q.Groups)
	responses := q.Responses
	q.Responses = nil
	for _, r := range responses {
		q.Responses = append(q.Responses, Response{Category: r.Category, Text: r.Text.clone()})
	}
	return q
}
