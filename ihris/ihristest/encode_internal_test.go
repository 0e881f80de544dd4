package ihristest

import (
	"encoding/json"
	"testing"
)

// TestEncodersMatchEncodingJSON keeps the hand-written encoders identical
// to what encoding/json makes of the same values.
func TestEncodersMatchEncodingJSON(t *testing.T) {
	n := 0
	_, err := Workforce{Seed: 9, Workers: 400, Mix: &Mix{Quirks: 0.5, SecondPhone: 0.5, InvalidPhone: 0.2, TwoRoles: 0.3}}.Generate(func(r Resource) error {
		var v any
		switch r.Type {
		case "Practitioner":
			v = new(jPractitioner)
		case "PractitionerRole":
			v = new(jRole)
		default:
			return nil
		}
		if err := json.Unmarshal(r.JSON, v); err != nil {
			return err
		}
		want, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if string(want) != string(r.JSON) {
			t.Errorf("%s/%s:\n got %s\nwant %s", r.Type, r.ID, r.JSON, want)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 800 {
		t.Fatalf("checked only %d resources", n)
	}
}

// TestGeneratedRefsMatchTheJSON: the references the generator hands the
// index are exactly those the server would extract from the JSON.
func TestGeneratedRefsMatchTheJSON(t *testing.T) {
	w := Workforce{Seed: 4, Workers: 200, Regions: 2, Districts: 4, Facilities: 10, RelatedGroups: true,
		Mix: &Mix{Quirks: 0.5, TwoRoles: 0.5}}
	_, err := w.Generate(func(r Resource) error {
		var m map[string]any
		if err := json.Unmarshal(r.JSON, &m); err != nil {
			return err
		}
		want := map[ref]bool{}
		for _, rf := range indexRefs(r.Type, m, "") {
			want[rf] = true
		}
		got := map[ref]bool{}
		for _, rf := range r.refs {
			got[rf] = true
		}
		if len(got) != len(want) {
			t.Errorf("%s/%s: generator refs %v, JSON has %v", r.Type, r.ID, r.refs, want)
		}
		for rf := range got {
			if !want[rf] {
				t.Errorf("%s/%s: generator ref %v not in the JSON", r.Type, r.ID, rf)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
