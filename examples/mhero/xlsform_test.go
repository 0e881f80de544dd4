package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/xlsform"
)

// workbooks is where the XLSForm package keeps its test workbooks and
// their golden files.
const workbooks = "../../workflow/xlsform/testdata"

func workbook(name string) string { return filepath.Join(workbooks, name+".xlsx") }

// TestXLSForm runs the commands that read a workflow on XLSForm workbooks
// and compares what they print with testdata/NAME.golden.
func TestXLSForm(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	xls := writeFile(t, dir, "old.xls", string(append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 600)...)))
	self := writeFile(t, dir, "self.yaml", "workflow: x\n")
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"validate-xlsform", []string{"validate", workbook("two_languages")}, exitOK},
		{"validate-xlsform-mistakes", []string{"validate", workbook("mistakes")}, exitInvalid},
		{"validate-xls", []string{"validate", xls}, exitInvalid},
		{"compile-xlsform-yaml", []string{"compile", "--yaml", workbook("stock_check")}, exitOK},
		{"compile-xlsform-to-yaml-file", []string{"compile", workbook("census"), "-o", filepath.Join(dir, "census.yaml")}, exitOK},
		{"compile-xlsform-to-file", []string{"compile", workbook("census"), "-o", filepath.Join(dir, "census.json")}, exitOK},
		{"compile-yaml-with-spec", []string{"compile", "--yaml", "--spec", "13.2.0", workbook("census")}, exitUsage},
		{"compile-onto-itself", []string{"compile", self, "-o", self}, exitUsage},
		{"simulate-xlsform", []string{"simulate", workbook("stock_check"), "--name", "Fatu Kamara",
			"--reply", "no", "--reply", "4", "--reply", "thieves took them", "--reply", "0"}, exitOK},
		{"simulate-xlsform-french", []string{"simulate", workbook("two_languages"), "--lang", "fra",
			"--reply", "oui", "--reply", "autre", "--reply", "250", "--reply", "non"}, exitOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := testEnv("", &stdout, &stderr).run(tt.args)
			if code != tt.code {
				t.Errorf("exit status %d, want %d\nstderr:\n%s", code, tt.code, stderr.String())
			}
			got := strings.ReplaceAll("== stdout\n"+stdout.String()+"== stderr\n"+stderr.String(), dir, "$TMP")
			checkGolden(t, filepath.Join("testdata", tt.name+".golden"), got)
		})
	}
}

// TestXLSFormMistakes checks that validate, compile and simulate each
// print the workbook with mistakes' 17 errors, one per mistake planted,
// each at its cell (sheet, row and column), exactly as the xlsform
// package's golden file lists them, then their count.
func TestXLSFormMistakes(t *testing.T) {
	t.Parallel()
	const planted = 17 // see the "mistakes" form in workflow/xlsform/forms_test.go
	golden, err := os.ReadFile(filepath.Join(workbooks, "golden", "mistakes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	file := workbook("mistakes")
	want := strings.Split(strings.TrimSuffix(string(golden), "\n"), "\n")
	for i, l := range want {
		want[i] = strings.Replace(l, "testdata/mistakes.xlsx", file, 1)
	}
	want = append(want, file+": 17 errors")
	if len(want) != planted+1 {
		t.Fatalf("the xlsform golden file lists %d errors for %d mistakes", len(want)-1, planted)
	}
	cell := regexp.MustCompile(`^` + regexp.QuoteMeta(file) + `:(survey|choices|settings)![A-Z]+[0-9]+ \(row [0-9]+, column [0-9]+\): `)
	for _, args := range [][]string{{"validate", file}, {"compile", file}, {"compile", "--yaml", file}, {"simulate", file, "--reply", "1"}} {
		t.Run(strings.Join(args[:len(args)-1], "-"), func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			if code := testEnv("", &stdout, &stderr).run(args); code != exitInvalid {
				t.Errorf("exit status %d, want %d", code, exitInvalid)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			got := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("stderr (-want +got):\n%s", d)
			}
			for _, l := range got[:len(got)-1] {
				if !cell.MatchString(l) {
					t.Errorf("not placed at a cell: %s", l)
				}
			}
		})
	}
}

// TestXLSFormToYAML converts every test workbook with compile --yaml: the
// file is the xlsform package's golden YAML (so it stays readable), reads
// back as the same workflow, and compiles to the same export as the
// workbook.
func TestXLSFormToYAML(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join(workbooks, "*.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 10 {
		t.Fatalf("%d test workbooks, want 10: %v", len(files), files)
	}
	dir := t.TempDir()
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".xlsx")
		if name == "mistakes" {
			continue // TestXLSFormMistakes
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			yamlFile := filepath.Join(dir, name+".yaml")
			var stdout, stderr bytes.Buffer
			if code := testEnv("", &stdout, &stderr).run([]string{"compile", "--yaml", file, "-o", yamlFile}); code != exitOK {
				t.Fatalf("compile --yaml: exit status %d: %s", code, stderr.String())
			}
			if stderr.Len() > 0 {
				t.Errorf("warnings for a test workbook:\n%s", stderr.String())
			}
			got, err := os.ReadFile(yamlFile)
			if err != nil {
				t.Fatal(err)
			}
			golden, err := os.ReadFile(filepath.Join(workbooks, "golden", name+".yaml"))
			if err != nil {
				t.Fatal(err)
			}
			header := "# Converted from the XLSForm " + name + ".xlsx by mhero compile --yaml.\n"
			if d := cmp.Diff(header+string(golden), string(got)); d != "" {
				t.Errorf("YAML differs from the xlsform package's golden file (-want +got):\n%s", d)
			}

			fromWorkbook, err := xlsform.ParseFile(file)
			if err != nil {
				t.Fatal(err)
			}
			fromYAML, err := workflow.ParseFile(yamlFile)
			if err != nil {
				t.Fatalf("the YAML does not read back: %v", err)
			}
			if d := cmp.Diff(fromWorkbook, fromYAML, cmpopts.IgnoreUnexported(workflow.Workflow{}), cmpopts.EquateEmpty()); d != "" {
				t.Errorf("the YAML reads back as another workflow (-workbook +yaml):\n%s", d)
			}

			exports := make([][]byte, 2)
			for i, f := range []string{file, yamlFile} {
				var stdout, stderr bytes.Buffer
				if code := testEnv("", &stdout, &stderr).run([]string{"compile", f}); code != exitOK {
					t.Fatalf("compile %s: exit status %d: %s", f, code, stderr.String())
				}
				exports[i] = stdout.Bytes()
			}
			if !bytes.Equal(exports[0], exports[1]) {
				t.Error("the YAML compiles to another export than the workbook")
			}
		})
	}
}
