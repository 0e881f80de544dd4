package goflowcheck_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/internal/goflowcheck"
)

// fixtureVerdicts is what goflow v0.197.7 says about each real export in
// ../shared/fixtures/flows (see its README): a flow is either refused with
// an error containing refused, or read with exactly the missing
// dependencies listed (assets the file itself does not declare), and no
// other issue.
var fixtureVerdicts = map[string]map[string]struct {
	refused string
	missing []string
}{
	"all_dependency_types.json": {
		"New Child": {},
		"All Dep Types": {missing: []string{
			"channel:5c2c874a-771c-4602-a84a-767fb0d55c6c",
			"field:age",
			"field:gender",
			"group:967b469b-fd34-46a5-90f9-40430d6db2a4",
			"label:c4812623-7932-4477-9b91-a1e4a9cb161f",
		}},
	},
	"background.json": {"Background": {}},
	"cataclysm.json": {
		"Cataclysmic": {missing: []string{"channel:bd55bb31-8ed4-4f89-b903-7103aa3762be"}},
		"Catastrophe": {},
	},
	"color_v13.json": {"Colors": {}},
	"dependencies_v13.json": {
		"Child Flow":   {},
		"Dependencies": {refused: "field 'ticketer' is required"},
	},
	"favorites_v13.json": {"Favorites": {}},
	"rating_10.json":     {"Rate us": {}},
	"sample_flows.json": {
		"Sample Flow - Satisfaction Survey":  {},
		"Sample Flow - Simple Poll":          {},
		"Sample Flow - Order Status Checker": {},
	},
	"whatsapp_template.json": {"Template Flow": {missing: []string{"template:f712e05c-bbed-40f1-b3d9-671bb9b60775"}}},
}

func TestInspectFixtures(t *testing.T) {
	dir := fixtures.Dir(t, "fixtures", "flows")
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(fixtureVerdicts) {
		t.Errorf("found %d fixture exports, expected verdicts for %d", len(files), len(fixtureVerdicts))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			want, ok := fixtureVerdicts[name]
			if !ok {
				t.Fatalf("no expected verdict for %s", name)
			}
			checks, err := goflowcheck.Inspect(data)
			if err != nil {
				t.Fatal(err)
			}
			if len(checks) != len(want) {
				t.Errorf("goflow read %d flows, want %d", len(checks), len(want))
			}
			for _, c := range checks {
				w, ok := want[c.Name]
				if !ok {
					t.Errorf("unexpected flow %q", c.Name)
					continue
				}
				if w.refused != "" {
					if c.Err == nil || !strings.Contains(c.Err.Error(), w.refused) {
						t.Errorf("%q: error %v, want one containing %q", c.Name, c.Err, w.refused)
					}
					continue
				}
				if c.Err != nil {
					t.Errorf("%q: goflow refused it: %v", c.Name, c.Err)
					continue
				}
				var missing []string
				for _, is := range c.Issues {
					if is.Type != "missing_dependency" {
						t.Errorf("%q: unexpected issue %s", c.Name, is)
						continue
					}
					missing = append(missing, is.Dependency)
				}
				slices.Sort(missing)
				missing = slices.Compact(missing)
				if !slices.Equal(missing, w.missing) {
					t.Errorf("%q: missing dependencies %q, want %q", c.Name, missing, w.missing)
				}
			}
		})
	}
}

func TestInspectReportsProblems(t *testing.T) {
	tests := []struct {
		name, export, want string
	}{
		{"not JSON", `{"flows": [`, "reading export"},
		{"v1 node uuid", exportWithNode(`"uuid": "d9b3a1f2-6c1e-11ee-8c99-0242ac120002"`), "must be a valid UUID4"},
		{"unknown test", exportWithNode(`"uuid": "` + nodeUUID + `", "router": {"type": "switch", "operand": "@input.text",
			"cases": [{"uuid": "` + caseUUID + `", "type": "has_magic", "arguments": [], "category_uuid": "` + catUUID + `"}],
			"categories": [{"uuid": "` + catUUID + `", "name": "Other", "exit_uuid": "` + exitUUID + `"}],
			"default_category_uuid": "` + catUUID + `"}`), "has_magic"},
		{"missing field", exportWithNode(`"uuid": "` + nodeUUID + `", "actions": [{"uuid": "` + actionUUID + `", "type": "send_msg", "text": "@fields.district"}]`), "missing_dependency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks, err := goflowcheck.Inspect([]byte(tt.export))
			var got []string
			if err != nil {
				got = append(got, err.Error())
			}
			for _, c := range checks {
				if c.Err != nil {
					got = append(got, c.Err.Error())
				}
				for _, is := range c.Issues {
					got = append(got, is.Type+": "+is.Description)
				}
			}
			if !strings.Contains(strings.Join(got, "\n"), tt.want) {
				t.Errorf("got %q, want a problem mentioning %q", got, tt.want)
			}
		})
	}
}

const (
	flowUUID   = "5f0c9d5e-7a56-4bb8-9d2d-0f3a52c0a6a1"
	nodeUUID   = "8a3f2b6e-1c4d-4e5f-9a7b-2c3d4e5f6a7b"
	actionUUID = "0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e"
	exitUUID   = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
	catUUID    = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f6a"
	caseUUID   = "3e4f5a6b-7c8d-4e9f-8a1b-2c3d4e5f6a7b"
)

// exportWithNode is an export of one flow with one node whose fields
// (before its exit) are given.
func exportWithNode(node string) string {
	return `{"version": "13", "flows": [{"uuid": "` + flowUUID + `", "name": "T", "spec_version": "13.0.0",
		"language": "eng", "type": "messaging", "nodes": [{` + node + `,
		"exits": [{"uuid": "` + exitUUID + `"}]}]}]}`
}
