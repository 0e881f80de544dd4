package flow_test

import (
	"errors"
	"fmt"
	"os"

	"github.com/mhero-go/mhero/workflow/flow"
)

// A minimal export: one question with a wait, as RapidPro writes it.
const pollExport = `{
  "version": 13,
  "site": "https://app.rapidpro.io",
  "flows": [{
    "uuid": "3c5f2a9e-7d41-4b8e-9a0c-5e6f7a8b9c0d", "name": "Water filter poll",
    "spec_version": "13.1.0", "language": "eng", "type": "messaging", "revision": 3,
    "nodes": [
      {"uuid": "a1b2c3d4-0000-4000-8000-000000000001",
       "actions": [{"uuid": "a1b2c3d4-0000-4000-8000-0000000000a1", "type": "send_msg", "text": "Is your water filter working?", "quick_replies": []}],
       "exits": [{"uuid": "a1b2c3d4-0000-4000-8000-0000000000e1", "destination_uuid": "a1b2c3d4-0000-4000-8000-000000000002"}]},
      {"uuid": "a1b2c3d4-0000-4000-8000-000000000002",
       "router": {"type": "switch", "operand": "@input.text", "result_name": "Filter Working", "wait": {"type": "msg"},
         "cases": [{"uuid": "a1b2c3d4-0000-4000-8000-0000000000c1", "type": "has_any_word", "arguments": ["yes y"], "category_uuid": "a1b2c3d4-0000-4000-8000-0000000000f1"}],
         "categories": [
           {"uuid": "a1b2c3d4-0000-4000-8000-0000000000f1", "name": "Yes", "exit_uuid": "a1b2c3d4-0000-4000-8000-0000000000e2"},
           {"uuid": "a1b2c3d4-0000-4000-8000-0000000000f2", "name": "Other", "exit_uuid": "a1b2c3d4-0000-4000-8000-0000000000e3"}],
         "default_category_uuid": "a1b2c3d4-0000-4000-8000-0000000000f2"},
       "exits": [{"uuid": "a1b2c3d4-0000-4000-8000-0000000000e2", "destination_uuid": null},
                 {"uuid": "a1b2c3d4-0000-4000-8000-0000000000e3", "destination_uuid": null}]}
    ],
    "_ui": {"nodes": {}, "editor_zoom": 1}
  }]
}`

func Example() {
	exp, err := flow.ParseExport([]byte(pollExport))
	if err != nil {
		panic(err)
	}
	f := exp.Flows[0]
	fmt.Println(exp.Version, f.Name, f.SpecVersion)
	if msg, ok := f.Nodes[0].Actions[0].(*flow.SendMsg); ok {
		fmt.Println("asks:", msg.Text)
	}
	for _, r := range f.Results() {
		fmt.Printf("result %s (%s): %q %v\n", r.Key, r.Name, r.Question, r.Categories)
	}

	// Writing back keeps the numeric version, the null destinations, the
	// empty quick replies and the unknown "editor_zoom".
	out, err := flow.MarshalExport(exp)
	if err != nil {
		panic(err)
	}
	again, _ := flow.ParseExport(out)
	fmt.Println(again.Version.Number, string(again.Flows[0].UI.Extra["editor_zoom"]))
	// Output:
	// 13 Water filter poll 13.1.0
	// asks: Is your water filter working?
	// result filter_working (Filter Working): "Is your water filter working?" [Yes Other]
	// true 1
}

func ExampleParseExport_error() {
	_, err := flow.ParseExport([]byte("{\n  \"version\": \"13\",\n  \"flows\": [{\"uuid\": 42}]\n}"))
	fmt.Println(err)
	var fe *flow.Error
	if errors.As(err, &fe) {
		fmt.Println("line", fe.Line, "column", fe.Column)
	}
	// Output:
	// 3:22: flows[0].uuid: got a number, want a string
	// line 3 column 22
}

// ExampleMarshalExport shows the stable, indented output the compiler
// relies on for byte-identical exports.
func ExampleMarshalExport() {
	exp := &flow.Export{
		Version: flow.Version{Text: flow.CurrentExportVersion},
		Fields:  []flow.Field{{Key: "act_stock", Name: "ACT Stock", Type: flow.FieldNumber}},
	}
	out, err := flow.MarshalExport(exp)
	if err != nil {
		panic(err)
	}
	os.Stdout.Write(out)
	// Output:
	// {
	//   "version": "13",
	//   "fields": [
	//     {
	//       "key": "act_stock",
	//       "name": "ACT Stock",
	//       "type": "number"
	//     }
	//   ]
	// }
}
