package workflow

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// ignoreSource compares workflows by content, not by where they came from.
var ignoreSource = cmp.Options{cmpopts.IgnoreUnexported(Workflow{}), cmpopts.EquateEmpty()}

func ptr(f float64) *float64 { return &f }

func TestParseIssueExample(t *testing.T) {
	t.Parallel()
	w, err := ParseFile("testdata/malaria_stock.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := &Workflow{
		Name: "Malaria stock check", Key: "malaria-stock", Language: "eng", Translations: []string{"fra"},
		Keyword: "STOCK", ExpireAfter: 24 * time.Hour,
		Intro: T("Hello @contact.name, the Ministry of Health needs 1 minute of your time."),
		Questions: []Question{
			{Result: "act_in_stock", Ask: T("Do you have ACTs in stock? Reply YES or NO"), Type: TypeYesNo,
				Retry: T("Please reply YES or NO"), MaxRetries: 2, Timeout: 12 * time.Hour},
			{Result: "weeks_left", Ask: T("How many weeks of stock remain?"), Type: TypeNumber,
				Min: ptr(0), Max: ptr(52), When: "act_in_stock == yes"},
			{Result: "reason", Ask: T("Why? 1 Not delivered 2 Expired 3 Other"), Type: TypeChoice,
				Choices: []Choice{
					{Category: T("Not delivered"), Match: []string{"1", "not delivered", "delivery"}},
					{Category: T("Expired"), Match: []string{"2", "expired"}},
					{Category: T("Other reason"), Match: []string{"3"}},
				},
				When: "act_in_stock == no", SaveToField: "stock_reason"},
		},
		Closing: T("Thank you. The MOH will follow up."),
	}
	if diff := cmp.Diff(want, w, ignoreSource); diff != "" {
		t.Errorf("parsed workflow (-want +got):\n%s", diff)
	}
	if ds := w.Validate(); len(ds) != 0 {
		t.Errorf("Validate() = %v, want nothing", ds)
	}
}

// head is a valid start of a workflow; questions begin on line 4.
const head = "workflow: T\nkey: t\nlanguage: eng\n"

// okQuestion is a valid question list starting on line 4.
const okQuestion = "questions:\n  - {result: a, ask: hi, type: text}\n"

