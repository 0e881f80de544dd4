package goflowcheck_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/internal/goflowcheck"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/xlsform"
)

var (
	kofi  = goflowcheck.Contact{Name: "Kofi Mensah", Language: "por"}
	neema = goflowcheck.Contact{Name: "Neema Mwangi", Language: "swa"}
)

// workflowConversations are scripted conversations with the example
// workflows (examples/workflows/*.yaml, by file name), compiled by
// workflow.Compile.
var workflowConversations = []conversation{
	{"malaria-stock/in-stock", "malaria-stock.yaml", "", fatu, steps(reply("yes"), reply("6"), reply("Yes"), reply("120"))},
	{"malaria-stock/not-delivered", "malaria-stock.yaml", "", fatu, steps(reply("no"), reply("1"), reply("y"), reply("40 kits"))},
	{"malaria-stock/expired-no-rdt", "malaria-stock.yaml", "", fatu, steps(reply("No."), reply("they EXPIRED last month"), reply("no"))},
	{"malaria-stock/act-timeout", "malaria-stock.yaml", "", fatu, steps(timeout(), reply("yes"), reply("300"))},
	{"malaria-stock/retries-then-other", "malaria-stock.yaml", "", fatu, steps(reply("maybe"), reply("not sure"), reply("?"), reply("no"))},
	{"malaria-stock/french", "malaria-stock.yaml", "", aminata, steps(reply("oui"), reply("4"), reply("non"))},
	{"malaria-stock/french-reason", "malaria-stock.yaml", "", aminata, steps(reply("Non"), reply("livraison"), reply("oui"), reply("15"))},
	{"malaria-stock/portuguese", "malaria-stock.yaml", "", kofi, steps(reply("sim"), reply("60"), reply("8"), reply("nao"))},
	{"malaria-stock/number-retry-other", "malaria-stock.yaml", "", fatu, steps(reply("yes"), reply("many"), reply("lots"), reply("no"))},
	{"malaria-stock/portuguese-accents", "malaria-stock.yaml", "", kofi, steps(reply("Não"), reply("2 - expirado"), reply("SIM."), reply("1.200"))},
	{"malaria-stock/french-accents", "malaria-stock.yaml", "", aminata, steps(reply("non!"), reply("Périmés"), reply("Oui, 30"), reply("30"))},
	{"malaria-stock/uppercase-yes-sentence", "malaria-stock.yaml", "", fatu, steps(reply("YES WE DO"), reply("about 3 weeks"), reply("No RDTs"))},
	{"malaria-stock/waiting", "malaria-stock.yaml", "", fatu, steps(reply("yes"))},
	{"malaria-stock/reason-retry-rdt-timeout", "malaria-stock.yaml", "", fatu, steps(reply("no"), reply("stolen"), reply("3"), timeout())},

	{"idsr/all-quiet", "idsr-weekly.yaml", "", fatu, steps(reply("12"), reply("0"), reply("0"), reply("0"))},
	{"idsr/cholera-samples", "idsr-weekly.yaml", "", fatu, steps(reply("30"), reply("2"), reply("1"), reply("0"), reply("0"), reply("yes"))},
	{"idsr/afp-no-samples", "idsr-weekly.yaml", "", fatu, steps(reply("5"), reply("1"), reply("0"), reply("3"), reply("1"), reply("NO"))},
	{"idsr/french", "idsr-weekly.yaml", "", aminata, steps(reply("10"), reply("0"), reply("2"), reply("0"), reply("oui"))},
	{"idsr/retries", "idsr-weekly.yaml", "", fatu, steps(reply("ten"), reply("10"), reply("600"), reply("2"), reply("-1"), reply("0"), reply("0"), reply("0"), reply("yes"))},
	{"idsr/timeouts", "idsr-weekly.yaml", "", fatu, steps(timeout(), reply("0"), timeout(), timeout())},
	{"idsr/out-of-range-other", "idsr-weekly.yaml", "", fatu, steps(reply("2001"), reply("2500"), reply("3000"), reply("1"), reply("0"), reply("0"))},
	{"idsr/decimal", "idsr-weekly.yaml", "", fatu, steps(reply("3.5"), reply("0"), reply("0"), reply("0"))},

	{"training/nurse", "training-needs.yaml", "", fatu, steps(reply("1"), reply("yes"), reply("2"), reply("1"))},
	{"training/lab", "training-needs.yaml", "", fatu, steps(reply("Lab"), reply("no"), reply("GeneXpert"), reply("3"), reply("Refresher on slide reading"))},
	{"training/chw", "training-needs.yaml", "", fatu, steps(reply("5"), reply("no"), reply("mentorship please"), reply("no"))},
	{"training/swahili", "training-needs.yaml", "", neema, steps(reply("muuguzi"), reply("ndiyo"), reply("4"), reply("2"))},
	{"training/unknown-cadre", "training-needs.yaml", "", fatu, steps(reply("doctor"), reply("doctor"), reply("doctor"), reply("yes"), reply("online"))},
	{"training/format-timeout", "training-needs.yaml", "", fatu, steps(reply("clinical officer"), reply("yes"), reply("ipc"), timeout())},
	{"training/midwife-phrase", "training-needs.yaml", "", fatu, steps(reply("I am a midwife"), reply("n"), reply("emergency obstetric care"), reply("class"), reply("classroom"), reply("More mentors"))},

	{"outbreak/available", "outbreak-staff.yaml", "", fatu, steps(reply("yes"), reply("15-03-2026"), reply("14"), reply("yes"), reply("0886123456"))},
	{"outbreak/family", "outbreak-staff.yaml", "", fatu, steps(reply("no"), reply("2"))},
	{"outbreak/sick-closing", "outbreak-staff.yaml", "", aminata, steps(reply("non"), reply("1"))},
	{"outbreak/french-short", "outbreak-staff.yaml", "", aminata, steps(reply("oui"), reply("20/03/2026"), reply("5"), reply("non"))},
	{"outbreak/no-response", "outbreak-staff.yaml", "", fatu, steps(timeout())},
	{"outbreak/retries", "outbreak-staff.yaml", "", fatu, steps(reply("YES!"), reply("tomorrow"), reply("next week"), reply("42"), reply("Yes"), reply("NO"))},
	{"outbreak/international-phone", "outbreak-staff.yaml", "", fatu, steps(reply("y"), reply("1-4-2026"), reply("50"), reply("30"), reply("no"), reply("+231 77 123 4567"))},
	{"outbreak/date-formats", "outbreak-staff.yaml", "", fatu, steps(reply("yes"), reply("2026-04-01"), reply("10"), reply("yes"), reply("+1 202 555 0147"))},
	{"outbreak/french-reason", "outbreak-staff.yaml", "", aminata, steps(reply("NON"), reply("je suis malade"))},
}

