package goflowcheck_test

import (
	"fmt"

	"github.com/mhero-go/mhero/internal/goflowcheck"
)

// A one-question flow: ask for a number of RDT kits, thank or re-ask.
const rdtExport = `{
  "version": "13",
  "flows": [{
    "uuid": "6b1f5a6e-2f0b-4f4e-9a55-7d1c0b8e9f10", "name": "RDT stock",
    "spec_version": "13.0.0", "language": "eng", "type": "messaging",
    "localization": {"fra": {"a1b2c3d4-0000-4000-8000-000000000001": {"text": ["Combien de TDR avez-vous, @contact.first_name ?"]}}},
    "nodes": [
      {"uuid": "a1b2c3d4-0000-4000-8000-000000000010",
       "actions": [{"uuid": "a1b2c3d4-0000-4000-8000-000000000001", "type": "send_msg", "text": "How many RDT kits do you have, @contact.first_name?"}],
       "exits": [{"uuid": "a1b2c3d4-0000-4000-8000-000000000011", "destination_uuid": "a1b2c3d4-0000-4000-8000-000000000020"}]},
      {"uuid": "a1b2c3d4-0000-4000-8000-000000000020",
       "router": {"type": "switch", "operand": "@input.text", "result_name": "RDT Kits",
         "wait": {"type": "msg", "timeout": {"seconds": 3600, "category_uuid": "a1b2c3d4-0000-4000-8000-000000000033"}},
         "cases": [{"uuid": "a1b2c3d4-0000-4000-8000-000000000040", "type": "has_number_between", "arguments": ["0", "1000"], "category_uuid": "a1b2c3d4-0000-4000-8000-000000000031"}],
         "categories": [
           {"uuid": "a1b2c3d4-0000-4000-8000-000000000031", "name": "Valid", "exit_uuid": "a1b2c3d4-0000-4000-8000-000000000021"},
           {"uuid": "a1b2c3d4-0000-4000-8000-000000000032", "name": "Other", "exit_uuid": "a1b2c3d4-0000-4000-8000-000000000022"},
           {"uuid": "a1b2c3d4-0000-4000-8000-000000000033", "name": "No Response", "exit_uuid": "a1b2c3d4-0000-4000-8000-000000000023"}],
         "default_category_uuid": "a1b2c3d4-0000-4000-8000-000000000032"},
       "exits": [
         {"uuid": "a1b2c3d4-0000-4000-8000-000000000021", "destination_uuid": "a1b2c3d4-0000-4000-8000-000000000050"},
         {"uuid": "a1b2c3d4-0000-4000-8000-000000000022", "destination_uuid": "a1b2c3d4-0000-4000-8000-000000000010"},
         {"uuid": "a1b2c3d4-0000-4000-8000-000000000023"}]},
      {"uuid": "a1b2c3d4-0000-4000-8000-000000000050",
       "actions": [{"uuid": "a1b2c3d4-0000-4000-8000-000000000051", "type": "send_msg", "text": "Thank you, @results.rdt_kits kits recorded."}],
       "exits": [{"uuid": "a1b2c3d4-0000-4000-8000-000000000052"}]}
    ]
  }]
}`

func ExampleRun() {
	contact := goflowcheck.Contact{Name: "Fatu Kamara", Language: "fra"}
	steps := []goflowcheck.Step{goflowcheck.Reply("a few"), goflowcheck.Reply("I have 40 left")}
	t, err := goflowcheck.Run([]byte(rdtExport), "RDT stock", contact, steps)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, m := range t.Messages {
		fmt.Println(m)
	}
	r := t.Results["rdt_kits"]
	fmt.Printf("%s = %s (%s), %s\n", r.Name, r.Value, r.Category, t.Status)
	// Output:
	// Combien de TDR avez-vous, Fatu ?
	// Combien de TDR avez-vous, Fatu ?
	// Thank you, 40 kits recorded.
	// RDT Kits = 40 (Valid), completed
}

func ExampleInspect() {
	checks, err := goflowcheck.Inspect([]byte(rdtExport))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, c := range checks {
		fmt.Println(c.Name, c.Err, len(c.Issues), "issues")
		for _, r := range c.Results {
			fmt.Println(r.Key, r.Categories)
		}
	}
	// Output:
	// RDT stock <nil> 0 issues
	// rdt_kits [Valid Other No Response]
}
