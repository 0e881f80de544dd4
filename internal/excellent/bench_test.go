package excellent

import "testing"

// benchTemplate is a message of the kind workflows send: identifiers,
// arithmetic, functions, a date and a number formatted.
const benchTemplate = "Hello @contact.first_name, you reported @results.age.value cases " +
	"(@(format_number(fields.age * 1000 / 7, 2)) per 1,000). " +
	"@(if(results.age.value > 18, \"Adult\", \"Minor\")) on @(format_date(today(), \"DD MMMM YYYY\")). " +
	"@(upper(word(contact.name, 1))) / @(default(fields.unset, \"none\"))"

// BenchmarkParse parses the expressions of a typical message.
func BenchmarkParse(b *testing.B) {
	var exprs []string
	for _, t := range Scan(benchTemplate, TopLevels) {
		if t.IsExpression() {
			exprs = append(exprs, t.Text)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range exprs {
			if _, err := Parse(x); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// BenchmarkEvaluateTemplate scans, parses and evaluates a typical message.
func BenchmarkEvaluateTemplate(b *testing.B) {
	e := testEnv("DD-MM-YYYY")
	b.ReportAllocs()
	for b.Loop() {
		if _, errText := e.EvaluateTemplate(benchTemplate); errText != "" {
			b.Fatal(errText)
		}
	}
}

// BenchmarkEvaluateParsed evaluates a parsed expression: what evaluation
// costs once parsing is done.
func BenchmarkEvaluateParsed(b *testing.B) {
	x, err := Parse(`format_number(fields.age * 1000 / 7, 2) & if(results.age.value > 18, "Adult", "Minor")`)
	if err != nil {
		b.Fatal(err)
	}
	e := testEnv("DD-MM-YYYY")
	b.ReportAllocs()
	for b.Loop() {
		if v := e.Evaluate(x); IsError(v) {
			b.Fatal(v)
		}
	}
}

// BenchmarkAnalyzeTemplate lists the references and problems of a
// typical message, as the workflow validator does for each text.
func BenchmarkAnalyzeTemplate(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if a := AnalyzeTemplate(benchTemplate); len(a.Problems) > 0 {
			b.Fatal(a.Problems)
		}
	}
}

// BenchmarkCaseTest runs the test of a number question's router on a reply.
func BenchmarkCaseTest(b *testing.B) {
	e := testEnv("DD-MM-YYYY")
	test := LookupFunction("has_number_between")
	args := []Value{"I have about 1,250 doses left", "0", "5000"}
	b.ReportAllocs()
	for b.Loop() {
		if !Truthy(test.Call(e, args)) {
			b.Fatal("no match")
		}
	}
}
