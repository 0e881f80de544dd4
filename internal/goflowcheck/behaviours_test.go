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

// webhookExport is a hand-written export calling a stock service (GET with
// a templated URL, then a POST with a templated JSON body) and using its
// answer through @webhook and the webhook results.
const webhookExport = "testdata/stock_lookup.json"

// webhookAnswer answers a flow's webhook calls, like an HTTP service.
type webhookAnswer func(method, url, body string) (status int, respBody string)

// stockService answers the stock lookup with a facility, and reports with
// an id.
func stockService(method, url, body string) (int, string) {
	if method == "POST" {
		return 201, `{"id": "R-1029", "received": true}`
	}
	return 200, `{"facility": "Phebe Hospital", "stock": {"act": 40, "rdt": 120}}`
}

var stockContact = goflowcheck.Contact{Name: "Musa Kollie", Fields: map[string]string{"district": "Bong"}}

var webhookConversations = []conversation{
	{"webhook/success", webhookExport, "", stockContact, steps(reply("yes"))},
	{"webhook/server-error", webhookExport, "", stockContact, steps(reply("30"))},
	{"webhook/connection-failure", webhookExport, "", fatu, steps(reply("no"))},
	{"webhook/not-json", webhookExport, "", fatu, steps(reply("ok"))},
	{"webhook/order-status-invalid-url", "sample_flows.json", "Sample Flow - Order Status Checker", fatu, steps(reply("CU001"), reply("late"))},
	{"webhook/survey-invalid-url", "sample_flows.json", "Sample Flow - Satisfaction Survey", fatu, steps(reply("yes"), reply("4"), reply("4"), reply("none"), reply("female"), reply("40"))},
}

// webhookAnswers gives each webhook conversation its service's behaviour.
var webhookAnswers = map[string]webhookAnswer{
	"webhook/success":                  stockService,
	"webhook/server-error":             func(string, string, string) (int, string) { return 500, `{"error": "database down"}` },
	"webhook/connection-failure":       func(string, string, string) (int, string) { return 0, "" },
	"webhook/not-json":                 func(string, string, string) (int, string) { return 200, "OK" },
	"webhook/order-status-invalid-url": stockService,
	"webhook/survey-invalid-url":       stockService,
}

func TestInspectBehaviours(t *testing.T) {
	for _, file := range []string{behavioursExport, webhookExport} {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		checks, err := goflowcheck.Inspect(data)
		if err != nil {
			t.Fatal(err)
		}
		if len(checks) == 0 {
			t.Fatalf("%s: goflow read no flow", file)
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
}
