package ihris

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/mhero-go/mhero/internal/fixtures"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// fixtureEntries returns the resources of a shared iHRIS fixture bundle.
func fixtureEntries(t testing.TB, elem ...string) []json.RawMessage {
	t.Helper()
	dir := fixtures.Dir(t, "fixtures", "ihris")
	data, err := os.ReadFile(filepath.Join(append([]string{dir}, elem...)...))
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	out := make([]json.RawMessage, len(b.Entry))
	for i, e := range b.Entry {
		out[i] = e.Resource
	}
	return out
}

// fixtureCodeSystem reads one CodeSystem of the shared terminology.
func fixtureCodeSystem(t testing.TB, name string) models.CodeSystem {
	t.Helper()
	dir := fixtures.Dir(t, "fixtures", "ihris", "terminology")
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	cs, err := models.UnmarshalCodeSystem(data)
	if err != nil {
		t.Fatal(err)
	}
	return cs
}

// demoTerminology returns the terminology of the demo fixtures.
func demoTerminology(t testing.TB) *Terminology {
	return NewTerminology(
		fixtureCodeSystem(t, "CodeSystem-ihris-job.json"),
		fixtureCodeSystem(t, "CodeSystem-ihris-cadre.json"),
		fixtureCodeSystem(t, "CodeSystem-ihris-employment-status-codesystem.json"),
	)
}
