package flow_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/workflow/flow"
)

func TestSnakify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"RDT Stock":       "rdt_stock",
		"  Age (years) ":  "age_years_",
		"Favorite Color":  "favorite_color",
		"déjà vu":         "déjà_vu",
		"already_snake_1": "already_snake_1",
		"Q1. How many?":   "q1_how_many_",
	} {
		if got := flow.Snakify(in); got != want {
			t.Errorf("Snakify(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestResultsFavorites(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile(filepath.Join(fixtures.Dir(t, "fixtures", "flows"), "favorites_v13.json"))
	if err != nil {
		t.Fatal(err)
	}
	exp, err := flow.ParseExport(data)
	if err != nil {
		t.Fatal(err)
	}
	got := exp.Flows[0].Results()
	want := []flow.Result{
		{Name: "Color", Key: "color", Question: "What is your favorite color?", Categories: []string{"Red", "Green", "Blue", "Cyan", "Other"}, Wait: true},
		{Name: "Beer", Key: "beer", Question: "Good choice, I like @results.color.category_localized too! What is your favorite beer?", Categories: []string{"Mutzig", "Primus", "Turbo King", "Skol", "Other"}, Wait: true},
		{Name: "Name", Key: "name", Question: "Mmmmm... delicious @results.beer.category_localized. If only they made @(lower(results.color)) @results.beer.category_localized! Lastly, what is your name?", Categories: []string{"All Responses"}, Wait: true},
	}
	if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".NodeUUIDs" }, cmp.Ignore())); diff != "" {
		t.Errorf("Results() mismatch (-want +got):\n%s", diff)
	}
	for _, r := range got {
		if len(r.NodeUUIDs) == 0 {
			t.Errorf("result %s lists no node", r.Key)
		}
	}
}
