package goflowcheck_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/internal/goflowcheck"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/decompile"
	"github.com/mhero-go/mhero/workflow/flow"
)

// decompileConversations add, to the fixture conversations, ways through
// the fixture flows that fit the workflow format that those leave out.
var decompileConversations = []conversation{
	{"poll/nay", "sample_flows.json", "Sample Flow - Simple Poll", fatu, steps(reply("Nay"))},
	{"poll/retries-then-no", "sample_flows.json", "Sample Flow - Simple Poll", fatu, steps(reply("dunno"), reply("what?"), reply("N"))},
	{"poll/waiting", "sample_flows.json", "Sample Flow - Simple Poll", musu, steps(reply("si"))},
	{"rating/zero", "rating_10.json", "", fatu, steps(reply("0"))},
	{"rating/waiting", "rating_10.json", "", aminata, steps(reply("bof"))},
	{"rating/decimal", "rating_10.json", "", fatu, steps(reply("7.5 out of 10"))},
	{"rating/negative", "rating_10.json", "", fatu, steps(reply("-3"))},
	{"rating/thousands", "rating_10.json", "", fatu, steps(reply("1,000"))},
	{"rating/words-then-number", "rating_10.json", "", musu, steps(reply("ten"), reply("diez"), reply("10"))},
	{"poll/yes-and-no", "sample_flows.json", "Sample Flow - Simple Poll", fatu, steps(reply("yes and no"))},
	{"poll/punctuation", "sample_flows.json", "Sample Flow - Simple Poll", aminata, steps(reply("...YA!!!"))},
}

// fittingFixtureFlows are the fixture flows the workflow format expresses
// (workflow/decompile/testdata/fixtures.golden says why the others are
// not), as "file|flow name".
var fittingFixtureFlows = []string{
	"rating_10.json|Rate us",
	"sample_flows.json|Sample Flow - Simple Poll",
}

// TestDecompiledFixturesAgree decompiles every flow of the fixture
// exports, recompiles those that fit the workflow format, and plays the
// scripted conversations with each through goflow, both as exported from
// RapidPro and as recompiled: the messages, the results (key, value and
// category; the name compared by key, as a workflow's result names are
// snakified), the errors and the final status must be the same.
func TestDecompiledFixturesAgree(t *testing.T) {
	dir := fixtures.Dir(t, "fixtures", "flows")
	recompiled := map[string][]byte{}
	firstFlow := map[string]string{}
	for file := range fixtureVerdicts {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		e, err := flow.ParseExport(data)
		if err != nil {
			t.Fatal(err)
		}
		firstFlow[file] = e.Flows[0].Name
		rs, err := decompile.DecompileAll(e)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, r := range rs {
			if r.Err() != nil {
				continue
			}
			ce, err := workflow.Compile(r.Workflow)
			if err != nil {
				t.Fatalf("%s %q: %v", file, r.Flow.Name, err)
			}
			out, err := flow.MarshalExport(ce)
			if err != nil {
				t.Fatal(err)
			}
			recompiled[file+"|"+r.Flow.Name] = out
		}
	}
	if got := slices.Sorted(func(yield func(string) bool) {
		for k := range recompiled {
			if !yield(k) {
				return
			}
		}
	}); !slices.Equal(got, fittingFixtureFlows) {
		t.Errorf("the fixture flows that fit are %q, want %q", got, fittingFixtureFlows)
	}
	played := 0
	for _, c := range slices.Concat(fixtureConversations, decompileConversations) {
		name := c.flow
		if name == "" {
			name = firstFlow[c.file]
		}
		data, ok := recompiled[c.file+"|"+name]
		if !ok {
			continue
		}
		orig := runGoflow(t, filepath.Join(dir, c.file), c)
		got, err := goflowcheck.Run(data, "", c.contact, c.steps)
		if err != nil {
			t.Errorf("%s: recompiled: %v", c.name, err)
			continue
		}
		if orig == nil {
			continue
		}
		if d := cmp.Diff(comparable(orig), comparable(got)); d != "" {
			t.Errorf("%s: the recompiled workflow differs from the flow in goflow (-flow +workflow):\n%s", c.name, d)
		}
		played++
	}
	if played < 15 {
		t.Errorf("only %d conversations played with decompiled flows", played)
	}
}

