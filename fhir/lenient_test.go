package fhir

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// readDemo parses a demo bundle of the iHRIS fixtures.
func readDemo(t testing.TB, name string) *Page {
	t.Helper()
	dir := fixtures.Dir(t, "fixtures", "ihris", "demo")
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	p, err := parsePage(data)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDemoBundlesLoadLeniently(t *testing.T) {
	for _, tc := range []struct {
		file, typ string
		n         int
	}{
		{"bundle-Practitioner.json", "Practitioner", 1007},
		{"bundle-PractitionerRole.json", "PractitionerRole", 1008},
	} {
		p := readDemo(t, tc.file)
		n := 0
		for _, e := range p.Entries {
			if e.Resource != nil && e.Resource.Type() == tc.typ && e.Resource.Model != nil {
				n++
			}
		}
		t.Logf("%s: %d resources, %d warnings", tc.typ, n, len(p.Warnings))
		for _, w := range p.Warnings[:min(3, len(p.Warnings))] {
			t.Log(w)
		}
		if n != tc.n {
			t.Errorf("%s: %d decoded, want %d", tc.typ, n, tc.n)
		}
	}
	p := readDemo(t, "bundle-Facility.json")
	for _, w := range p.Warnings[:min(3, len(p.Warnings))] {
		t.Log(w)
	}
	_ = models.Practitioner{}
}
