package ihris

import (
	"slices"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/fhir"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// demoLocations decodes the Locations of a demo bundle leniently.
func demoLocations(t *testing.T, file string) []models.Location {
	t.Helper()
	var out []models.Location
	for _, raw := range fixtureEntries(t, "demo", file) {
		res, err := fhir.ParseResource(raw)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if l, ok := fhir.As[models.Location](res); ok {
			out = append(out, *l)
		}
	}
	return out
}

func placeIDs(ps []Place) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.ID)
	}
	return out
}

func TestPlacesDemoJurisdictions(t *testing.T) {
	t.Parallel()
	locs := slices.Concat(demoLocations(t, "bundle-Country.json"), demoLocations(t, "bundle-Region.json"), demoLocations(t, "bundle-District.json"))
	tree := NewPlaces(locs)
	if tree.Len() != 247+5+30 {
		t.Errorf("Len() = %d", tree.Len())
	}
	if w := tree.Warnings(); len(w) != 0 {
		t.Errorf("warnings: %v", w)
	}
	chain := tree.Chain("TF.CC.CAP")
	if got := placeIDs(chain); !slices.Equal(got, []string{"TF.CC.CAP", "TF.CC", "TF"}) {
		t.Fatalf("Chain(TF.CC.CAP) = %v", got)
	}
	if chain[0].Level != "district" || chain[0].LevelName != "District" || chain[1].Level != "region" || chain[2].Level != "country" {
		t.Errorf("levels = %+v", chain)
	}
	if got := len(tree.Children("TF")); got != 5 {
		t.Errorf("regions under TF = %d, want 5", got)
	}
	if got := tree.Subtree("TF"); len(got) != 1+5+30 {
		t.Errorf("Subtree(TF) has %d places, want 36", len(got))
	}
	if got := tree.Levels(); !slices.Equal(got[:3], []string{"country", "region", "district"}) {
		t.Errorf("Levels() = %v", got)
	}
}

func TestPlacesEthiopiaSampleHasDeeperLevels(t *testing.T) {
	t.Parallel()
	tree := NewPlaces(demoLocations(t, "sample_facilty.json"))
	chain := tree.Chain("ET.R8.Z14.W67-MFR-346")
	var levels []string
	for _, p := range chain {
		levels = append(levels, p.Level)
	}
	if !slices.Equal(levels, []string{"woreda", "zone", "region", "country"}) {
		t.Errorf("levels up from a woreda = %v", levels)
	}
	fac, ok := tree.Get("DHIS2-zAq6X665PeH")
	if !ok || !fac.Facility || fac.ParentID != "addis-ababa-regional-health-bureau" {
		t.Errorf("facility = %+v, %v", fac, ok)
	}
	// The ministry's partOf is an empty reference: it is a root, not an error.
	if p, _ := tree.Get("federal-ministry-of-health"); p.ParentID != "" || !p.Facility {
		t.Errorf("ministry = %+v", p)
	}
	under := tree.FacilitiesUnder("federal-ministry-of-health")
	if len(under) != 12 {
		t.Errorf("FacilitiesUnder(ministry) = %d %v, want 12", len(under), under)
	}
}

func TestPlacesWarnOnUnknownParentAndCycle(t *testing.T) {
	t.Parallel()
	loc := func(id, parent string) models.Location {
		l := models.Location{Id: &id}
		if parent != "" {
			ref := "Location/" + parent
			l.PartOf = &models.Reference{Reference: &ref}
		}
		return l
	}
	tree := NewPlaces([]models.Location{loc("a", "b"), loc("b", "a"), loc("c", "missing"), loc("d", "c"), {}})
	var msgs []string
	for _, w := range tree.Warnings() {
		msgs = append(msgs, w.String())
	}
	joined := strings.Join(msgs, "\n")
	for _, want := range []string{"Location/c partOf: parent Location/missing is unknown", "cycle", "without id"} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings %q lack %q", joined, want)
		}
	}
	if got := placeIDs(tree.Chain("d")); !slices.Equal(got, []string{"d", "c"}) {
		t.Errorf("Chain(d) = %v", got)
	}
	// The cycle is cut where the walk in id order closes it: at a.
	if got, got2 := placeIDs(tree.Chain("a")), placeIDs(tree.Chain("b")); !slices.Equal(got, []string{"a"}) || !slices.Equal(got2, []string{"b", "a"}) {
		t.Errorf("Chain(a) = %v, Chain(b) = %v; the cycle should be cut at a", got, got2)
	}
}

func TestReferenceID(t *testing.T) {
	t.Parallel()
	tests := []struct{ ref, typ, want string }{
		{"Location/TF.CC", "Location", "TF.CC"},
		{"http://hapi/fhir/Location/TF.CC/_history/3", "Location", "TF.CC"},
		{"Organization/TF.CC", "Location", ""},
		{"SubLocation/x", "Location", ""},
		{"", "Location", ""},
	}
	for _, tt := range tests {
		if got := referenceID(tt.ref, tt.typ); got != tt.want {
			t.Errorf("referenceID(%q, %q) = %q, want %q", tt.ref, tt.typ, got, tt.want)
		}
	}
}
