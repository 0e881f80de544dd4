package goflowcheck_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/internal/goflowcheck"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata")

// conversation is a scripted conversation with one flow of an export.
type conversation struct {
	name    string
	file    string // export file in the shared fixtures' flows folder
	flow    string // flow name or UUID; empty for the first flow
	contact goflowcheck.Contact
	steps   []goflowcheck.Step
}

var (
	reply   = goflowcheck.Reply
	timeout = goflowcheck.Timeout
	fatu    = goflowcheck.Contact{Name: "Fatu Kamara"}
	musu    = goflowcheck.Contact{Name: "Musu Doe", Language: "spa"}
	aminata = goflowcheck.Contact{Name: "Aminata Sesay", Language: "fra"}
)

func steps(s ...goflowcheck.Step) []goflowcheck.Step { return s }

// fixtureConversations run the real RapidPro exports through the features
// the simulator supports (no webhooks, broadcasts or subflows).
var fixtureConversations = []conversation{
	{"favorites/red-primus", "favorites_v13.json", "", fatu, steps(reply("red"), reply("primus"), reply("Fatu"))},
	{"favorites/navy-is-blue", "favorites_v13.json", "", fatu, steps(reply("I like NAVY."), reply("Skol please"), reply("F. Kamara"))},
	{"favorites/retry-color-and-beer", "favorites_v13.json", "", fatu, steps(reply("purple"), reply("green"), reply("heineken"), reply("turbo"), reply("Fatu"))},
	{"favorites/cyan-ends", "favorites_v13.json", "", fatu, steps(reply("cyan"))},
	{"favorites/spanish", "favorites_v13.json", "", musu, steps(reply("rojo"), reply("red"), reply("mutzig"), reply("Musu"))},
	{"favorites/waiting", "favorites_v13.json", "", fatu, steps(reply("blue"))},
	{"favorites/spanish-timeout-free", "favorites_v13.json", "", musu, steps(reply("verde"), reply("GREEN"), reply("Primus!"), reply("M"))},
	{"favorites/punctuation", "favorites_v13.json", "", fatu, steps(reply("...blue..."), reply("primus,mutzig"), reply("  Fatu  "))},
	{"favorites/first-match-wins", "favorites_v13.json", "", fatu, steps(reply("green or red"), reply("king"), reply("x"))},
	{"colors/orange", "color_v13.json", "", fatu, steps(reply("Orange!"))},
	{"colors/blue", "color_v13.json", "", aminata, steps(reply("blue sky"))},
	{"colors/unknown", "color_v13.json", "", fatu, steps(reply("green"))},
	{"rating/number", "rating_10.json", "", fatu, steps(reply("8"))},
	{"rating/retry", "rating_10.json", "", fatu, steps(reply("great"), reply("I give it 7.5"))},
	{"rating/words", "rating_10.json", "", fatu, steps(reply("nine"), reply("9/10"))},
	{"poll/yes", "sample_flows.json", "Sample Flow - Simple Poll", fatu, steps(reply("Yes"))},
	{"poll/nope", "sample_flows.json", "Sample Flow - Simple Poll", fatu, steps(reply("nope, broken"))},
	{"poll/retry", "sample_flows.json", "Sample Flow - Simple Poll", fatu, steps(reply("maybe"), reply("y"))},
	{"survey/declines", "sample_flows.json", "Sample Flow - Satisfaction Survey", fatu, steps(reply("no thanks"), reply("busy today"))},
	{"survey/unsatisfied", "sample_flows.json", "Sample Flow - Satisfaction Survey", fatu, steps(reply("ok"), reply("2"), reply("1"), reply("cheaper prices"), reply("woman"))},
	{"survey/satisfied-retries", "sample_flows.json", "Sample Flow - Satisfaction Survey", fatu, steps(reply("yes sure"), reply("seven"), reply("5"), reply("4"), reply("nothing"), reply("?"), reply("male"))},
	{"order-status/start", "sample_flows.json", "Sample Flow - Order Status Checker", fatu, nil},
	{"order-status/webhook", "sample_flows.json", "Sample Flow - Order Status Checker", fatu, steps(reply("CU001"))},
	{"survey/age-webhook", "sample_flows.json", "Sample Flow - Satisfaction Survey", fatu, steps(reply("yep"), reply("5"), reply("3"), reply("longer hours"), reply("guy"), reply("I am 130"), reply("34"))},
	{"cataclysm/not-a-fan", "cataclysm.json", "Cataclysmic", fatu, nil},
	{"catastrophe/groups", "cataclysm.json", "Catastrophe", fatu, nil},
	{"background/runs-through", "background.json", "", fatu, nil},
	{"child-flow/green", "dependencies_v13.json", "Child Flow", fatu, steps(reply("green"))},
	{"child-flow/retry", "dependencies_v13.json", "Child Flow", aminata, steps(reply("rouge"), reply("RED"))},
}

// golden is the transcript stored for a conversation.
type golden struct {
	Messages []string                      `json:"messages"`
	Results  map[string]goflowcheck.Result `json:"results"`
	Status   string                        `json:"status"`
	Errors   []string                      `json:"errors,omitempty"`
}

// TestGoflowConversations runs every scripted fixture conversation through
// goflow and compares the transcripts with testdata/fixture_transcripts.json
// (go test -update rewrites it), so that a change in what goflow does, or
// in how the harness drives it, shows up as a diff.
func TestGoflowConversations(t *testing.T) {
	dir := fixtures.Dir(t, "fixtures", "flows")
	got := map[string]golden{}
	for _, c := range fixtureConversations {
		tr := runGoflow(t, filepath.Join(dir, c.file), c)
		if tr == nil {
			continue
		}
		got[c.name] = golden{tr.Messages, tr.Results, tr.Status, tr.Errors}
	}
	checkGolden(t, filepath.Join("testdata", "fixture_transcripts.json"), got)
}

func runGoflow(t *testing.T, file string, c conversation) *goflowcheck.Transcript {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := goflowcheck.Run(data, c.flow, c.contact, c.steps)
	if err != nil {
		t.Errorf("%s: %v", c.name, err)
		return nil
	}
	return tr
}

func checkGolden(t *testing.T, path string, got map[string]golden) {
	t.Helper()
	data, err := json.MarshalIndent(got, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	data = append(data, '\n')
	if *update {
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(want, data) {
		var w map[string]golden
		if err := json.Unmarshal(want, &w); err != nil {
			t.Fatal(err)
		}
		t.Errorf("transcripts differ from %s (-want +got):\n%s", path, cmp.Diff(w, got))
	}
}
