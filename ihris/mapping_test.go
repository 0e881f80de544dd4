package ihris

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// readTestBundle decodes testdata/worker.json with samply's strict decoder.
func readTestBundle(t *testing.T) (models.Practitioner, []models.PractitionerRole) {
	t.Helper()
	data, err := os.ReadFile("testdata/worker.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := models.UnmarshalBundle(data)
	if err != nil {
		t.Fatal(err)
	}
	var p models.Practitioner
	var roles []models.PractitionerRole
	for _, e := range b.Entry {
		var head struct{ ResourceType string }
		if err := json.Unmarshal(e.Resource, &head); err != nil {
			t.Fatal(err)
		}
		switch head.ResourceType {
		case "Practitioner":
			if p, err = models.UnmarshalPractitioner(e.Resource); err != nil {
				t.Fatal(err)
			}
		case "PractitionerRole":
			r, err := models.UnmarshalPractitionerRole(e.Resource)
			if err != nil {
				t.Fatal(err)
			}
			roles = append(roles, r)
		}
	}
	return p, roles
}

func TestMapperWorker(t *testing.T) {
	t.Parallel()
	p, roles := readTestBundle(t)
	tree := NewPlaces(slices.Concat(demoLocations(t, "bundle-Country.json"), demoLocations(t, "bundle-Region.json"),
		demoLocations(t, "bundle-District.json"), []models.Location{facility("TF.CC.CAP.2", "TF.CC.CAP")}))
	m := Mapper{Places: tree, Terminology: demoTerminology(t)}
	w := m.Worker(p, roles)

	if w.ID != "P1" || !w.Active || w.Gender != "female" || w.VersionID != "3" || w.DisplayName() != "Ms Amina Okello" {
		t.Errorf("worker = %+v", w)
	}
	if want := time.Date(2026, 11, 20, 8, 30, 0, 123e6, time.UTC); !w.LastUpdated.Equal(want) {
		t.Errorf("LastUpdated = %v, want %v", w.LastUpdated, want)
	}
	if !slices.Equal(w.Languages, []string{"en-LR", "Kpelle"}) {
		t.Errorf("languages = %q, want en-LR and Kpelle (the empty one left out)", w.Languages)
	}
	if len(w.Phones) != 4 {
		t.Errorf("phones = %+v, want the 4 phone/sms entries (email left out)", w.Phones)
	}
	if best, _ := w.BestMobile(); best.Value != "0701 000 111" {
		t.Errorf("BestMobile = %+v", best)
	}
	if v, ok := w.Identifier("http://app.rapidpro.io/contact-uuid"); !ok || !strings.HasPrefix(v, "0f6c7d58") {
		t.Errorf("contact uuid identifier = %q, %v", v, ok)
	}
	if w.Identifiers[0].Type != "EN" {
		t.Errorf("identifier type = %q", w.Identifiers[0].Type)
	}
	if len(w.Roles) != 2 {
		t.Fatalf("roles = %d, want 2 (PR3 belongs to another worker)", len(w.Roles))
	}
	cur := w.CurrentRoles()
	if len(cur) != 1 || cur[0].ID != "PR1" {
		t.Fatalf("current roles = %+v", cur)
	}
	r := cur[0]
	if r.Job != (Coding{System: JobSystem, Code: "2230-1B", Display: "Nurse"}) {
		t.Errorf("job = %+v", r.Job)
	}
	if r.Cadre.Code != "nurse" || r.Cadre.Display != "Nurse" {
		t.Errorf("cadre = %+v", r.Cadre)
	}
	if r.EmploymentStatus.Code != "fullTime" || r.EmploymentStatus.Display != "Full-time" {
		t.Errorf("employment status = %+v", r.EmploymentStatus)
	}
	var chain []string
	for _, pl := range r.Places {
		chain = append(chain, pl.Level+":"+pl.ID)
	}
	if want := []string{"facility:TF.CC.CAP.2", "district:TF.CC.CAP", "region:TF.CC", "country:TF"}; !slices.Equal(chain, want) {
		t.Errorf("chain = %v, want %v", chain, want)
	}
	if d, ok := r.At("district"); !ok || d.Name != "Capital" {
		t.Errorf("At(district) = %+v, %v", d, ok)
	}
	var warned []string
	for _, wn := range w.Warnings {
		warned = append(warned, wn.String())
	}
	joined := strings.Join(warned, "\n")
	for _, want := range []string{
		"Practitioner/P1 telecom[4]: phone without a value",
		`PractitionerRole/PR2 code: job "9999-9Z" is not in the ihris-job CodeSystem`,
		"PractitionerRole/PR2 location[0]: facility Location/NOWHERE is unknown",
	} {
		if !strings.Contains(joined, want) {
			t.Errorf("warnings lack %q:\n%s", want, joined)
		}
	}
	if len(w.Warnings) != 3 {
		t.Errorf("%d warnings, want 3:\n%s", len(w.Warnings), joined)
	}
}

func facility(id, district string) models.Location {
	ref := "Location/" + district
	sys, code := FacilityTypeSystem, "HOSP"
	return models.Location{Id: &id, PartOf: &models.Reference{Reference: &ref},
		Type: []models.CodeableConcept{{Coding: []models.Coding{{System: &sys, Code: &code}}}}}
}

// FuzzMapperWorker feeds arbitrary Practitioner and role JSON through the
// lenient decoder and the mapper: no input may panic or lose the worker.
func FuzzMapperWorker(f *testing.F) {
	data, err := os.ReadFile("testdata/worker.json")
	if err != nil {
		f.Fatal(err)
	}
	var b struct {
		Entry []struct {
			Resource json.RawMessage `json:"resource"`
		} `json:"entry"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		f.Fatal(err)
	}
	for _, e := range b.Entry[1:] {
		f.Add([]byte(b.Entry[0].Resource), []byte(e.Resource))
	}
	f.Add([]byte(`{"resourceType":"Practitioner","id":"X","telecom":[{"system":"BP","value":"1"}],"name":"oops"}`),
		[]byte(`{"resourceType":"PractitionerRole","practitioner":"Practitioner/X","location":[{"reference":"Location/TF"}],"code":{"text":1}}`))
	tree := NewPlaces([]models.Location{facility("TF.CC.CAP.2", "TF.CC.CAP")})
	f.Fuzz(func(t *testing.T, practitioner, role []byte) {
		pres, err := fhir.ParseResource(practitioner)
		if err != nil {
			return
		}
		p, ok := fhir.As[models.Practitioner](pres)
		if !ok {
			return
		}
		var roles []models.PractitionerRole
		if rres, err := fhir.ParseResource(role); err == nil {
			if r, ok := fhir.As[models.PractitionerRole](rres); ok {
				roles = append(roles, *r)
			}
		}
		w := Mapper{Places: tree, Terminology: NewTerminology()}.Worker(*p, roles)
		if w.ID != deref(p.Id) {
			t.Fatalf("worker id %q, practitioner id %q", w.ID, deref(p.Id))
		}
		_ = w.SelectPhones(PhoneSelection{All: true})
		_ = (Criteria{Places: []string{"TF"}, Cadres: []string{"nurse"}}).Match(w)
	})
}
