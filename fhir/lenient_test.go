package fhir

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
)

// readDemoRaw returns a demo bundle of the iHRIS fixtures.
func readDemoRaw(t testing.TB, name string) []byte {
	t.Helper()
	dir := fixtures.Dir(t, "fixtures", "ihris", "demo")
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// readDemo parses a demo bundle of the iHRIS fixtures.
func readDemo(t testing.TB, name string) *Page {
	t.Helper()
	p, err := parsePage(readDemoRaw(t, name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDemoRegistryLoadsWithoutLoss(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, typ         string
		resources, warned int
	}{
		{"bundle-Practitioner.json", "Practitioner", 1007, 16}, // valueInteger "2"
		{"bundle-PractitionerRole.json", "PractitionerRole", 1008, 0},
		{"bundle-Facility.json", "Location", 15, 15}, // managingOrganization "Organization/..."
	} {
		p := readDemo(t, tc.file)
		n := 0
		for _, e := range p.Entries {
			if e.Resource.Type() == tc.typ && e.Resource.ID() != "" && e.Resource.Model != nil {
				n++
			}
		}
		warned := map[string]bool{}
		for _, w := range p.Warnings {
			warned[w.ResourceType+"/"+w.ID] = true
		}
		if n != tc.resources || len(warned) != tc.warned {
			t.Errorf("%s: %d resources (want %d), %d with warnings (want %d)", tc.typ, n, tc.resources, len(warned), tc.warned)
		}
	}
}
