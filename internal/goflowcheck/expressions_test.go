package goflowcheck_test

import "github.com/mhero-go/mhero/internal/goflowcheck"

// expressionsWorkflow is a workflow whose messages compute with the
// answers and the contact's fields: arithmetic, text, logic, date and
// number formatting functions, results and fields in every message, in
// English and French. It is compiled by workflow.Compile.
const expressionsWorkflow = "testdata/expressions.yaml"

var (
	ama = goflowcheck.Contact{Name: "ama boateng", Fields: map[string]string{
		"age": "34", "district": "bong county", "weight": "61.5", "last_stock": "120"}}
	amaFrench = goflowcheck.Contact{Name: "ama boateng", Language: "fra", Fields: ama.Fields}
	// kwame has no fields: the expressions reading them fail, and both
	// engines must log the same errors.
	kwame = goflowcheck.Contact{Name: "Kwame"}
	// eric's number is Rwandan: goflow reads local phone numbers, and
	// picks names of days and months, in the contact's country.
	eric = goflowcheck.Contact{Name: "Eric Habimana", URN: "tel:+250788000111", Language: "fra"}
)

// expressionConversations play the expressions workflow: each message
// the simulator renders must be goflow's, character for character.
var expressionConversations = []conversation{
	{"expressions/plenty", expressionsWorkflow, "", ama, steps(reply("1200"), reply("15-06-2026"), reply("All good, stock is fine"))},
	{"expressions/few-not-delivered", expressionsWorkflow, "", ama, steps(reply("I have 250 doses"), reply("01/03/2026"), reply("1"), reply("Delivery late, stock low"))},
	{"expressions/retry-then-other-reason", expressionsWorkflow, "", ama, steps(reply("lots"), reply("42.5"), reply("2026-02-01"), reply("  the truck broke   down "), reply("x"))},
	{"expressions/retries-run-out", expressionsWorkflow, "", ama, steps(reply("many"), reply("plenty"), reply("3"), reply("A comment that is longer than twenty characters"))},
	{"expressions/no-response", expressionsWorkflow, "", ama, steps(timeout(), reply("stolen"), reply("ok"))},
	{"expressions/french", expressionsWorkflow, "", amaFrench, steps(reply("beaucoup"), reply("800"), reply("1-4-2026"), reply("2"), reply("Rien à signaler"))},
	{"expressions/zero-without-fields", expressionsWorkflow, "", kwame, steps(reply("0"), reply("stolen"), reply("none"))},
	{"expressions/rwandan-contact", expressionsWorkflow, "", eric, steps(reply("150"), reply("02-02-2027"), reply("1"), reply("Merci"))},
	{"expressions/over-the-maximum", expressionsWorkflow, "", kwame, steps(reply("9000"), reply("5000"), reply("31-12-2026"), reply("Stock"))},
}

// countryConversations check what depends on the contact's country.
var countryConversations = []conversation{
	{"outbreak/rwandan-local-phone", "outbreak-staff.yaml", "", eric, steps(reply("oui"), reply("15-03-2026"), reply("14"), reply("oui"), reply("0788 123 456"))},
}
