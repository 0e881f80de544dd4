package target_test

import (
	"context"
	"maps"
	"slices"
	"testing"
)

// TestContactLanguageFromCommunication gives some workers languages in
// iHRIS (Practitioner.communication, in the codes iHRIS sites use): their
// contacts get the ISO 639-3 language RapidPro takes, in one update each,
// and a worker whose languages name none keeps the contact's language.
func TestContactLanguageFromCommunication(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 200, 15)
	ctx := context.Background()
	s := e.syncer(t)
	if _, err := s.Sync(ctx, everyone, false); err != nil {
		t.Fatal(err)
	}
	members := e.members(t, everyone.Name)
	ids := slices.Sorted(maps.Keys(members))
	if len(ids) < 6 {
		t.Fatalf("only %d members", len(ids))
	}
	// Each worker's communication: its codings' codes (or a text), and
	// the contact language wanted.
	cases := []struct {
		langs []string
		want  string
	}{
		{[]string{"fr"}, "fra"},            // ISO 639-1
		{[]string{"en-LR"}, "eng"},         // BCP 47
		{[]string{"Kpelle", "kpe"}, "kpe"}, // a name, then ISO 639-3
		{[]string{"fre"}, "fra"},           // ISO 639-2/B
		{[]string{"und", "vai"}, "vai"},    // undetermined, then Vai
		{[]string{"English"}, ""},          // a name only: left as it is
	}
	for i, c := range cases {
		editResource(t, e.fhir, "Practitioner", ids[i], func(m map[string]any) {
			var comm []any
			for _, l := range c.langs {
				if l == "Kpelle" || l == "English" {
					comm = append(comm, map[string]any{"text": l})
					continue
				}
				comm = append(comm, map[string]any{"coding": []any{map[string]any{"system": "urn:ietf:bcp:47", "code": l}}})
			}
			m["communication"] = comm
		})
	}
	before := e.writes()
	sum, err := s.Sync(ctx, everyone, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Updated != 5 || e.writes()-before != 5 {
		t.Errorf("updated %d contacts in %d writes, want 5 and 5", sum.Updated, e.writes()-before)
	}
	after := e.members(t, everyone.Name)
	for i, c := range cases {
		if got := after[ids[i]].Language; got != c.want {
			t.Errorf("worker %s with languages %q: contact language %q, want %q", ids[i], c.langs, got, c.want)
		}
	}
	// Nothing changed: no write.
	before = e.writes()
	if sum, err := s.Sync(ctx, everyone, true); err != nil || e.writes() != before {
		t.Errorf("full sync after: %d writes (updated %d), %v", e.writes()-before, sum.Updated, err)
	}
}
