package ihristest_test

import (
	"net/http"
	"path/filepath"
	"testing"

	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/internal/fixtures"
)

func TestDemoBundlesLoad(t *testing.T) {
	dir := fixtures.Dir(t, "fixtures", "ihris", "demo")
	s := ihristest.NewServer(ihristest.WithSeedDir(dir))
	defer s.Close()
	for typ, want := range map[string]int{"Practitioner": 1007, "PractitionerRole": 1008, "Organization": 15} {
		b := search(t, s, typ+"?_summary=count")
		if b.Total == nil || *b.Total != want {
			t.Errorf("%s: total %v, want %d", typ, b.Total, want)
		}
	}
	// The quirky facility (managingOrganization as a bare string) is served
	// as loaded, and its reference is still searchable.
	var loc map[string]any
	if st := do(t, s, "GET", "Location/TF.W.RSH.1", nil, &loc); st != http.StatusOK {
		t.Fatalf("read facility: %d", st)
	}
	if _, ok := loc["managingOrganization"].(string); !ok {
		t.Fatalf("managingOrganization = %#v, want the bare string as loaded", loc["managingOrganization"])
	}
	b := search(t, s, "Location?organization=Organization/TF.W.RSH.1")
	if len(b.Entry) != 1 {
		t.Fatalf("Location?organization: %d entries, want 1", len(b.Entry))
	}
	// All demo roles reach their practitioners through _include.
	pages := all(t, s, "PractitionerRole?_count=200&_include=PractitionerRole:practitioner")
	roles := 0
	for _, p := range pages {
		roles += len(p.ids("match"))
	}
	if roles != 1008 {
		t.Fatalf("paged %d roles, want 1008", roles)
	}
}

func TestTerminologyProfilesAndMHeroLoad(t *testing.T) {
	dir := fixtures.Dir(t, "fixtures", "ihris")
	s := ihristest.NewServer(
		ihristest.WithSeedDir(filepath.Join(dir, "terminology")),
		ihristest.WithSeedDir(filepath.Join(dir, "profiles")),
		ihristest.WithSeedDir(filepath.Join(dir, "search-parameters")),
		ihristest.WithSeedDir(filepath.Join(dir, "mhero")), // includes a Kibana export, skipped
	)
	defer s.Close()
	if b := search(t, s, "StructureDefinition?url=http://ihris.org/fhir/StructureDefinition/ihris-practitioner"); len(b.Entry) != 1 {
		t.Errorf("ihris-practitioner profile: %d entries", len(b.Entry))
	}
	if b := search(t, s, "SearchParameter?code=employmentstatus"); len(b.Entry) != 1 {
		t.Errorf("employmentstatus SearchParameter: %d entries", len(b.Entry))
	}
	if b := search(t, s, "CommunicationRequest?_summary=count"); b.Total == nil || *b.Total != 2 {
		t.Errorf("mHero CommunicationRequests: %v", b.Total)
	}
	b := search(t, s, "CodeSystem?url=http://ihris.org/fhir/CodeSystem/ihris-job")
	if len(b.Entry) != 1 || len(b.Entry[0].Resource["concept"].([]any)) != 51 {
		t.Fatalf("ihris-job: %d entries", len(b.Entry))
	}
	if b := search(t, s, "ValueSet?url=http://ihris.org/fhir/ValueSet/ihris-job"); len(b.Entry) != 1 {
		t.Fatalf("ValueSet ihris-job: %d entries", len(b.Entry))
	}
}
