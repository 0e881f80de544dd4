package xlsform

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mhero-go/mhero/workflow"
)

// checkParsed checks what Parse made of a workbook: every problem is a
// diagnostic in the file (at a cell, or naming a sheet, or the file
// itself when it is no workbook), and a workflow it accepts compiles and
// reads back from its YAML as the same workflow.
func checkParsed(t *testing.T, w *workflow.Workflow, err error) {
	t.Helper()
	if err != nil {
		var ds workflow.Diagnostics
		if !errors.As(err, &ds) || !ds.HasErrors() {
			t.Fatalf("error %T without diagnostics: %v", err, err)
		}
		for _, d := range ds {
			if d.Pos.File != "fuzz.xlsx" || (d.Pos.Line > 0 && (d.Pos.Sheet == "" || d.Pos.Column < 0)) {
				t.Fatalf("diagnostic not placed in the workbook: %#v", d)
			}
		}
		return
	}
	if _, err := workflow.Compile(w); err != nil {
		t.Fatalf("a workflow Parse accepted does not compile: %v", err)
	}
	out, err := workflow.MarshalYAML(w)
	if err != nil {
		t.Fatal(err)
	}
	again, err := workflow.Parse("fuzz.yaml", out)
	if err != nil {
		t.Fatalf("its YAML does not read back: %v\n%s", err, out)
	}
	if d := cmp.Diff(w, again, cmpopts.IgnoreUnexported(workflow.Workflow{}), cmpopts.EquateEmpty()); d != "" {
		t.Fatalf("its YAML reads back as another workflow (-workbook +yaml):\n%s", d)
	}
}

// FuzzParse feeds Parse arbitrary bytes, starting from the test
// workbooks: it must never panic, and say what is wrong.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.xlsx")
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Parse("fuzz.xlsx", data)
		checkParsed(t, w, err)
	})
}

// FuzzCells writes arbitrary text in the cells of a workbook, the way a
// person edits a form: a row's type, name, label, relevant and
// constraint, a choice, and the form's language.
func FuzzCells(f *testing.F) {
	seeds := [][8]string{
		{"integer", "weeks", "How many weeks?", "${stock} = 'yes'", ". >= 0 and . <= 52", "other", "Other (specify)", "English (en)"},
		{"select_one reasons", "why", "Why?", "not(${stock} = 'no') or ${count} > 3", "", "late", "Late", "French (fr)"},
		{"select_one reasons or_other", "why", "Why?\nReply with a number", "selected(${stock}, 'yes')", "", "1", "", ""},
		{"text", "stock_other", "Which?", "${why} = 'other' and ${count} != ''", "string-length(.) < 5", "no_response", "No Response", "Kiswahili"},
		{"decimal", "temp", "Temperature? @contact.name", "${count} >= -1.5", ". > 35", "", "Other", "xx"},
		{"begin group", "g", "", "${stock} = 'yes'", "", "x", "Cough and fever", "Português (pt)"},
		{"note", "n", "@(upper(contact.name)", "", "", "and", "\"quoted\" and 'single'", "Krio (kri)"},
		{"select_multiple reasons", "", "", "${", ". <", "a", "a", "en"},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7])
	}
	f.Fuzz(func(t *testing.T, typ, name, label, relevant, constraint, choiceName, choiceLabel, lang string) {
		fm := form{
			survey: [][]string{
				{"type", "name", "label", "label::" + lang, "relevant", "constraint", "constraint_message"},
				{"select_one yn", "stock", "Any stock?", "Stock ?"},
				{"integer", "count", "How many?", "Combien ?", "", ". >= 0", "Digits please"},
				{typ, name, label, label + " (2)", relevant, constraint, "Try again"},
				{"select_one reasons", "last", "Last?", "Dernier ?", "${stock} = 'no'"},
			},
			choices: [][]string{
				{"list_name", "name", "label", "label::" + lang},
				{"yn", "yes", "Yes", "Oui"},
				{"yn", "no", "No", "Non"},
				{"reasons", "late", "Late", "En retard"},
				{"reasons", choiceName, choiceLabel, choiceLabel},
			},
			settings: [][]string{{"form_id", "default_language"}, {"fuzz", "English (en)"}},
		}
		data, err := fm.xlsx()
		if err != nil {
			t.Skip("excelize cannot write these cells:", err)
		}
		w, err := Parse("fuzz.xlsx", data)
		checkParsed(t, w, err)
	})
}
