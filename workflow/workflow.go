package workflow

import (
	"maps"
	"slices"
	"time"
)

// QuestionType says what kind of answer a question expects, which decides
// the tests its reply is routed by.
type QuestionType string

// The question types of the DSL.
const (
	TypeText   QuestionType = "text"   // any non-blank reply
	TypeNumber QuestionType = "number" // a number, optionally between Min and Max
	TypeYesNo  QuestionType = "yes_no" // categories Yes and No
	TypeChoice QuestionType = "choice" // one category per Choice
	TypeDate   QuestionType = "date"   // a date
	TypePhone  QuestionType = "phone"  // a phone number
	// TypeAny takes every reply, even one without text, as RapidPro's
	// editor does for a wait without rules: its one category is All
	// Responses, and it is never retried.
	TypeAny QuestionType = "any"
)

var questionTypes = []QuestionType{TypeText, TypeNumber, TypeYesNo, TypeChoice, TypeDate, TypePhone, TypeAny}

// UnlimitedRetries as a question's MaxRetries sends the retry message
// after every reply that does not fit, until one does (or the question
// times out, or the run expires): the loop RapidPro's editor draws from
// a wait's Other category back to itself. Such a question's answer is
// never Other.
const UnlimitedRetries = -1

// Category names produced by the compiler besides a question's own answer
// categories. `when` expressions and responses may refer to them.
const (
	CategoryOther      = "Other"       // a reply that fits no test, after the retries
	CategoryNoMatch    = "No Match"    // the same, for a question with a choice named Other
	CategoryNoResponse = "No Response" // no reply before the question's timeout
	CategoryYes        = "Yes"         // a yes_no question's yes
	CategoryNo         = "No"          // a yes_no question's no
	CategoryHasText    = "Has Text"    // a text question's answer
	CategoryHasNumber  = "Has Number"  // a number question's answer (within bounds)
	CategoryHasDate    = "Has Date"    // a date question's answer
	CategoryHasPhone   = "Has Phone"   // a phone question's answer
	// CategoryAllResponses is an any question's category, for every reply.
	CategoryAllResponses = "All Responses"
)

// Text is a message in the workflow's base language with optional
// translations keyed by ISO 639-3 language code. In YAML it is either a
// plain string (the base language) or a mapping of language to text that
// includes the base language.
type Text struct {
	Base         string
	Translations map[string]string
}

// T returns a Text in the base language only; add translations with In.
func T(base string) Text { return Text{Base: base} }

// In returns a copy of t with the translation for lang set to text.
func (t Text) In(lang, text string) Text {
	tr := maps.Clone(t.Translations)
	if tr == nil {
		tr = map[string]string{}
	}
	tr[lang] = text
	return Text{Base: t.Base, Translations: tr}
}

// IsZero reports whether t has neither base text nor translations.
func (t Text) IsZero() bool { return t.Base == "" && len(t.Translations) == 0 }

// Get returns the text for lang, falling back to the base text when lang is
// the base language or has no translation.
func (t Text) Get(lang string) string {
	if s, ok := t.Translations[lang]; ok {
		return s
	}
	return t.Base
}

// Workflow is a parsed or built workflow: the questions to ask, in order,
// with their skip logic, and the messages around them.
type Workflow struct {
	Name         string        // the flow's name
	Key          string        // stable identity: the same key gives the same UUIDs
	Language     string        // ISO 639-3 base language
	Translations []string      // ISO 639-3 codes of the other languages
	Keyword      string        // optional keyword that starts the flow
	ExpireAfter  time.Duration // how long a waiting run lives; 0 means RapidPro's 7 days
	Intro        Text          // optional first message
	Questions    []Question
	Closing      Text // optional last message

	// src records where each field came from in a YAML file; nil for a
	// workflow built in Go.
	src *source
}

// Question is one question of a workflow and what happens with its answer.
type Question struct {
	Result      string        // the result name, unique within the workflow
	Ask         Text          // the question sent
	Type        QuestionType  // what answer is expected
	Retry       Text          // sent after a reply that does not fit; empty for none
	MaxRetries  int           // how many times Retry is sent before the Other path, or UnlimitedRetries
	Timeout     time.Duration // no reply after this takes the No Response path; 0 waits forever
	Min, Max    *float64      // bounds of a number answer, inclusive
	Choices     []Choice      // categories of a choice question, tested in order
	When        string        // skip logic: the question is asked only when this holds
	SaveToField string        // contact field key that also receives the answer
	Responses   []Response    // follow-up messages sent for given categories
	Groups      []GroupAdd    // contact groups joined for given categories
}

