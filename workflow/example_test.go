package workflow_test

import (
	"fmt"
	"os"
	"time"

	"github.com/mhero-go/mhero/workflow"
)

// Parse reports every problem of a workflow at once, each with its
// file:line:column and field.
func ExampleParse() {
	src := `workflow: Malaria stock check
key: malaria-stock
language: eng
keyword: STOCK CHECK
questions:
  - result: act_in_stock
    ask: "Do you have ACTs in stock? Reply YES or NO"
    type: yes_no
    max_retry: 2
  - result: weeks_left
    ask: "How many weeks of stock remain?"
    type: number
    min: 52
    max: 0
    when: act_in_stok == yes
`
	_, err := workflow.Parse("stock.yaml", []byte(src))
	fmt.Println(err)
	// Output:
	// stock.yaml:4:10: keyword: keyword "STOCK CHECK" must be one word of at most 16 letters or digits
	// stock.yaml:9:5: questions[0].max_retry: unknown field "max_retry" (did you mean "max_retries"?)
	// stock.yaml:13:10: questions[1].min: min 52 is greater than max 0
	// stock.yaml:15:11: questions[1].when: unknown result "act_in_stok" (did you mean "act_in_stock"?)
}

// A workflow built in Go compiles to the same RapidPro export as its YAML.
func ExampleNew() {
	w, err := workflow.New("Malaria stock check", "malaria-stock").
		Language("eng").
		Translations("fra").
		Keyword("STOCK").
		ExpireAfter(24*time.Hour).
		Question(
			workflow.YesNo("act_in_stock", workflow.T("Do you have ACTs in stock? Reply YES or NO").
				In("fra", "Avez-vous des CTA en stock ? Répondez OUI ou NON")).
				Retry(workflow.T("Please reply YES or NO").In("fra", "Répondez OUI ou NON"), 2).
				Timeout(12*time.Hour),
			workflow.OneOf("reason", workflow.T("Why? 1 Not delivered 2 Expired").In("fra", "Pourquoi ? 1 Non livré 2 Périmé"),
				workflow.Option("Not delivered", "1", "not delivered", "non livré").Named("fra", "Non livré"),
				workflow.Option("Expired", "2", "expired", "périmé").Named("fra", "Périmé"),
			).When("act_in_stock == no").SaveTo("stock_reason"),
		).
		Closing(workflow.T("Thank you.").In("fra", "Merci.")).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	export, err := workflow.Compile(w)
	if err != nil {
		fmt.Println(err)
		return
	}
	f := export.Flows[0]
	fmt.Println(f.Name, f.UUID, f.SpecVersion, f.ExpireAfterMinutes)
	for _, n := range f.Nodes {
		if r := n.Router; r != nil {
			var cats []string
			for _, c := range r.Categories {
				cats = append(cats, c.Name)
			}
			fmt.Printf("%s %s -> %v\n", r.ResultName, r.Operand, cats)
		}
	}
	fmt.Println("fields:", export.Fields[0].Key, export.Fields[0].Type)
	fmt.Println("keyword:", export.Triggers[0].Keywords[0])
	// Output:
	// Malaria stock check 2d7ab7f2-7dee-4ba6-b763-c6a208f150b9 13.0.0 1440
	// act_in_stock @input.text -> [Yes No Other No Response]
	// act_in_stock @input.text -> [Yes No Other No Response]
	// act_in_stock @input.text -> [Yes No Other No Response]
	//  @results.act_in_stock -> [No Other]
	// reason @input.text -> [Not delivered Expired Other]
	// fields: stock_reason text
	// keyword: stock
}

