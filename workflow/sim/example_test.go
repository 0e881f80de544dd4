package sim_test

import (
	"fmt"
	"time"

	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

// stockFlow asks one question with a No Response timeout, then thanks the
// contact using the answer.
const stockFlow = `{
  "uuid": "7c3e1a52-1b7e-4b8a-9a38-0f3d2f1c9e01", "name": "Stock check",
  "spec_version": "13.0.0", "language": "eng", "type": "messaging",
  "localization": {"fra": {"a1d6c7b2-4c1e-4a3f-8e6d-1b2c3d4e5f60": {"text": ["Bonjour @contact.first_name, combien de boîtes d'ACT avez-vous ?"]}}},
  "nodes": [
    {"uuid": "0f8d6a1e-2c3b-4d5e-8f90-a1b2c3d4e5f6",
     "actions": [{"uuid": "a1d6c7b2-4c1e-4a3f-8e6d-1b2c3d4e5f60", "type": "send_msg", "text": "Hello @contact.first_name, how many boxes of ACTs do you have?"}],
     "exits": [{"uuid": "5b0e9c1d-7a2f-4e3b-9c8d-0e1f2a3b4c5d", "destination_uuid": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"}]},
    {"uuid": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b",
     "router": {"type": "switch", "operand": "@input.text", "result_name": "ACT Boxes",
       "wait": {"type": "msg", "timeout": {"seconds": 3600, "category_uuid": "c3c3c3c3-0000-4000-8000-000000000003"}},
       "cases": [{"uuid": "d1d1d1d1-0000-4000-8000-000000000001", "type": "has_number_between", "arguments": ["0", "1000"], "category_uuid": "c1c1c1c1-0000-4000-8000-000000000001"}],
       "categories": [
         {"uuid": "c1c1c1c1-0000-4000-8000-000000000001", "name": "Valid", "exit_uuid": "e1e1e1e1-0000-4000-8000-000000000001"},
         {"uuid": "c2c2c2c2-0000-4000-8000-000000000002", "name": "Other", "exit_uuid": "e2e2e2e2-0000-4000-8000-000000000002"},
         {"uuid": "c3c3c3c3-0000-4000-8000-000000000003", "name": "No Response", "exit_uuid": "e3e3e3e3-0000-4000-8000-000000000003"}],
       "default_category_uuid": "c2c2c2c2-0000-4000-8000-000000000002"},
     "exits": [
       {"uuid": "e1e1e1e1-0000-4000-8000-000000000001", "destination_uuid": "4a4a4a4a-0000-4000-8000-000000000004"},
       {"uuid": "e2e2e2e2-0000-4000-8000-000000000002", "destination_uuid": "9e8d7c6b-5a4f-4e3d-8c2b-1a0f9e8d7c6b"},
       {"uuid": "e3e3e3e3-0000-4000-8000-000000000003"}]},
    {"uuid": "4a4a4a4a-0000-4000-8000-000000000004",
     "actions": [{"uuid": "b2b2b2b2-0000-4000-8000-000000000002", "type": "send_msg", "text": "Thanks, we recorded @results.act_boxes boxes (@(upper(results.act_boxes.category)))."}],
     "exits": [{"uuid": "f4f4f4f4-0000-4000-8000-000000000004"}]}
  ]}`

func Example() {
	def, err := flow.ParseFlow([]byte(stockFlow))
	if err != nil {
		panic(err)
	}
	s, err := sim.NewFlow(def,
		sim.WithContact(sim.Contact{Name: "Aminata Kamara", URN: "tel:+23276000001", Language: "fra"}),
		sim.WithClock(func() time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC) }))
	if err != nil {
		panic(err)
	}
	if err := s.Start(); err != nil {
		panic(err)
	}
	for _, reply := range []string{"plenty", "about 25 boxes"} {
		if err := s.Resume(reply); err != nil {
			panic(err)
		}
	}
	out := s.Outcome()
	for _, m := range out.Messages {
		fmt.Printf("[%s] %s\n", m.Language, m.Text)
	}
	r := out.Results["act_boxes"]
	fmt.Printf("%s = %s (%s), status %s\n", r.Key, r.Value, r.Category, out.Status)
	// Output:
	// [fra] Bonjour Aminata, combien de boîtes d'ACT avez-vous ?
	// [eng] Thanks, we recorded 25 boxes (VALID).
	// act_boxes = 25 (Valid), status completed
}

func ExampleSim_Timeout() {
	def, err := flow.ParseFlow([]byte(stockFlow))
	if err != nil {
		panic(err)
	}
	s, err := sim.NewFlow(def, sim.WithClock(func() time.Time { return time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC) }))
	if err != nil {
		panic(err)
	}
	if err := s.Start(); err != nil {
		panic(err)
	}
	if err := s.Timeout(); err != nil {
		panic(err)
	}
	r := s.Outcome().Results["act_boxes"]
	fmt.Println(r.Category, r.Value, s.Status())
	// Output:
	// No Response 2026-03-01T10:00:00.000000Z completed
}
