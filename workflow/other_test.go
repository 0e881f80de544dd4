package workflow_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/workflow"
)

func TestChoiceNamedOther(t *testing.T) {
	t.Parallel()
	reason := workflow.OneOf("reason", workflow.T("Why? 1 Late 2 Other"),
		workflow.Option("Late", "1", "late"), workflow.Option("other", "2", "other")).
		Retry(workflow.T("Reply 1 or 2"), 1).Timeout(time.Hour).
		Respond("Other", workflow.T("Tell us more.")).
		Respond("No Match", workflow.T("We will call you."))
	w, err := workflow.New("Reasons", "reasons").Language("eng").Question(
		reason,
		workflow.FreeText("which", workflow.T("Which?")).When("reason == other"),
		workflow.FreeText("why_not", workflow.T("What happened?")).When("reason in [no_match, No Response]"),
	).Build()
	if err != nil {
		t.Fatal(err)
	}
	q := w.Question("reason")
	if got, want := q.Categories(), []string{"Late", "other", "No Match", "No Response"}; !slices.Equal(got, want) {
		t.Errorf("categories %q, want %q", got, want)
	}
	if q.DefaultCategory() != workflow.CategoryNoMatch {
		t.Errorf("default category %q, want No Match", q.DefaultCategory())
	}
	if d := w.Question("which").DefaultCategory(); d != workflow.CategoryOther {
		t.Errorf("a text question's default category is %q, want Other", d)
	}
	e, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range e.Flows[0].Nodes {
		r := n.Router
		if r == nil || r.ResultName != "reason" {
			continue
		}
		var names []string
		for _, c := range r.Categories {
			names = append(names, c.Name)
		}
		if d := r.Category(r.DefaultCategoryUUID); d == nil || d.Name != "No Match" {
			t.Errorf("wait node's default category is %v, want No Match (categories %q)", d, names)
		}
		for _, c := range r.Cases {
			if cat := r.Category(c.CategoryUUID); cat != nil && cat.Name == "other" && c.CategoryUUID == r.DefaultCategoryUUID {
				t.Error("the choice named other leads to the default category")
			}
		}
	}
}

func TestNoMatchOnlyBesideAChoiceNamedOther(t *testing.T) {
	t.Parallel()
	_, err := workflow.New("Reasons", "reasons").Language("eng").Question(
		workflow.OneOf("reason", workflow.T("Why?"), workflow.Option("Late", "1")),
		workflow.FreeText("which", workflow.T("Which?")).When("reason == No Match"),
	).Build()
	if err == nil || !strings.Contains(err.Error(), `reason has no category "No Match" (its categories: Late, Other)`) {
		t.Errorf("got %v, want an unknown category", err)
	}
}

func TestYesNoWords(t *testing.T) {
	t.Parallel()
	yes, no, ok := workflow.YesNoWords("por")
	if !ok || !slices.Contains(yes, "sim") || !slices.Contains(no, "não") {
		t.Errorf("por: %v %v %v", yes, no, ok)
	}
	yes[0] = "changed"
	if again, _, _ := workflow.YesNoWords("por"); again[0] == "changed" {
		t.Error("YesNoWords returns the package's own slice")
	}
	if yes, _, ok := workflow.YesNoWords("kri"); ok || !slices.Contains(yes, "yes") {
		t.Errorf("a language without words gets English's, not ok: %v %v", yes, ok)
	}
}

// translatedOther is asked in Portuguese first: its last choice is Outro,
// translated Other, as in XLSForms written in Portuguese and English.
const translatedOther = `workflow: Testes
key: testes
language: por
translations: [eng]
questions:
  - result: motivo
    ask: {por: "Porquê? 1 Não entregue 2 Outro", eng: "Why? 1 Not delivered 2 Other"}
    type: choice
    choices:
      - category: {por: Não entregue, eng: Not delivered}
        match: {por: ["1", não entregue], eng: [not delivered]}
      - category: {por: Outro, eng: Other}
        match: {por: ["2", outro], eng: [other]}
  - result: qual
    ask: {por: "Qual?", eng: "Which?"}
    type: text
    when: motivo == Outro
`

// TestChoiceTranslatedOther checks that a choice named Other in a
// translation only makes the default category No Match too: in the
// English localization of the export, no router has two categories named
// Other.
func TestChoiceTranslatedOther(t *testing.T) {
	t.Parallel()
	w, err := workflow.Parse("testes.yaml", []byte(translatedOther))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := w.Question("motivo").Categories(), []string{"Não entregue", "Outro", "No Match"}; !slices.Equal(got, want) {
		t.Errorf("categories %q, want %q", got, want)
	}
	e, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	f := e.Flows[0]
	routers := 0
	for _, n := range f.Nodes {
		if n.Router == nil {
			continue
		}
		routers++
		for _, lang := range []string{"por", "eng"} {
			seen := map[string]bool{}
			for _, c := range n.Router.Categories {
				name := c.Name
				if l := f.Localization[lang][c.UUID]["name"]; len(l) > 0 {
					name = l[0]
				}
				key := strings.ToLower(name)
				if seen[key] {
					t.Errorf("%s: router of %s has two categories named %q", lang, n.Router.ResultName, name)
				}
				seen[key] = true
			}
		}
	}
	if routers == 0 {
		t.Fatal("no router in the export")
	}
}

// TestTranslatedCategoryClashes checks that in each translation, as in
// the base language, no two categories of a question have one name.
func TestTranslatedCategoryClashes(t *testing.T) {
	t.Parallel()
	head := "workflow: T\nkey: t\nlanguage: eng\ntranslations: [fra]\nquestions:\n  - result: a\n    ask: {eng: hi, fra: salut}\n    type: choice\n    choices:\n"
	for _, tt := range []struct{ name, choices, at, field, says string }{
		{"two choices translated alike", "      - {category: {eng: Late, fra: Retard}, match: [x]}\n      - {category: {eng: Delayed, fra: retard}, match: [y]}\n",
			"11:40", "questions[0].choices[1].category.fra", `duplicate fra category "retard" (first in choices[0])`},
		{"a translation named No Response", "      - {category: {eng: Late, fra: No response}, match: [x]}\n",
			"10:37", "questions[0].choices[0].category.fra", `"No response" is the category of a question that times out`},
		{"a translation named No Match beside Other", "      - {category: {eng: Else, fra: Other}, match: [x]}\n      - {category: {eng: Unclear, fra: No Match}, match: [y]}\n",
			"11:40", "questions[0].choices[1].category.fra", `"No Match" is the category of a reply that fits no choice`},
		{"an untranslated category named as a translation", "      - {category: {eng: Late, fra: Stolen}, match: [x]}\n      - {category: Stolen, match: [y]}\n",
			"11:20", "questions[0].choices[1].category", `duplicate fra category "Stolen" (first in choices[0])`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := workflow.Parse("t.yaml", []byte(head+tt.choices))
			var ds workflow.Diagnostics
			if !errors.As(err, &ds) || len(ds.Errors()) != 1 {
				t.Fatalf("got %v, want one error", err)
			}
			d := ds.Errors()[0]
			if at := fmt.Sprintf("%d:%d", d.Pos.Line, d.Pos.Column); at != tt.at || d.Field != tt.field || !strings.Contains(d.Message, tt.says) {
				t.Errorf("got %s, want %s: %s: ...%s...", d, tt.at, tt.field, tt.says)
			}
		})
	}
}
