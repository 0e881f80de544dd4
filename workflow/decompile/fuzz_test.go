package decompile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/decompile"
	"github.com/mhero-go/mhero/workflow/flow"
)

// FuzzDecompile: any export that reads decompiles without panicking, and
// a flow said to fit gives a workflow that compiles and writes as YAML.
func FuzzDecompile(f *testing.F) {
	if root, ok := fixtures.Root(); ok {
		files, _ := filepath.Glob(filepath.Join(root, "fixtures", "flows", "*.json"))
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(data)
			}
		}
	}
	for _, file := range []string{"../../examples/workflows/clinic-survey.yaml", "../testdata/clinic_survey.yaml", "../testdata/other_choice.yaml", "../../examples/workflows/idsr-weekly.yaml"} {
		w, err := workflow.ParseFile(file)
		if err != nil {
			continue
		}
		e, err := workflow.Compile(w)
		if err != nil {
			f.Fatal(err)
		}
		data, err := flow.MarshalExport(e)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version": "13", "flows": [{"uuid": "a", "name": "x", "spec_version": "13.0.0", "language": "eng", "type": "messaging", "nodes": [{"uuid": "n", "exits": [{"uuid": "e", "destination_uuid": "n"}]}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := flow.ParseExport(data)
		if err != nil {
			return
		}
		for i := range e.Flows {
			r, err := decompile.Decompile(e, decompile.Options{Flow: e.Flows[i].UUID})
			if err != nil {
				continue
			}
			if _, err := workflow.MarshalYAML(r.Workflow); err != nil {
				t.Fatalf("flow %q: the workflow does not write as YAML: %v", r.Flow.Name, err)
			}
			if r.Err() == nil {
				if _, err := workflow.Compile(r.Workflow); err != nil {
					t.Fatalf("flow %q fits, but its workflow does not compile: %v", r.Flow.Name, err)
				}
			}
		}
	})
}
