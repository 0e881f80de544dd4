package usecase_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/usecase"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

func compileExample(t testing.TB, name string) *flow.Export {
	t.Helper()
	w, err := workflows.Parse(name)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	return exp
}

func TestEstimateCost(t *testing.T) {
	t.Parallel()
	c, err := usecase.EstimateCost(compileExample(t, "malaria-stock"), 90)
	if err != nil {
		t.Fatal(err)
	}
	// Expected: intro, 4 questions, closing, each one SMS. Longest: two
	// retries on each yes/no question and one on the reason, its
	// follow-up, and the RDT count (the No branch skips the weeks left).
	if c.Expected.Segments != 6 || c.Longest.Segments != 12 || c.ExpectedTotal != 540 || c.LongestTotal != 1080 || !c.Exhaustive {
		t.Errorf("cost = expected %d (%d), longest %d (%d), exhaustive %v; want 6 (540), 12 (1080), true\n%s",
			c.Expected.Segments, c.ExpectedTotal, c.Longest.Segments, c.LongestTotal, c.Exhaustive, c.Longest.Transcript)
	}
	if len(c.Languages) != 3 {
		t.Errorf("%d languages, want eng, fra, por", len(c.Languages))
	}
}

// A translation outside the GSM alphabet costs more: every message is
// UCS-2, 70 characters an SMS.
func TestEstimateCostUCS2Translation(t *testing.T) {
	t.Parallel()
	w, err := workflow.Parse("t.yaml", []byte(`workflow: Greeting
key: greeting
language: eng
translations: [amh]
intro: {eng: "Hello from the Ministry of Health. We would like to ask you two short questions about your facility today.", amh: "ሰላም ከጤና ሚኒስቴር። ዛሬ ስለ ተቋምዎ ሁለት አጭር ጥያቄዎችን ልንጠይቅዎ እንፈልጋለን። እባክዎን በተቻለ ፍጥነት ይመልሱ።"}
questions:
  - result: open
    ask: {eng: "Is your facility open today? Reply YES or NO", amh: "ተቋምዎ ዛሬ ክፍት ነው? አዎ ወይም አይ ብለው ይመልሱ"}
    type: yes_no
`))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	c, err := usecase.EstimateCost(exp, 10)
	if err != nil {
		t.Fatal(err)
	}
	var eng, amh usecase.LanguageCost
	for _, l := range c.Languages {
		switch l.Language {
		case "eng":
			eng = l
		case "amh":
			amh = l
		}
	}
	if eng.Expected.UCS2 != 0 || amh.Expected.UCS2 != amh.Expected.Messages || amh.Expected.Segments <= eng.Expected.Segments {
		t.Errorf("eng %+v, amh %+v: want the Amharic path in UCS-2 and dearer", eng.Expected, amh.Expected)
	}
	if c.Expected.Language != "amh" {
		t.Errorf("the totals take %s, want the dearest language, amh", c.Expected.Language)
	}
}

func TestCoverage(t *testing.T) {
	t.Parallel()
	exp := compileExample(t, "malaria-stock")
	v := &usecase.Version{Export: mustMarshal(t, exp)}
	convs, err := usecase.DefaultConversations(v)
	if err != nil {
		t.Fatal(err)
	}
	var ts []usecase.Transcript
	for _, c := range convs {
		tr, err := usecase.Simulate(exp, c)
		if err != nil {
			t.Fatal(err)
		}
		ts = append(ts, tr)
	}
	cov := usecase.CoverageOf(&exp.Flows[0], ts)
	var untried []string
	for _, b := range cov.Untried() {
		untried = append(untried, b.String())
	}
	// The three default conversations answer yes, never answer, and never
	// fit: "No" on the first question was never tried, nor the reasons
	// asked after it.
	for _, want := range []string{"act_in_stock → No", "act_stockout_reason → Not delivered"} {
		if !slices.Contains(untried, want) {
			t.Errorf("untried lacks %q:\n%s", want, strings.Join(untried, "\n"))
		}
	}
	for _, tried := range []string{"act_in_stock → Yes", "act_in_stock → No Response", "act_in_stock, retry 2 → Other"} {
		if slices.Contains(untried, tried) {
			t.Errorf("%q was tried, yet listed untried", tried)
		}
	}
	if cov.CategoriesTried() == 0 || cov.CategoriesTried() >= len(cov.Categories) {
		t.Errorf("coverage %s", cov)
	}
	// Adding the No path covers it.
	tr, err := usecase.Simulate(exp, usecase.Conversation{Inputs: []sim.Input{{Text: "no"}, {Text: "1"}, {Text: "yes"}, {Text: "40"}}})
	if err != nil {
		t.Fatal(err)
	}
	cov2 := usecase.CoverageOf(&exp.Flows[0], append(ts, tr))
	if cov2.CategoriesTried() <= cov.CategoriesTried() {
		t.Errorf("coverage did not grow: %s then %s", cov, cov2)
	}
}

func mustMarshal(t testing.TB, e *flow.Export) []byte {
	t.Helper()
	data, err := flow.MarshalExport(e)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestDefaultConversationsWithoutTimeouts plays the default conversations
// on a workflow whose questions wait without a timeout: the silent worker
// leaves the run waiting, as RapidPro does until it expires.
func TestDefaultConversationsWithoutTimeouts(t *testing.T) {
	t.Parallel()
	exp := compileExample(t, "training-needs")
	convs, err := usecase.DefaultConversations(&usecase.Version{Export: mustMarshal(t, exp)})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range convs {
		tr, err := usecase.Simulate(exp, c)
		if err != nil {
			t.Fatalf("%s: %v", c.Name, err)
		}
		if c.Name == "never answers" && tr.Status != "waiting" {
			t.Errorf("%s: %s, want the run left waiting", c.Name, tr.Status)
		}
	}
}
