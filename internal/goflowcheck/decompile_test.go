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
