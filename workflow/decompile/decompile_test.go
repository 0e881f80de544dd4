package decompile_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/decompile"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/xlsform"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// workflowFiles are the workflows the round trip is checked with: the
// built-in examples, the compiler's test workflows and the XLSForm
// reader's test workbooks (but the one written with mistakes).
func workflowFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../../examples/workflows/*.yaml", "../testdata/*.yaml", "../xlsform/testdata/*.xlsx"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, slices.DeleteFunc(m, func(f string) bool { return filepath.Base(f) == "mistakes.xlsx" })...)
	}
	if len(files) < 10 {
		t.Fatalf("found only %d workflow files", len(files))
	}
	return files
}

func parseWorkflow(t *testing.T, path string) *workflow.Workflow {
	t.Helper()
	var w *workflow.Workflow
	var err error
	if filepath.Ext(path) == ".xlsx" {
		w, err = xlsform.ParseFile(path)
	} else {
		w, err = workflow.ParseFile(path)
	}
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func compile(t *testing.T, w *workflow.Workflow) (*flow.Export, []byte) {
	t.Helper()
	e, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	data, err := flow.MarshalExport(e)
	if err != nil {
		t.Fatal(err)
	}
	return e, data
}

// TestRoundTrip: a workflow compiled then decompiled is the same workflow.
// It decompiles with no problem at all, its key is recovered, and it
// compiles to the very same export, byte for byte; its YAML is then a
// fixed point (decompiling its export again gives the same YAML), and it
// differs from the original only in spelling that compiles the same (see
// normalize).
func TestRoundTrip(t *testing.T) {
	t.Parallel()
	for _, file := range workflowFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			t.Parallel()
			w := parseWorkflow(t, file)
			e, want := compile(t, w)
			// The key is not in the export (the UUIDs derive from it):
			// TestKeyRecovered checks when it can be found again.
			r, err := decompile.Decompile(e, decompile.Options{Key: w.Key})
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range r.Problems {
				t.Errorf("problem: %s", p)
			}
			e2, got := compile(t, r.Workflow)
			if !bytes.Equal(got, want) {
				t.Errorf("the decompiled workflow compiles to another export")
			}
			y1, err := workflow.MarshalYAML(r.Workflow)
			if err != nil {
				t.Fatal(err)
			}
			r2, err := decompile.Decompile(e2, decompile.Options{Key: w.Key})
			if err != nil {
				t.Fatal(err)
			}
			if y2, _ := workflow.MarshalYAML(r2.Workflow); !bytes.Equal(y1, y2) {
				t.Errorf("decompiling again gives another YAML:\n%s\nthen\n%s", y1, y2)
			}
			if a, b := normalize(t, w), normalize(t, r.Workflow); a != b {
				t.Errorf("the workflow changed:\n%s\nbecame\n%s", a, b)
			}
		})
	}
}

// normalize writes a workflow's YAML without what a compiled export does
// not keep: how a when spells categories (yes, Yes) and groups its
// comparisons, whether a choice's words are the base language's or
// shared, in which order single words and phrases were listed and with
// what punctuation, an
// explicit max_retries: 1, an expire_after of 7 days, and the keyword's
// case. Those are compared through the export instead.
func normalize(t *testing.T, w *workflow.Workflow) string {
	t.Helper()
	c := *w
	c.Keyword = strings.ToUpper(c.Keyword)
	if c.ExpireAfter == 7*24*60*60*1e9 {
		c.ExpireAfter = 0
	}
	c.Questions = slices.Clone(w.Questions)
	for i := range c.Questions {
		q := &c.Questions[i]
		if q.MaxRetries == 1 {
			q.MaxRetries = 0
		}
		if q.When != "" {
			q.When = "(compared in the export)"
		}
		q.Choices = slices.Clone(q.Choices)
		for j := range q.Choices {
			ch := &q.Choices[j]
			var all []string
			entries := append(slices.Clone(ch.Match), ch.MatchIn[w.Language]...)
			for _, lang := range w.Translations {
				entries = append(entries, ch.MatchIn[lang]...)
			}
			for _, m := range entries {
				// Matching ignores case and punctuation.
				all = append(all, strings.Join(strings.FieldsFunc(strings.ToLower(m), func(r rune) bool {
					return !unicode.IsLetter(r) && !unicode.IsDigit(r) && !unicode.Is(unicode.M, r)
				}), " "))
			}
			slices.Sort(all)
			ch.Match, ch.MatchIn = slices.Compact(all), nil
		}
	}
	y, err := workflow.MarshalYAML(&c)
	if err != nil {
		t.Fatal(err)
	}
	return string(y)
}

// fixtureExports lists the real RapidPro exports in the shared fixtures.
func fixtureExports(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(fixtures.Dir(t, "fixtures", "flows"), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	return append(files, filepath.Join(fixtures.Dir(t, "fixtures", "ihris", "mhero-flows"), "rapidpro-flow-export-registration_test.json"))
}

// TestFixtures decompiles every flow of the real exports and compares the
// problems found, node by node, with testdata/fixtures.golden, and the
// workflows of the flows that fit with testdata/<flow>.yaml (go test
// -update rewrites them).
func TestFixtures(t *testing.T) {
	t.Parallel()
	var report bytes.Buffer
	fit := 0
	for _, file := range fixtureExports(t) {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		e, err := flow.ParseExport(data)
		if err != nil {
			t.Fatal(err)
		}
		rs, err := decompile.DecompileAll(e)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		for _, r := range rs {
			errs := r.Problems.Errors()
			verdict := "fits"
			if len(errs) > 0 {
				verdict = fmt.Sprintf("does not fit: %d errors", len(errs))
			} else {
				fit++
				y, err := workflow.MarshalYAML(r.Workflow)
				if err != nil {
					t.Fatal(err)
				}
				checkGolden(t, filepath.Join("testdata", r.Workflow.Key+".yaml"), y)
			}
			fmt.Fprintf(&report, "%s %q: %s\n", filepath.Base(file), r.Flow.Name, verdict)
			for _, p := range r.Problems {
				fmt.Fprintf(&report, "  %s\n", strings.TrimPrefix(p.String(), fmt.Sprintf("flow %q: ", r.Flow.Name)))
			}
		}
	}
	checkGolden(t, filepath.Join("testdata", "fixtures.golden"), report.Bytes())
	if fit < 2 {
		t.Errorf("only %d fixture flows fit", fit)
	}
}

// TestEditorFlows decompiles testdata/editor.json, flows drawn as
// RapidPro's editor saves them (answers routed to later questions or to
// the end, a split by flow result, a retry loop and a retry chain, a
// timeout, a group, a field): they fit, with the workflows of
// testdata/<key>.yaml.
func TestEditorFlows(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join("testdata", "editor.json"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := flow.ParseExport(data)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := decompile.DecompileAll(e)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		for _, p := range r.Problems.Errors() {
			t.Errorf("%s", p)
		}
		y, err := workflow.MarshalYAML(r.Workflow)
		if err != nil {
			t.Fatal(err)
		}
		checkGolden(t, filepath.Join("testdata", r.Workflow.Key+".yaml"), y)
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (go test -update rewrites it); got:\n%s", path, got)
	}
}

func TestPickFlow(t *testing.T) {
	t.Parallel()
	w, err := workflow.New("Stock", "stock").Language("eng").Question(workflow.FreeText("note", workflow.T("Any note?"))).Build()
	if err != nil {
		t.Fatal(err)
	}
	e, _ := compile(t, w)
	two := *e
	two.Flows = append(slices.Clone(e.Flows), e.Flows[0])
	two.Flows[1].UUID = "9e5a6f7b-0c1d-4e2f-8a3b-4c5d6e7f8a9b"
	two.Flows[1].Name = "Other"
	for _, c := range []struct {
		name string
		e    *flow.Export
		flow string
		want string // error, or "" for a result
	}{
		{"one flow", e, "", ""},
		{"by name, any case", &two, "other", ""},
		{"by uuid", &two, two.Flows[1].UUID, ""},
		{"two flows", &two, "", `the export has 2 flows ("Stock", "Other"): name one`},
		{"unknown", &two, "Nope", `the export has no flow "Nope" (its flows: "Stock", "Other")`},
		{"no flows", &flow.Export{}, "", "the export has no flows"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := decompile.Decompile(c.e, decompile.Options{Flow: c.flow})
			switch {
			case c.want == "" && err != nil:
				t.Fatal(err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Fatalf("error %v, want %q", err, c.want)
			case c.want == "" && r.Err() != nil:
				t.Fatalf("problems: %v", r.Err())
			}
		})
	}
}

func TestSpecVersions(t *testing.T) {
	t.Parallel()
	w, err := workflow.New("Stock", "stock").Language("eng").Question(workflow.FreeText("note", workflow.T("Any note?"))).Build()
	if err != nil {
		t.Fatal(err)
	}
	e, _ := compile(t, w)
	for spec, want := range map[string]error{
		"11.12":  nil,
		"12.0.0": nil,
		"13.2.0": nil,
		"":       decompile.ErrLegacy,
		"10.4":   decompile.ErrLegacy,
	} {
		c := *e
		c.Flows = slices.Clone(e.Flows)
		c.Flows[0].SpecVersion = spec
		r, err := decompile.Decompile(&c, decompile.Options{})
		if !errors.Is(err, want) {
			t.Errorf("spec %q: error %v, want %v", spec, err, want)
		}
		if err == nil && r.Err() != nil {
			t.Errorf("spec %q: %v", spec, r.Err())
		}
	}
	c := *e
	c.Flows = slices.Clone(e.Flows)
	c.Flows[0].SpecVersion = "14.0.0"
	if _, err := decompile.Decompile(&c, decompile.Options{}); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("spec 14: error %v", err)
	}
}

// TestKeyRecovered: the key of a compiled workflow is found again when it
// is made of words of the workflow's name, as the examples' are.
func TestKeyRecovered(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob("../../examples/workflows/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range append(files, "../testdata/cholera_count.yaml", "../testdata/other_choice.yaml") {
		w := parseWorkflow(t, file)
		e, _ := compile(t, w)
		r, err := decompile.Decompile(e, decompile.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if r.Workflow.Key != w.Key {
			t.Errorf("%s: key %q, want %q", file, r.Workflow.Key, w.Key)
		}
	}
}

func TestKeyOption(t *testing.T) {
	t.Parallel()
	w := parseWorkflow(t, "../testdata/cholera_count.yaml")
	e, _ := compile(t, w)
	r, err := decompile.Decompile(e, decompile.Options{Key: "cholera-2026"})
	if err != nil {
		t.Fatal(err)
	}
	if r.Workflow.Key != "cholera-2026" || r.Err() != nil {
		t.Errorf("key %q, problems %v", r.Workflow.Key, r.Err())
	}
}