// Compile writes the export that RapidPro's Settings → Import accepts.
func ExampleWriteExport() {
	w, err := workflow.New("Quick check", "quick-check").
		Language("eng").
		Question(workflow.Number("staff", workflow.T("How many staff are at work today?")).Min(0)).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	export, err := workflow.Compile(w, workflow.WithSpecVersion(workflow.SpecVersion132))
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := workflow.WriteExport(os.Stdout, export); err != nil {
		fmt.Println(err)
	}
	// Output:
	// {
	//   "version": "13",
	//   "flows": [
	//     {
	//       "uuid": "504db380-7410-45b5-b580-2e72fbec03d4",
	//       "name": "Quick check",
	//       "spec_version": "13.2.0",
	//       "language": "eng",
	//       "type": "messaging",
	//       "revision": 1,
	//       "expire_after_minutes": 10080,
	//       "localization": {},
	//       "nodes": [
	//         {
	//           "uuid": "415e3edc-899e-4a2c-bb00-9a73dd25eba9",
	//           "actions": [
	//             {
	//               "uuid": "b7387590-3c0b-472b-9acc-9f00eb480194",
	//               "type": "send_msg",
	//               "text": "How many staff are at work today?"
	//             }
	//           ],
	//           "exits": [
	//             {
	//               "uuid": "f1a1eb27-3127-44fd-81a1-78b1db4055af",
	//               "destination_uuid": "a1b54b9d-8f77-412f-a08e-1ac46ddc787e"
	//             }
	//           ]
	//         },
	//         {
	//           "uuid": "a1b54b9d-8f77-412f-a08e-1ac46ddc787e",
	//           "router": {
	//             "type": "switch",
	//             "operand": "@input.text",
	//             "wait": {
	//               "type": "msg"
	//             },
	//             "cases": [
	//               {
	//                 "uuid": "acc69290-be71-4ef4-9642-abab3b6c4bf4",
	//                 "type": "has_number_gte",
	//                 "arguments": [
	//                   "0"
	//                 ],
	//                 "category_uuid": "86619d0c-c8d7-4167-a20b-32ba70cb6fcb"
	//               }
	//             ],
	//             "categories": [
	//               {
	//                 "uuid": "86619d0c-c8d7-4167-a20b-32ba70cb6fcb",
	//                 "name": "Has Number",
	//                 "exit_uuid": "22a12e7b-eeb0-458f-a3bf-e8b40dd0ded6"
	//               },
	//               {
	//                 "uuid": "30d3cc67-6824-454f-840c-5578fed9f0e1",
	//                 "name": "Other",
	//                 "exit_uuid": "a55533cb-08dd-4120-bccc-4cc4d2785451"
	//               }
	//             ],
	//             "default_category_uuid": "30d3cc67-6824-454f-840c-5578fed9f0e1",
	//             "result_name": "staff"
	//           },
	//           "exits": [
	//             {
	//               "uuid": "22a12e7b-eeb0-458f-a3bf-e8b40dd0ded6"
	//             },
	//             {
	//               "uuid": "a55533cb-08dd-4120-bccc-4cc4d2785451"
	//             }
	//           ]
	//         }
	//       ],
	//       "_ui": {
	//         "nodes": {
	//           "415e3edc-899e-4a2c-bb00-9a73dd25eba9": {
	//             "position": {
	//               "left": 0,
	//               "top": 0
	//             },
	//             "type": "execute_actions"
	//           },
	//           "a1b54b9d-8f77-412f-a08e-1ac46ddc787e": {
	//             "position": {
	//               "left": 0,
	//               "top": 160
	//             },
	//             "type": "wait_for_response",
	//             "config": {
	//               "cases": {}
	//             }
	//           }
	//         },
	//         "stickies": {}
	//       }
	//     }
	//   ],
	//   "campaigns": [],
	//   "triggers": [],
	//   "fields": [],
	//   "groups": []
	// }
}

// MarshalYAML writes a workflow, built in Go or read from another format,
// as the YAML a Data Manager reviews and keeps in git.
func ExampleMarshalYAML() {
	w, err := workflow.New("Stock-out reasons", "stockout-reasons").
		Language("eng").
		Question(
			workflow.YesNo("stock_out", workflow.T("Did you run out of ACTs? YES or NO")),
			workflow.OneOf("reason", workflow.T("Why?\n1 Not delivered\n2 Other"),
				workflow.Option("Not delivered", "1", "not delivered"),
				workflow.Option("Other", "2", "other"),
			).When("stock_out == yes"),
			workflow.FreeText("reason_other", workflow.T("Which other reason?")).When("reason == Other"),
		).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := workflow.WriteYAML(os.Stdout, w); err != nil {
		fmt.Println(err)
	}
	// Output:
	// workflow: Stock-out reasons
	// key: stockout-reasons
	// language: eng
	//
	// questions:
	//   - result: stock_out
	//     ask: Did you run out of ACTs? YES or NO
	//     type: yes_no
	//
	//   - result: reason
	//     ask: |-
	//       Why?
	//       1 Not delivered
	//       2 Other
	//     type: choice
	//     choices:
	//       - {category: Not delivered, match: ["1", not delivered]}
	//       - {category: Other, match: ["2", other]}
	//     when: stock_out == yes
	//
	//   - result: reason_other
	//     ask: Which other reason?
	//     type: text
	//     when: reason == Other
}