// Choice is one category of a choice question.
type Choice struct {
	Category Text     // the category name (translations are display names)
	Match    []string // words or phrases matching this category, any language
	// MatchIn holds words or phrases only meant for one language, keyed by
	// ISO 639-3 code; they are matched for every contact and shown in that
	// language's translation of the flow.
	MatchIn map[string][]string
	Closing Text // when set, this answer ends the workflow with this message
}

// Response is a follow-up message sent right after an answer in Category.
type Response struct {
	Category string
	Text     Text
}

// GroupAdd adds the contact to a contact group after an answer in
// Category, e.g. to reach every facility that reported a stock-out.
type GroupAdd struct {
	Category string
	Group    string
}

// Categories returns the categories a question's answer can take, in the
// order the compiled router lists them: the answer categories, then the
// default category (see DefaultCategory), then No Response when the
// question has a timeout.
func (q *Question) Categories() []string {
	var cats []string
	switch q.Type {
	case TypeText:
		cats = []string{CategoryHasText}
	case TypeNumber:
		cats = []string{CategoryHasNumber}
	case TypeYesNo:
		cats = []string{CategoryYes, CategoryNo}
	case TypeChoice:
		for _, c := range q.Choices {
			if !slices.Contains(cats, c.Category.Base) {
				cats = append(cats, c.Category.Base)
			}
		}
	case TypeDate:
		cats = []string{CategoryHasDate}
	case TypePhone:
		cats = []string{CategoryHasPhone}
	}
	// An any question's default category is its answer.
	cats = append(cats, q.DefaultCategory())
	if q.Timeout > 0 {
		cats = append(cats, CategoryNoResponse)
	}
	return cats
}

// DefaultCategory returns the category of a reply that fits no test after
// the retries (the router's default category): Other, or No Match when
// one of the question's choices is itself named Other, or All Responses
// for an any question, which every reply fits. A choice named
// Other is an answer like any other ("3 Other", often followed by a
// question asking which), so it keeps its name, and the reply that was
// not understood takes another: a router never has two categories of the
// same name, and analyses can still tell the two apart.
func (q *Question) DefaultCategory() string {
	if q.Type == TypeAny {
		return CategoryAllResponses
	}
	if q.hasOtherChoice() {
		return CategoryNoMatch
	}
	return CategoryOther
}

// hasOtherChoice reports whether a choice of q is named Other (in any
// case or spacing), in the base language or a translation: the default
// category is named Other in every language, so a choice translated
// "Other" (Outro in Portuguese, Other in English) would show two
// categories of that name to whoever reads the flow in English.
func (q *Question) hasOtherChoice() bool {
	if q.Type != TypeChoice {
		return false
	}
	other := categoryKey(CategoryOther)
	for _, c := range q.Choices {
		if categoryKey(c.Category.Base) == other {
			return true
		}
		for _, t := range c.Category.Translations {
			if categoryKey(t) == other {
				return true
			}
		}
	}
	return false
}

// isAnswer reports whether category is an answer that fits q: neither the
// default category (but for an any question, whose every reply fits) nor
// No Response.
func (q *Question) isAnswer(category string) bool {
	if q.Type == TypeAny {
		return category != CategoryNoResponse
	}
	return category != q.DefaultCategory() && category != CategoryNoResponse
}

// A Source is where a workflow was read from when that is not this
// package's YAML format: package xlsform, for one, reads workbooks. Set on
// a workflow with SetSource, it lets Validate (and so Compile) place each
// diagnostic where the Data Manager wrote the field, and report the
// warnings found while reading with its own.
type Source interface {
	// Locate returns where the field at path (a path of the YAML format,
	// such as "questions[2].ask.fra" or "questions[0].choices[1]") was
	// read from, and the name the reader knows that field by (a column's
	// header, say; "" keeps the path). When ok is false, Validate asks
	// for the field holding it ("questions[2].ask", then "questions[2]").
	Locate(path string) (pos Pos, name string, ok bool)
	// Diagnostics returns the problems found while reading that are no
	// error (an error stops the reading).
	Diagnostics() Diagnostics
}

// SetSource records where w was read from, for Validate to place its
// diagnostics there; see Source. It replaces the positions of a parsed
// YAML file.
func (w *Workflow) SetSource(s Source) {
	w.src = nil
	if s != nil {
		w.src = &source{ext: s}
	}
}

// Languages returns the base language followed by the translations.
func (w *Workflow) Languages() []string {
	return append([]string{w.Language}, w.Translations...)
}

// Question returns the question whose result is named result, or nil.
func (w *Workflow) Question(result string) *Question {
	for i := range w.Questions {
		if w.Questions[i].Result == result {
			return &w.Questions[i]
		}
	}
	return nil
}
