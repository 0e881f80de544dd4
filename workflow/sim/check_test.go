package sim_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow/flow"
	"github.com/mhero-go/mhero/workflow/sim"
)

func TestCheckFixtures(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "flows")
	// what each fixture flow uses that the simulator can't run offline
	want := map[string][]string{
		"Dependencies":                       {`@globals`, `"call_webhook"`, `"call_classifier"`, `"has_top_intent"`, `"open_ticket"`, `"request_optin"`},
		"Sample Flow - Satisfaction Survey":  {`"call_webhook"`},
		"Sample Flow - Order Status Checker": {`"call_webhook"`},
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	seen := 0
	for _, path := range files {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		exp, err := flow.ParseExport(data)
		if err != nil {
			t.Fatal(err)
		}
		for i := range exp.Flows {
			f := &exp.Flows[i]
			seen++
			problems := sim.Check(f)
			var texts []string
			for _, p := range problems {
				if p.NodeUUID == "" || f.Node(p.NodeUUID) == nil {
					t.Errorf("%s: problem %v names no node of the flow", f.Name, p)
				}
				texts = append(texts, p.Error())
			}
			all := strings.Join(texts, "\n")
			for _, feature := range want[f.Name] {
				if !strings.Contains(all, feature) {
					t.Errorf("%s: Check missed %s; got:\n%s", f.Name, feature, all)
				}
			}
			if len(want[f.Name]) == 0 && len(problems) > 0 {
				t.Errorf("%s: unexpected problems:\n%s", f.Name, all)
			}
		}
	}
	if seen < 10 {
		t.Errorf("checked %d fixture flows, want at least 10", seen)
	}
}
