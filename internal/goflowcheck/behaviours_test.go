package goflowcheck_test

import (
	"os"
	"testing"

	"github.com/mhero-go/mhero/internal/goflowcheck"
)

// behavioursExport is a hand-written export exercising what the fixtures
// and compiled workflows don't: contact field, name, language and group
// actions, set_run_result, quick replies, localized case arguments and
// category names, has_category and has_group splits, and a subflow whose
// results the parent reads (@child, @parent).
const behavioursExport = "testdata/facility_roles.json"

var behaviourConversations = []conversation{
	{"roles/in-charge", behavioursExport, "", fatu, steps(reply("yes"), reply("12"))},
	{"roles/not-in-charge-switches-to-french", behavioursExport, "", fatu, steps(reply("no"), reply("7"))},
	{"roles/french-contact", behavioursExport, "", aminata, steps(reply("Oui"), reply("beaucoup"))},
	{"roles/french-retry", behavioursExport, "", aminata, steps(reply("peut-être"), reply("non"), reply("3"))},
	{"roles/english-word-for-french-contact", behavioursExport, "", aminata, steps(reply("yes"), reply("4"))},
	{"roles/waiting-in-child", behavioursExport, "", fatu, steps(reply("y"))},
	{"roles/child-flow-alone", behavioursExport, "Staff count", fatu, steps(reply("12 staff"))},
}

func TestInspectBehaviours(t *testing.T) {
	data, err := os.ReadFile(behavioursExport)
	if err != nil {
		t.Fatal(err)
	}
	checks, err := goflowcheck.Inspect(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(checks) != 2 {
		t.Fatalf("goflow read %d flows, want 2", len(checks))
	}
	for _, c := range checks {
		if c.Err != nil {
			t.Errorf("%s: %v", c.Name, c.Err)
		}
		for _, is := range c.Issues {
			t.Errorf("%s: %s", c.Name, is)
		}
	}
}