func TestParseDiagnostics(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("word ", 40)
	tests := []struct {
		name  string
		yaml  string
		pos   string // line:column
		field string
		msg   string // part of the message
		warn  bool
	}{
		{"unknown top-level key", head + "langauge: fra\n" + okQuestion,
			"4:1", "langauge", `unknown field "langauge" (did you mean "language"?)`, false},
		{"unknown key without a near one", head + okQuestion + "colour: red\n",
			"6:1", "colour", `unknown field "colour" (known fields: workflow, key, language, translations, keyword, expire_after, intro, questions, closing)`, false},
		{"unknown question key", head + "questions:\n  - result: a\n    ask: hi\n    type: text\n    retyr: x\n",
			"8:5", "questions[0].retyr", `did you mean "retry"?`, false},
		{"unknown choice key", head + "questions:\n  - result: a\n    ask: hi\n    type: choice\n    choices:\n      - {category: A, matches: [a]}\n",
			"9:23", "questions[0].choices[0].matches", `did you mean "match"?`, false},
		{"duplicate key", head + "key: u\n" + okQuestion,
			"4:1", "key", "duplicate field \"key\" (first at line 2)", false},
		{"number of the wrong type", head + "questions:\n  - {result: a, ask: hi, type: number, min: lots}\n",
			"5:45", "questions[0].min", `expected a number, got "lots"`, false},
		{"questions not a list", head + "questions: {result: a}\n",
			"4:12", "questions", "expected a list of questions, got a mapping", false},
		{"text of the wrong type", head + "intro: [a, b]\n" + okQuestion,
			"4:8", "intro", "expected a text or a mapping of language to text, got a list", false},
		{"max_retries not a whole number", head + "questions:\n  - {result: a, ask: hi, type: text, retry: again, max_retries: 1.5}\n",
			"5:65", "questions[0].max_retries", "expected a whole number", false},
		{"invalid YAML", head + "questions:\n  - result: a\n    ask: [hi\n    type: text\n",
			"5:1", "", "invalid YAML: did not find expected ',' or ']'", false},
		{"a second YAML document", head + okQuestion + "---\nworkflow: U\nkey: u\n",
			"6:1", "", "a second YAML document starts here: a workflow file holds one workflow", false},
		{"a second YAML document that is not YAML", head + okQuestion + "--- # another\nworkflow: [\n",
			"6:1", "", "a second YAML document starts here", false},
		{"a tab in the indentation", head + "questions:\n  - result: a\n    ask: hi\n\t  type: text\n",
			"7:1", "", "invalid YAML: a tab indents this line: YAML indents with spaces only", false},
		{"a tab after spaces", head + "questions:\n  - result: a\n  \t  ask: hi\n",
			"6:3", "", "invalid YAML: a tab indents this line", false},
		{"not a mapping", "- just\n- a list\n",
			"1:1", "", "expected a mapping of workflow fields", false},
		{"empty file", "",
			"1:1", "", "empty workflow file", false},
		{"missing name", "key: t\nlanguage: eng\n" + okQuestion,
			"1:1", "workflow", "missing the workflow's name", false},
		{"no questions", head,
			"1:1", "questions", "at least one question", false},
		{"duplicate result", head + "questions:\n  - {result: a, ask: hi, type: text}\n  - {result: A, ask: ho, type: text}\n",
			"6:14", "questions[1].result", `duplicate result "A" (first in questions[0])`, false},
		{"result not an identifier", head + "questions:\n  - {result: stock level, ask: hi, type: text}\n",
			"5:14", "questions[0].result", "must be a letter then letters, digits or _", false},
		{"unknown type", head + "questions:\n  - {result: a, ask: hi, type: yesno}\n",
			"5:32", "questions[0].type", `unknown type "yesno" (did you mean "yes_no"?)`, false},
		{"missing ask", head + "questions:\n  - {result: a, type: text}\n",
			"5:5", "questions[0].ask", "missing", false},
		{"when on a later result", head + "questions:\n  - {result: a, ask: hi, type: text, when: b == other}\n  - {result: b, ask: ho, type: text}\n",
			"5:44", "questions[0].when", `"b" is asked later (questions[1])`, false},
		{"when on its own result", head + "questions:\n  - {result: a, ask: hi, type: yes_no, when: a == yes}\n",
			"5:46", "questions[0].when", "this question's own result", false},
		{"when on an unknown result", head + okQuestion + "  - {result: b, ask: ho, type: text, when: \"x == other\"}\n",
			"6:45", "questions[1].when", `unknown result "x"`, false},
		{"when suggests a result", head + "questions:\n  - {result: in_stock, ask: hi, type: yes_no}\n  - {result: b, ask: ho, type: text, when: in_stok == yes}\n",
			"6:44", "questions[1].when", `unknown result "in_stok" (did you mean "in_stock"?)`, false},
		{"when on an unknown category", head + "questions:\n  - {result: a, ask: hi, type: yes_no}\n  - {result: b, ask: ho, type: text, when: a == maybe}\n",
			"6:49", "questions[1].when", `a has no category "maybe" (its categories: Yes, No, Other)`, false},
		{"when with a bad operator", head + "questions:\n  - {result: a, ask: hi, type: yes_no}\n  - result: b\n    ask: ho\n    type: text\n    when: a = yes\n",
			"9:13", "questions[1].when", `unknown operator "="`, false},
		{"when unterminated in quoted YAML", head + "questions:\n  - {result: a, ask: hi, type: yes_no}\n  - result: b\n    ask: ho\n    type: text\n    when: \"a in [yes, no\"\n",
			"9:25", "questions[1].when", "unexpected end of expression", false},
		{"when missing and/or", head + "questions:\n  - {result: a, ask: hi, type: yes_no}\n  - result: b\n    ask: ho\n    type: text\n    when: a == yes a == no\n",
			"9:20", "questions[1].when", `unexpected "a" (join comparisons with and/or)`, false},
		{"when compares numbers of a yes_no", head + "questions:\n  - {result: a, ask: hi, type: yes_no}\n  - result: b\n    ask: ho\n    type: text\n    when: a > 3\n",
			"9:15", "questions[1].when", "> compares numbers, but a is a yes_no question", false},
		{"min greater than max", head + "questions:\n  - {result: a, ask: hi, type: number, min: 10, max: 5}\n",
			"5:45", "questions[0].min", "min 10 is greater than max 5", false},
		{"min on a text question", head + "questions:\n  - {result: a, ask: hi, type: text, min: 1}\n",
			"5:43", "questions[0].min", "min only applies to number questions", false},
		{"empty choices", head + "questions:\n  - {result: a, ask: hi, type: choice, choices: []}\n",
			"5:49", "questions[0].choices", "at least one choice", false},
		{"choice without match words", head + "questions:\n  - result: a\n    ask: hi\n    type: choice\n    choices:\n      - {category: A}\n",
			"9:9", "questions[0].choices[0].match", "no match words", false},
		{"duplicate match words across choices", head + "questions:\n  - result: a\n    ask: hi\n    type: choice\n    choices:\n      - {category: A, match: [\"1\", one]}\n      - {category: B, match: [\"2\", One!]}\n",
			"10:36", "questions[0].choices[1].match[1]", `"One!" already matches questions[0].choices[0].match[1]`, false},
		{"reserved category", head + "questions:\n  - result: a\n    ask: hi\n    type: choice\n    choices:\n      - {category: no_response, match: [x]}\n",
			"9:20", "questions[0].choices[0].category", `"no_response" is the category of a question that times out`, false},
		{"No Match beside a choice named Other", head + "questions:\n  - result: a\n    ask: hi\n    type: choice\n    choices:\n      - {category: Other, match: [x]}\n      - {category: No match, match: [y]}\n",
			"10:20", "questions[0].choices[1].category", `"No match" is the category of a reply that fits no choice when a choice is named Other`, false},
		{"keyword with a space", head + "keyword: malaria stock\n" + okQuestion,
			"4:10", "keyword", "one word of at most 16 letters or digits", false},
		{"keyword too long", head + "keyword: abcdefghijklmnopq\n" + okQuestion,
			"4:10", "keyword", "one word of at most 16 letters or digits", false},
		{"text over one SMS", head + "intro: " + long + "\n" + okQuestion,
			"4:8", "intro", "199 characters will be sent as 2 SMS (one GSM-7 SMS holds 160)", true},
		{"unicode text over one SMS", head + "closing: \"" + strings.Repeat("é€ü ", 5) + strings.Repeat("ñ", 60) + "😀\"\n" + okQuestion,
			"4:10", "closing", "will be sent as 2 SMS (one UCS-2 SMS holds 70)", true},
		{"translation missing a language", "workflow: T\nkey: t\nlanguage: eng\ntranslations: [fra, swa]\n" + "questions:\n  - {result: a, ask: {eng: hi, fra: salut}, type: text}\n",
			"6:22", "questions[0].ask.swa", "missing the swa translation", false},
		{"text missing the base language", "workflow: T\nkey: t\nlanguage: eng\ntranslations: [fra]\n" + "questions:\n  - {result: a, ask: {fra: salut}, type: text}\n",
			"6:22", "questions[0].ask", `missing the base language "eng"`, false},
		{"text in an unlisted language", "workflow: T\nkey: t\nlanguage: eng\n" + "questions:\n  - {result: a, ask: {eng: hi, spa: hola}, type: text}\n",
			"5:32", "questions[0].ask.spa", `language "spa" is not listed in translations`, false},
		{"two-letter language", "workflow: T\nkey: t\nlanguage: en\n" + okQuestion,
			"3:11", "language", "two-letter code", false},
		{"unknown translation code", head + "translations: [fra, xyz]\n" + okQuestion,
			"4:21", "translations[1]", `unknown language code "xyz"`, false},
		{"bad duration", head + "expire_after: 3 days\n" + okQuestion,
			"4:15", "expire_after", `invalid duration "3 days"`, false},
		{"bad timeout unit", head + "questions:\n  - {result: a, ask: hi, type: text, timeout: 12y}\n",
			"5:47", "questions[0].timeout", `unknown unit "y"`, false},
		{"save_to_field not a field key", head + "questions:\n  - {result: a, ask: hi, type: text, save_to_field: Stock Reason}\n",
			"5:53", "questions[0].save_to_field", `field key "Stock Reason" must be a lowercase letter`, false},
		{"save_to_field reserved", head + "questions:\n  - {result: a, ask: hi, type: text, save_to_field: name}\n",
			"5:53", "questions[0].save_to_field", "reserved by RapidPro", false},
		{"max_retries without retry", head + "questions:\n  - {result: a, ask: hi, type: text, max_retries: 2}\n",
			"5:51", "questions[0].max_retries", "needs a retry message", false},
		{"response for an unknown category", head + "questions:\n  - result: a\n    ask: hi\n    type: yes_no\n    responses:\n      Maybe: ok\n",
			"9:7", "questions[0].responses[0]", `a has no category "Maybe"`, false},
		{"a result used before it is asked", head + "questions:\n  - {result: a, ask: \"You said @results.b?\", type: text}\n  - {result: b, ask: ho, type: text}\n",
			"5:33", "questions[0].ask", "results.b is not the result of an earlier question (questions[1] asks it later); it will be empty", true},
		{"a result used in arithmetic before it is asked", head + "questions:\n  - {result: a, ask: \"@(10 - results.b) left?\", type: text}\n  - {result: b, ask: ho, type: text}\n",
			"5:30", "questions[0].ask", "results.b is not the result of an earlier question", true},
		{"a result no question has", head + "questions:\n  - {result: stock, ask: hi, type: number}\n  - {result: b, ask: \"@(results.stok * 2)?\", type: text}\n",
			"6:25", "questions[1].ask", "results.stok is not the result of any question; it will be empty (did you mean results.stock?)", true},
		{"an expression never closed", head + "questions:\n  - result: a\n    ask: Reply @(upper(\n    type: text\n",
			"6:16", "questions[0].ask", "@( is never closed: add ) where the expression ends", false},
		{"a syntax error in a block text", head + "questions:\n  - result: a\n    ask: |\n      Hello @contact.name,\n      you have @(fields.stock / ) doses\n    type: text\n",
			"8:33", "questions[0].ask", "syntax error: expected a value, found the end of the expression", false},
		{"an unknown function after escapes", head + "questions:\n  - {result: a, ask: \"Say \\\"hi\\\" @(uper(contact.name))\", type: text}\n",
			"5:36", "questions[0].ask", "unknown function uper() (did you mean upper?)", false},
		{"a function given too many arguments", head + "intro: \"@(round(fields.stock, 1, 2))\"\n" + okQuestion,
			"4:11", "intro", "round() takes 1 to 2 arguments, not 3", false},
		{"a field RapidPro cannot have", head + "intro: \"Hi @fields.name\"\n" + okQuestion,
			"4:13", "intro", `fields.name: "name" is reserved by RapidPro and cannot be a field key`, false},
		{"an unclosed expression in a translation", "workflow: T\nkey: t\nlanguage: eng\ntranslations: [fra]\nquestions:\n  - result: a\n    ask:\n      eng: Hello @contact.name\n      fra: Bonjour @(contact.nom\n    type: text\n",
			"9:20", "questions[0].ask.fra", "@( is never closed", false},
		{"group for an unknown category", head + "questions:\n  - result: a\n    ask: hi\n    type: yes_no\n    add_to_group:\n      Maybe: Unsure\n",
			"9:7", "questions[0].add_to_group[0]", `a has no category "Maybe"`, false},
		{"bad group name", head + "questions:\n  - result: a\n    ask: hi\n    type: yes_no\n    add_to_group:\n      No: [Closed, \"+bad\"]\n",
			"9:20", "questions[0].add_to_group[1].group", "cannot start with + or -", false},
		{"timeout after expiry", head + "expire_after: 1h\nquestions:\n  - {result: a, ask: hi, type: text, timeout: 2h}\n",
			"6:47", "questions[0].timeout", "the run expires (expire_after 1h0m0s) before this timeout", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w, err := Parse("t.yaml", []byte(tt.yaml))
			var ds Diagnostics
			if err != nil {
				if !errors.As(err, &ds) {
					t.Fatalf("error %T is not Diagnostics: %v", err, err)
				}
			} else {
				ds = w.Validate()
			}
			for _, d := range ds {
				if !d.Pos.IsValid() || d.Pos.File != "t.yaml" {
					t.Errorf("diagnostic without a position: %v", d)
				}
				got := fmt.Sprintf("%d:%d", d.Pos.Line, d.Pos.Column)
				if got == tt.pos && d.Field == tt.field && strings.Contains(d.Message, tt.msg) && (d.Severity == SeverityWarning) == tt.warn {
					return
				}
			}
			t.Errorf("want %s %s: %q (warning %v) among:\n%v", tt.pos, tt.field, tt.msg, tt.warn, ds)
		})
	}
}

func TestParseReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	src := `workflow: Stock
key: stock check
language: en
keyword: two words
questions:
  - result: a
    ask: hi
    type: yesno
  - result: a
    ask: ho
    type: number
    min: 5
    max: 1
  - result: c
    ask: hey
    type: choice
    choices: []
    when: zz == yes
`
	_, err := Parse("stock.yaml", []byte(src))
	var ds Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("Parse() error = %v, want Diagnostics", err)
	}
	want := []string{
		"stock.yaml:2:6: key",
		"stock.yaml:3:11: language",
		"stock.yaml:4:10: keyword",
		"stock.yaml:8:11: questions[0].type",
		"stock.yaml:9:13: questions[1].result",
		"stock.yaml:12:10: questions[1].min",
		"stock.yaml:17:14: questions[2].choices",
		"stock.yaml:18:11: questions[2].when",
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Pos.String()+": "+d.Field)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s\nall:\n%v", diff, err)
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want time.Duration
		err  bool
	}{
		{"12h", 12 * time.Hour, false},
		{"30m", 30 * time.Minute, false},
		{"7d", 7 * 24 * time.Hour, false},
		{"2w", 14 * 24 * time.Hour, false},
		{"1d12h", 36 * time.Hour, false},
		{"90s", 90 * time.Second, false},
		{"", 0, true},
		{"12", 0, true},
		{"h", 0, true},
		{"1.5h", 0, true},
		{"3 days", 0, true},
		{"-1h", 0, true},
		{"9999999999999999999d", 0, true},
		{"400d", 0, true},
	}
	for _, tt := range tests {
		got, err := ParseDuration(tt.in)
		if (err != nil) != tt.err || got != tt.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// TestParseDocumentMarkers checks that the markers YAML allows around one
// document are accepted: a file may start with --- and end with --- or ...
func TestParseDocumentMarkers(t *testing.T) {
	t.Parallel()
	for _, src := range []string{
		"---\n" + head + okQuestion,
		head + okQuestion + "---\n",
		head + okQuestion + "...\n",
		"--- # the workflow\n" + head + okQuestion + "--- \n# nothing more\n",
	} {
		if _, err := Parse("t.yaml", []byte(src)); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
}
