package xlsform_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/xlsform"
)

// An XLSForm workbook compiles like a YAML workflow: its relevant
// expressions become the questions' when.
func ExampleParseFile() {
	w, err := xlsform.ParseFile("testdata/case_count.xlsx")
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%s (%s), in %s\n", w.Name, w.Key, w.Language)
	for _, q := range w.Questions {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%-14s %s %s", q.Result, q.Type, q.When)))
	}
	export, err := workflow.Compile(w)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(export.Flows[0].Name, export.Flows[0].Language)
	// Output:
	// IDSR weekly case count (idsr_weekly_count), in eng
	// malaria_cases  number
	// cholera_cases  number
	// cholera_deaths number cholera_cases > 0
	// samples_sent   yes_no cholera_cases > 0
	// measles_cases  number
	// nil_report     yes_no malaria_cases == 0 and cholera_cases == 0 and measles_cases == 0
	// IDSR weekly case count eng
}

// Every mistake of a workbook is reported at once, at its cell.
func ExampleParse_mistakes() {
	_, err := xlsform.ParseFile("testdata/mistakes.xlsx")
	var ds workflow.Diagnostics
	if errors.As(err, &ds) {
		for _, d := range ds[:4] {
			fmt.Println(d)
		}
	}
	// Output:
	// testdata/mistakes.xlsx:survey!D1 (row 1, column 4): label::Klingon: unknown language "Klingon": add its ISO 639 code in parentheses, as in Klingon (xyz)
	// testdata/mistakes.xlsx:survey!A3 (row 3, column 1): type: unknown type "integr" (did you mean "integer"?)
	// testdata/mistakes.xlsx:survey!A4 (row 4, column 1): type: no list named "reasonz" on the choices sheet (did you mean "reasons"?)
	// testdata/mistakes.xlsx:survey!A5 (row 5, column 1): type: select_multiple: several answers in one reply are not supported: ask a yes/no question per option, or a select_one
}