// compileWorkflow compiles a workflow file to export JSON.
func compileWorkflow(t *testing.T, path string, opts ...workflow.CompileOption) []byte {
	t.Helper()
	data, err := compileFile(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func compileFile(path string, opts ...workflow.CompileOption) ([]byte, error) {
	w, err := parseFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	e, err := workflow.Compile(w, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: compile: %w", path, err)
	}
	var buf bytes.Buffer
	if err := workflow.WriteExport(&buf, e); err != nil {
		return nil, fmt.Errorf("%s: write: %w", path, err)
	}
	return buf.Bytes(), nil
}

// parseFile reads a workflow file: YAML, or an XLSForm workbook.
func parseFile(path string) (*workflow.Workflow, error) {
	if filepath.Ext(path) == ".xlsx" {
		return xlsform.ParseFile(path)
	}
	return workflow.ParseFile(path)
}

// workflowFiles lists the example workflows, the compiler's own test
// workflows, this package's and the XLSForm reader's test workbooks
// (but the one written with mistakes).
func workflowFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	for _, pattern := range []string{"../../examples/workflows/*.yaml", "../../workflow/testdata/*.yaml", "testdata/*.yaml", xlsformTestdata + "/*.xlsx"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, slices.DeleteFunc(m, func(f string) bool { return filepath.Base(f) == "mistakes.xlsx" })...)
	}
	if len(files) < 4 {
		t.Fatalf("found only %d workflow files", len(files))
	}
	return files
}

