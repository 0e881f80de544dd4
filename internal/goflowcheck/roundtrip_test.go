package goflowcheck_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/internal/goflowcheck"
	"github.com/mhero-go/mhero/workflow/flow"
)

// TestFlowRoundTrip checks that workflow/flow writes back exports goflow
// sees exactly as it sees the originals: the same verdict for every flow
// and the same transcript for every scripted conversation.
func TestFlowRoundTrip(t *testing.T) {
	dir := fixtures.Dir(t, "fixtures", "flows")
	rewritten := map[string][]byte{}
	for file := range fixtureVerdicts {
		data, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		e, err := flow.ParseExport(data)
		if err != nil {
			t.Errorf("%s: flow.ParseExport: %v", file, err)
			continue
		}
		out, err := flow.MarshalExport(e)
		if err != nil {
			t.Errorf("%s: flow.MarshalExport: %v", file, err)
			continue
		}
		rewritten[file] = out
		before, err := goflowcheck.Inspect(data)
		if err != nil {
			t.Fatal(err)
		}
		after, err := goflowcheck.Inspect(out)
		if err != nil {
			t.Errorf("%s: goflow cannot read the rewritten export: %v", file, err)
			continue
		}
		if d := cmp.Diff(summarize(before), summarize(after)); d != "" {
			t.Errorf("%s: goflow's verdict changed after the round trip (-original +rewritten):\n%s", file, d)
		}
	}
	for _, c := range fixtureConversations {
		data, ok := rewritten[c.file]
		if !ok {
			continue
		}
		orig := runGoflow(t, filepath.Join(dir, c.file), c)
		got, err := goflowcheck.Run(data, c.flow, c.contact, c.steps)
		if err != nil {
			t.Errorf("%s: rewritten export: %v", c.name, err)
			continue
		}
		if d := cmp.Diff(orig, got); d != "" {
			t.Errorf("%s: transcript changed after the round trip (-original +rewritten):\n%s", c.name, d)
		}
	}
}

// summarize keeps what matters of goflow's verdicts, comparably.
func summarize(checks []goflowcheck.FlowCheck) map[string][]string {
	m := map[string][]string{}
	for _, c := range checks {
		var s []string
		if c.Err != nil {
			s = append(s, "error: "+c.Err.Error())
		}
		for _, is := range c.Issues {
			s = append(s, is.String())
		}
		for _, r := range c.Results {
			s = append(s, "result "+r.Key)
		}
		m[c.Name] = s
	}
	return m
}
