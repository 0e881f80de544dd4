package ihristest

import (
	"encoding/json"
	"testing"
)

// TestEncodersMatchEncodingJSON keeps the hand-written encoders identical
// to what encoding/json makes of the same values.
func TestEncodersMatchEncodingJSON(t *testing.T) {
	t.Parallel()
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