// editorFlows holds flows written for the decompiler's tests in the shape
// RapidPro's editor saves them: answers routed to later questions or to
// the end, a split by flow result, retries, a timeout, a group, a field.
const editorFlows = "../../workflow/decompile/testdata/editor.json"

var editorConversations = []conversation{
	{"facility/open-small", editorFlows, "Facility check (editor)", fatu, steps(reply("yes"), reply("2"), reply("0886 123 456"), reply("we need gloves"))},
	{"facility/open-large", editorFlows, "Facility check (editor)", fatu, steps(reply("Y"), reply("12 staff"), reply("nothing"))},
	{"facility/closed", editorFlows, "Facility check (editor)", fatu, steps(reply("no, strike"))},
	{"facility/no-reply", editorFlows, "Facility check (editor)", fatu, steps(timeout())},
	{"facility/retries", editorFlows, "Facility check (editor)", fatu, steps(reply("maybe"), reply("?"), reply("yes"), reply("many"), reply("lots"), reply("ok"))},
	{"facility/staff-retry-then-number", editorFlows, "Facility check (editor)", fatu, steps(reply("yes"), reply("two"), reply("1"), reply("not a phone"), reply("0770123456"))},
	{"facility/french-oui", editorFlows, "Facility check (editor)", aminata, steps(reply("oui"), reply("250"), reply("3"), reply("rien"))},
	{"facility/french-non", editorFlows, "Facility check (editor)", aminata, steps(reply("Non"))},
	{"facility/english-says-oui", editorFlows, "Facility check (editor)", fatu, steps(reply("oui"), reply("0"), reply("+231 77 000 0002"), reply("ok"))},
	{"facility/waiting", editorFlows, "Facility check (editor)", fatu, steps(reply("yes"))},
	{"training/nurse", editorFlows, "Training (editor)", fatu, steps(reply("1"), reply("12-05-2025"), reply("IMCI refresher"))},
	{"training/midwife-timeout", editorFlows, "Training (editor)", fatu, steps(reply("midwife"), timeout(), reply("EmONC"))},
	{"training/clinical-officer", editorFlows, "Training (editor)", fatu, steps(reply("I am a clinical officer"), reply("ultrasound"))},
	{"training/retry-chain", editorFlows, "Training (editor)", fatu, steps(reply("doctor"), reply("surgeon"), reply(""), reply("leadership"))},
	{"training/date-other", editorFlows, "Training (editor)", fatu, steps(reply("2"), reply("last year"), reply("none"))},
}

// TestDecompiledEditorFlowsAgree does for the editor-style flows what
// TestDecompiledFixturesAgree does for the fixtures: every flow fits, and
// each conversation plays the same in goflow before and after.
func TestDecompiledEditorFlowsAgree(t *testing.T) {
	data, err := os.ReadFile(editorFlows)
	if err != nil {
		t.Fatal(err)
	}
	e, err := flow.ParseExport(data)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := decompile.DecompileAll(e)
	if err != nil {
		t.Fatal(err)
	}
	recompiled := map[string][]byte{}
	for _, r := range rs {
		if err := r.Err(); err != nil {
			t.Fatalf("flow %q does not fit: %v", r.Flow.Name, err)
		}
		ce, err := workflow.Compile(r.Workflow)
		if err != nil {
			t.Fatal(err)
		}
		if recompiled[r.Flow.Name], err = flow.MarshalExport(ce); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range editorConversations {
		orig, err := goflowcheck.Run(data, c.flow, c.contact, c.steps)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		got, err := goflowcheck.Run(recompiled[c.flow], "", c.contact, c.steps)
		if err != nil {
			t.Errorf("%s: recompiled: %v", c.name, err)
			continue
		}
		if d := cmp.Diff(comparable(orig), comparable(got)); d != "" {
			t.Errorf("%s: the recompiled workflow differs from the flow in goflow (-flow +workflow):\n%s", c.name, d)
		}
	}
}

// comparable keeps what a conversation shows, with result names as keys.
func comparable(tr *goflowcheck.Transcript) goflowcheck.Transcript {
	c := *tr
	c.Results = map[string]goflowcheck.Result{}
	for k, r := range tr.Results {
		r.Name = flow.Snakify(r.Name)
		c.Results[k] = r
	}
	return c
}
