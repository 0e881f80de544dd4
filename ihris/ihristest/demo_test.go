package ihristest_test

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/internal/fhirraw"
	"github.com/mhero-go/mhero/internal/fixtures"
)

func TestDemoBundlesLoad(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "ihris", "demo")
	s := ihristest.NewServer(ihristest.WithSeedDir(dir))
	defer s.Close()
	for typ, want := range map[string]int{"Practitioner": 1007, "PractitionerRole": 1008, "Organization": 15} {
		b := fhirraw.Search(t, s, typ+"?_summary=count")
		if b.Total == nil || *b.Total != want {
			t.Errorf("%s: total %v, want %d", typ, b.Total, want)
		}
	}
	// The quirky facility (managingOrganization as a bare string) is served
	// as loaded, and its reference is still searchable.
	var loc map[string]any
	if st := fhirraw.Do(t, s, "GET", "Location/TF.W.RSH.1", nil, &loc); st != http.StatusOK {
		t.Fatalf("read facility: %d", st)
	}
	if _, ok := loc["managingOrganization"].(string); !ok {
		t.Fatalf("managingOrganization = %#v, want the bare string as loaded", loc["managingOrganization"])
	}
	b := fhirraw.Search(t, s, "Location?organization=Organization/TF.W.RSH.1")
	if len(b.Entry) != 1 {
		t.Fatalf("Location?organization: %d entries, want 1", len(b.Entry))
	}
	// All demo roles reach their practitioners through _include.
	pages := fhirraw.All(t, s, "PractitionerRole?_count=200&_include=PractitionerRole:practitioner")
	roles := 0
	for _, p := range pages {
		roles += len(p.IDs("match"))
	}
	if roles != 1008 {
		t.Fatalf("paged %d roles, want 1008", roles)
	}
}

func TestTerminologyProfilesAndMHeroLoad(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "ihris")
	s := ihristest.NewServer(
		ihristest.WithSeedDir(filepath.Join(dir, "terminology")),
		ihristest.WithSeedDir(filepath.Join(dir, "profiles")),
		ihristest.WithSeedDir(filepath.Join(dir, "search-parameters")),
		ihristest.WithSeedDir(filepath.Join(dir, "mhero")), // includes a Kibana export, skipped
	)
	defer s.Close()
	if b := fhirraw.Search(t, s, "StructureDefinition?url=http://ihris.org/fhir/StructureDefinition/ihris-practitioner"); len(b.Entry) != 1 {
		t.Errorf("ihris-practitioner profile: %d entries", len(b.Entry))
	}
	if b := fhirraw.Search(t, s, "SearchParameter?code=employmentstatus"); len(b.Entry) != 1 {
		t.Errorf("employmentstatus SearchParameter: %d entries", len(b.Entry))
	}
	if b := fhirraw.Search(t, s, "CommunicationRequest?_summary=count"); b.Total == nil || *b.Total != 2 {
		t.Errorf("mHero CommunicationRequests: %v", b.Total)
	}
	b := fhirraw.Search(t, s, "CodeSystem?url=http://ihris.org/fhir/CodeSystem/ihris-job")
	if len(b.Entry) != 1 || len(b.Entry[0].Resource["concept"].([]any)) != 51 {
		t.Fatalf("ihris-job: %d entries", len(b.Entry))
	}
	if b := fhirraw.Search(t, s, "ValueSet?url=http://ihris.org/fhir/ValueSet/ihris-job"); len(b.Entry) != 1 {
		t.Fatalf("ValueSet ihris-job: %d entries", len(b.Entry))
	}
}

// TestDemoBundlesPostedOverHTTP loads the demo transaction bundles the way
// iHRIS's installer does: POSTed to the base of an empty server.
func TestDemoBundlesPostedOverHTTP(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "ihris", "demo")
	s := ihristest.NewServer()
	defer s.Close()
	for _, f := range []string{"bundle-Country.json", "bundle-Region.json", "bundle-District.json", "bundle-Facility.json", "bundle-Practitioner.json", "bundle-PractitionerRole.json"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		var resp fhirraw.Bundle
		if st := fhirraw.Do(t, s, "POST", "", string(b), &resp); st != http.StatusOK || resp.Type != "transaction-response" {
			t.Fatalf("%s: status %d, %s", f, st, resp.Type)
		}
		for i, e := range resp.Entry {
			if e.Response.Status != "201 Created" {
				t.Fatalf("%s entry %d: %s", f, i, e.Response.Status)
			}
		}
	}
	for typ, want := range map[string]int{"Practitioner": 1007, "PractitionerRole": 1008} {
		if b := fhirraw.Search(t, s, typ+"?_summary=count"); *b.Total != want {
			t.Errorf("%s: %d, want %d", typ, *b.Total, want)
		}
	}
	// Reloading updates: every resource gets a second version.
	b, _ := os.ReadFile(filepath.Join(dir, "bundle-Region.json"))
	var resp fhirraw.Bundle
	fhirraw.Do(t, s, "POST", "", string(b), &resp)
	if resp.Entry[0].Response.Status != "200 OK" || !strings.HasSuffix(resp.Entry[0].Response.Location, "/_history/2") {
		t.Fatalf("reload: %+v", resp.Entry[0].Response)
	}
	// The demo hierarchy: districts of a region, facilities below it.
	if b := fhirraw.Search(t, s, "Location?partof=Location/TF.W&_count=100"); len(b.Entry) == 0 {
		t.Fatal("no districts in region TF.W")
	}
	if b := fhirraw.Search(t, s, "Location?type=http://ihris.org/fhir/CodeSystem/ihris-jurisdiction|district&_summary=count"); *b.Total != 30 {
		t.Fatalf("districts by type: %d, want 30", *b.Total)
	}
	if b := fhirraw.Search(t, s, "Location?name=rushonga"); len(b.Entry) < 2 {
		t.Fatalf("Location?name=rushonga (the district and its hospital): %d", len(b.Entry))
	}
	if b := fhirraw.Search(t, s, "Location?name:exact=Rushonga%20Hospital"); len(b.Entry) != 1 {
		t.Fatalf("Location?name:exact=Rushonga Hospital: %d", len(b.Entry))
	}
}