// TestCompiledWorkflowsInspect compiles every workflow, at the default spec
// version and at 13.2.0, and checks goflow reads each with no issue at all
// and lists the results the workflow asks for.
func TestCompiledWorkflowsInspect(t *testing.T) {
	for _, file := range workflowFiles(t) {
		for _, spec := range []string{"", "13.2.0"} {
			t.Run(filepath.Base(file)+"@"+spec, func(t *testing.T) {
				var opts []workflow.CompileOption
				if spec != "" {
					opts = append(opts, workflow.WithSpecVersion(spec))
				}
				export := compileWorkflow(t, file, opts...)
				checks, err := goflowcheck.Inspect(export)
				if err != nil {
					t.Fatal(err)
				}
				if len(checks) != 1 {
					t.Fatalf("goflow read %d flows, want 1", len(checks))
				}
				c := checks[0]
				if c.Err != nil {
					t.Fatalf("goflow refused %q: %v", c.Name, c.Err)
				}
				for _, is := range c.Issues {
					t.Errorf("goflow issue: %s", is)
				}
				w, err := parseFile(file)
				if err != nil {
					t.Fatal(err)
				}
				results := map[string][]string{}
				for _, r := range c.Results {
					results[r.Name] = r.Categories
				}
				for _, q := range w.Questions {
					cats, ok := results[q.Result]
					if !ok {
						t.Errorf("goflow lists no result %q", q.Result)
						continue
					}
					if !slices.Equal(cats, q.Categories()) {
						t.Errorf("result %q: goflow lists categories %q, the workflow %q", q.Result, cats, q.Categories())
					}
				}
			})
		}
	}
}

// TestGoflowWorkflowConversations runs the scripted conversations with the
// compiled example workflows through goflow: each must play to its end with
// no error event, and every result must take one of its question's
// categories. (TestSimulatorAgreesWithGoflow compares them in detail.)
func TestGoflowWorkflowConversations(t *testing.T) {
	exports := map[string][]byte{}
	workflows := map[string]*workflow.Workflow{}
	for _, c := range workflowConversations {
		path := filepath.Join("../../examples/workflows", c.file)
		export, ok := exports[c.file]
		if !ok {
			export = compileWorkflow(t, path)
			exports[c.file] = export
			w, err := workflow.ParseFile(path)
			if err != nil {
				t.Fatal(err)
			}
			workflows[c.file] = w
		}
		tr, err := goflowcheck.Run(export, c.flow, c.contact, c.steps)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		for _, e := range tr.Errors {
			t.Errorf("%s: goflow error event: %s", c.name, e)
		}
		if len(tr.Messages) == 0 {
			t.Errorf("%s: no message sent", c.name)
		}
		for key, r := range tr.Results {
			q := workflows[c.file].Question(r.Name)
			if q == nil {
				t.Errorf("%s: result %q (%s) is no question's", c.name, r.Name, key)
				continue
			}
			if !slices.Contains(q.Categories(), r.Category) {
				t.Errorf("%s: result %q has category %q, not one of %q", c.name, r.Name, r.Category, q.Categories())
			}
		}
	}
}

// TestNumericWhenSkipsNonAnswers: a numeric `when` (cholera_cases > 0) must
// hold only for an actual number answer. After No Response goflow saves the
// timeout's timestamp as the value, and has_number_gt finds 2026 in it;
// after Other it saves the reply that did not fit, here out of range.
func TestNumericWhenSkipsNonAnswers(t *testing.T) {
	export := compileWorkflow(t, "../../examples/workflows/idsr-weekly.yaml")
	for name, cholera := range map[string][]goflowcheck.Step{
		"no response":  steps(timeout()),
		"out of range": steps(reply("3000"), reply("3000"), reply("3000")),
	} {
		t.Run(name, func(t *testing.T) {
			// Malaria answered, then cholera with no number.
			tr, err := goflowcheck.Run(export, "", fatu, append(steps(reply("4")), cholera...))
			if err != nil {
				t.Fatal(err)
			}
			if r := tr.Results["cholera_cases"]; r.Category == "Has Number" {
				t.Fatalf("cholera_cases is a number answer: %+v", r)
			}
			if last := tr.Messages[len(tr.Messages)-1]; !strings.HasPrefix(last, "Measles") {
				t.Errorf("after cholera got no number, the flow sent %q, want the measles question", last)
			}
		})
	}
}
