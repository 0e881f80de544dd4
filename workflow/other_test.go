package workflow_test

import (
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
