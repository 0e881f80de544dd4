package ihris

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestCriteriaMatch(t *testing.T) {
	t.Parallel()
	district := []Place{{ID: "F1", Level: "facility"}, {ID: "D1", Level: "district"}, {ID: "R1", Level: "region"}, {ID: "TF", Level: "country"}}
	elsewhere := []Place{{ID: "F2", Level: "facility"}, {ID: "D2", Level: "district"}, {ID: "R1", Level: "region"}, {ID: "TF", Level: "country"}}
	nurseInD1 := HealthWorker{ID: "n1", Active: true, Gender: "female", Roles: []Role{
		{Active: true, Job: Coding{Code: "2230-1B"}, Cadre: Coding{Code: "nurse"}, EmploymentStatus: Coding{Code: "fullTime"}, Places: district, FacilityID: "F1"},
	}}
	// A nurse elsewhere who drives an ambulance in D1 is not a nurse in D1.
	mixed := HealthWorker{ID: "m1", Active: true, Gender: "male", Roles: []Role{
		{Active: true, Job: Coding{Code: "2230-1B"}, Cadre: Coding{Code: "nurse"}, Places: elsewhere, FacilityID: "F2"},
		{Active: true, Job: Coding{Code: "8322-1A"}, Places: district, FacilityID: "F1"},
	}}
	formerNurseInD1 := HealthWorker{ID: "f1", Active: true, Roles: []Role{
		{Active: true, End: "2019-12-31", Cadre: Coding{Code: "nurse"}, Places: district, FacilityID: "F1"},
	}}
	inactive := HealthWorker{ID: "i1", Active: false}
	noRole := HealthWorker{ID: "r0", Active: true}

	tests := []struct {
		name string
		c    Criteria
		want map[string]bool
	}{
		{"zero value: every active worker", Criteria{}, map[string]bool{"n1": true, "m1": true, "f1": true, "r0": true}},
		{"inactive", Criteria{Status: StatusInactive}, map[string]bool{"i1": true}},
		{"any", Criteria{Status: StatusAny}, map[string]bool{"n1": true, "m1": true, "f1": true, "r0": true, "i1": true}},
		{"nurses of district D1", Criteria{Places: []string{"D1"}, Cadres: []string{"nurse"}}, map[string]bool{"n1": true}},
		{"anyone in region R1", Criteria{Places: []string{"R1"}}, map[string]bool{"n1": true, "m1": true}},
		{"facility F2 or D1", Criteria{Places: []string{"F2", "D1"}}, map[string]bool{"n1": true, "m1": true}},
		{"job", Criteria{Jobs: []string{"8322-1A"}}, map[string]bool{"m1": true}},
		{"employment status", Criteria{EmploymentStatuses: []string{"fullTime"}}, map[string]bool{"n1": true}},
		{"gender", Criteria{Genders: []string{"male"}}, map[string]bool{"m1": true}},
	}
	all := []HealthWorker{nurseInD1, mixed, formerNurseInD1, inactive, noRole}
	for _, tt := range tests {
		for _, w := range all {
			if got := tt.c.Match(w); got != tt.want[w.ID] {
				t.Errorf("%s: Match(%s) = %v, want %v", tt.name, w.ID, got, tt.want[w.ID])
			}
		}
	}
}

func TestCriteriaRoundTripAndCanonical(t *testing.T) {
	t.Parallel()
	c := Criteria{Places: []string{"TF.S", "TF.CC", "TF.S"}, Cadres: []string{"nurse"}}
	data, err := json.Marshal(c.Canonical())
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"places":["TF.CC","TF.S"],"cadres":["nurse"],"status":"active"}`
	if string(data) != want {
		t.Errorf("canonical JSON = %s, want %s", data, want)
	}
	var back Criteria
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.String() != "active workers; places TF.CC, TF.S; cadres nurse" {
		t.Errorf("String() = %q", back.String())
	}
	if c.Places[0] != "TF.S" {
		t.Error("Canonical mutated the caller's criteria")
	}
}

func TestCriteriaValidate(t *testing.T) {
	t.Parallel()
	if err := (Criteria{Places: []string{"TF"}}).Validate(); err != nil {
		t.Errorf("valid criteria: %v", err)
	}
	err := Criteria{Jobs: []string{" "}, Status: "retired"}.Validate()
	if !errors.Is(err, ErrInvalidCriteria) {
		t.Fatalf("Validate() = %v, want ErrInvalidCriteria", err)
	}
}
