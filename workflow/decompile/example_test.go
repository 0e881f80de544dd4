package decompile_test

import (
	"fmt"
	"log"
	"os"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/decompile"
)

// A workflow compiled to a RapidPro export, then imported in RapidPro and
// exported again, comes back as the same workflow.
func ExampleDecompile() {
	w, err := workflow.New("Stock check", "stock-check").Language("eng").
		Question(
			workflow.YesNo("in_stock", workflow.T("Do you have ACTs in stock? YES or NO")).
				Retry(workflow.T("Please reply YES or NO"), 1),
			workflow.Number("weeks_left", workflow.T("For how many weeks?")).Min(0).
				When("in_stock == yes"),
		).Build()
	if err != nil {
		log.Fatal(err)
	}
	export, err := workflow.Compile(w)
	if err != nil {
		log.Fatal(err)
	}

	r, err := decompile.Decompile(export, decompile.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if err := r.Err(); err != nil {
		log.Fatal(err) // the problems, node by node
	}
	if err := workflow.WriteYAML(os.Stdout, r.Workflow); err != nil {
		log.Fatal(err)
	}
	fmt.Println("problems:", len(r.Problems))
	// Output:
	// workflow: Stock check
	// key: stock-check
	// language: eng
	//
	// questions:
	//   - result: in_stock
	//     ask: Do you have ACTs in stock? YES or NO
	//     type: yes_no
	//     retry: Please reply YES or NO
	//
	//   - result: weeks_left
	//     ask: For how many weeks?
	//     type: number
	//     min: 0
	//     when: in_stock == Yes
	// problems: 0
}
