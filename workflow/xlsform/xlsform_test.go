package xlsform

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/xuri/excelize/v2"

	"github.com/mhero-go/mhero/workflow"
)

var update = flag.Bool("update", false, "rewrite testdata: the workbooks and the golden files")

// TestTestdataWorkbooks checks that testdata/NAME.xlsx holds what testForms
// define, cell by cell (go test -run TestTestdataWorkbooks -update writes
// them).
func TestTestdataWorkbooks(t *testing.T) {
	for _, f := range testForms {
		t.Run(f.name, func(t *testing.T) {
			path := filepath.Join("testdata", f.name+".xlsx")
			if *update {
				data, err := f.xlsx()
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			x, err := excelize.OpenFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -run TestTestdataWorkbooks -update to write it)", err)
			}
			defer x.Close()
			for name, want := range map[string][][]string{"survey": f.survey, "choices": f.choices, "settings": f.settings} {
				got, err := x.GetRows(name)
				if want == nil {
					continue
				}
				if err != nil {
					t.Fatalf("sheet %s: %v", name, err)
				}
				if d := cmp.Diff(trimRows(want), trimRows(got)); d != "" {
					t.Errorf("%s differs from its definition in testForms (-defined +file); run go test -run TestTestdataWorkbooks -update:\n%s", path, d)
				}
			}
		})
	}
}

// trimRows drops the empty cells at the end of each row.
func trimRows(rows [][]string) [][]string {
	out := make([][]string, len(rows))
	for i, r := range rows {
		n := len(r)
		for n > 0 && r[n-1] == "" {
			n--
		}
		out[i] = r[:n]
	}
	return out
}

// validForms are the test workbooks without mistakes.
func validForms() []string {
	var names []string
	for _, f := range testForms {
		if f.name != "mistakes" {
			names = append(names, f.name)
		}
	}
	return names
}

func parseTestdata(t testing.TB, name string) *workflow.Workflow {
	t.Helper()
	w, err := ParseFile(filepath.Join("testdata", name+".xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// TestWorkbooksToYAML converts every valid workbook and compares the YAML
// with testdata/golden/NAME.yaml; the YAML reads back as the same
// workflow, which compiles to the same export.
func TestWorkbooksToYAML(t *testing.T) {
	t.Parallel()
	for _, name := range validForms() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			w := parseTestdata(t, name)
			if ws := w.Validate(); len(ws) > 0 {
				t.Errorf("diagnostics of a valid workbook:\n%v", ws)
			}
			out, err := workflow.MarshalYAML(w)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", "golden", name+".yaml")
			if *update {
				if err := os.WriteFile(golden, out, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if d := cmp.Diff(string(want), string(out)); d != "" {
				t.Errorf("YAML differs from %s (-want +got):\n%s", golden, d)
			}
			again, err := workflow.Parse(name+".yaml", out)
			if err != nil {
				t.Fatalf("the YAML does not read back: %v", err)
			}
			if d := cmp.Diff(w, again, cmpopts.IgnoreUnexported(workflow.Workflow{}), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("the YAML reads back as another workflow (-workbook +yaml):\n%s", d)
			}
			if !bytes.Equal(compile(t, w), compile(t, again)) {
				t.Error("the YAML compiles to another export than the workbook")
			}
		})
	}
}

func compile(t testing.TB, w *workflow.Workflow) []byte {
	t.Helper()
	e, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := workflow.WriteExport(&buf, e); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestMistakes reads the workbook written with mistakes: each gives one
// error, at its cell, and nothing else is reported
// (testdata/golden/mistakes.txt holds the full text).
func TestMistakes(t *testing.T) {
	t.Parallel()
	_, err := ParseFile(filepath.Join("testdata", "mistakes.xlsx"))
	var ds workflow.Diagnostics
	if !errors.As(err, &ds) {
		t.Fatalf("got %v, want diagnostics", err)
	}
	mistakes := []struct{ at, says string }{
		{"survey!D1", `unknown language "Klingon"`},
		{"survey!A3", `unknown type "integr" (did you mean "integer"?)`},
		{"survey!A4", `no list named "reasonz" on the choices sheet (did you mean "reasons"?)`},
		{"survey!A5", "select_multiple: several answers in one reply are not supported"},
		{"survey!A6", "calculate: calculations are not supported"},
		{"survey!H7", "default answers are not supported"},
		{"survey!E8", "${late} is asked later (row 9)"},
		{"survey!E10", "the function count-selected() is not supported"},
		{"survey!F11", "bounds are inclusive"},
		{"survey!F12", "a constraint is supported on integer and decimal questions only"},
		{"survey!B13", `a second row named "comment" (the first is row 7)`},
		{"survey!A14", "repeats are not supported by SMS"},
		{"survey!E17", `"docter" is not a choice of list cadre (did you mean "doctor"?)`},
		{"survey!A18", "end group without a begin group"},
		{"choices!B7", "missing the choice's name"},
		{"choices!C8", "missing the category name"},
		{"settings!C2", `unknown language "Englsh"`},
	}
	if len(ds) != len(mistakes) {
		t.Errorf("%d diagnostics for %d mistakes:\n%v", len(ds), len(mistakes), ds)
	}
	for i, m := range mistakes {
		if i >= len(ds) {
			break
		}
		d := ds[i]
		at := d.Pos.Sheet + "!" + workflow.ColumnName(d.Pos.Column) + strconv.Itoa(d.Pos.Line)
		if at != m.at || !strings.Contains(d.Message, m.says) || d.Severity != workflow.SeverityError || d.Pos.File != filepath.Join("testdata", "mistakes.xlsx") {
			t.Errorf("mistake %d: got %s, want an error at %s saying %q", i+1, d, m.at, m.says)
		}
	}
	var got strings.Builder
	for _, d := range ds {
		got.WriteString(d.String() + "\n")
	}
	checkGolden(t, filepath.Join("testdata", "golden", "mistakes.txt"), got.String())
}

func checkGolden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if d := cmp.Diff(string(want), got); d != "" {
		t.Errorf("differs from %s (-want +got):\n%s", path, d)
	}
}
