package fhirtest

import (
	"net/url"
	"testing"
	"time"
)

func TestInstantRangesFollowPrecision(t *testing.T) {
	for _, c := range []struct {
		in   string
		lo   string
		span time.Duration
	}{
		{"2026", "2026-01-01T00:00:00Z", 365 * 24 * time.Hour},
		{"2026-02", "2026-02-01T00:00:00Z", 28 * 24 * time.Hour},
		{"2026-02-03", "2026-02-03T00:00:00Z", 24 * time.Hour},
		{"2026-02-03T10:20+02:00", "2026-02-03T08:20:00Z", time.Minute},
		{"2026-02-03T10:20:30Z", "2026-02-03T10:20:30Z", time.Second},
		{"2026-02-03T10:20:30 00:00", "2026-02-03T10:20:30Z", time.Second}, // '+' unescaped in a query
		{"2026-02-03T10:20:30.123Z", "2026-02-03T10:20:30.123Z", time.Millisecond},
		{"2026-02-03T10:20:30.1Z", "2026-02-03T10:20:30.1Z", 100 * time.Millisecond},
	} {
		lo, hi, err := parseInstantRange(c.in)
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		want, _ := time.Parse(time.RFC3339Nano, c.lo)
		if !lo.Equal(want) || hi.Sub(lo) != c.span {
			t.Errorf("%s: [%s, +%s), want [%s, +%s)", c.in, lo, hi.Sub(lo), want, c.span)
		}
	}
	for _, bad := range []string{"", "yesterday", "2026-13-01", "2026-02-03T25:00:00Z"} {
		if _, _, err := parseInstantRange(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestTokenAndStringMatching(t *testing.T) {
	toks := []token{{"http://ihris.org/fhir/CodeSystem/ihris-job", "2230-1B"}, {"", "0770 123 456"}}
	for v, want := range map[string]bool{
		"2230-1B": true, "http://ihris.org/fhir/CodeSystem/ihris-job|2230-1B": true,
		"http://ihris.org/fhir/CodeSystem/ihris-job|": true, "|2230-1B": false, "other|2230-1B": false,
		"|0770 123 456": true, "2230": false, "0770123456": false,
	} {
		if got := tokenMatch(v, toks); got != want {
			t.Errorf("role=%s: %v, want %v", v, got, want)
		}
	}
	names := []string{"Musu Kollie", "Kollie"}
	for _, c := range []struct {
		mod, v string
		want   bool
	}{{"", "kol", true}, {"", "ollie", false}, {"contains", "ollie", true}, {"exact", "kollie", false}, {"exact", "Kollie", true}} {
		if got := stringMatch(c.mod, c.v, names); got != c.want {
			t.Errorf("name:%s=%s: %v, want %v", c.mod, c.v, got, c.want)
		}
	}
}

// TestPrefilterNeverRejectsAMatch: whatever eval accepts, mightMatch lets
// through (it may only save decoding work).
func TestPrefilterNeverRejectsAMatch(t *testing.T) {
	t.Parallel()
	s := NewServer()
	defer s.Close()
	seedRegistry(s, 150)
	s.Load([]byte(`{"resourceType":"Practitioner","id":"Q","active":"true"}`)) // the quirky string boolean
	queries := map[string][]string{
		"Practitioner": {"identifier=http://example.org/fhir/employee-number|EMP-0007", "identifier=EMP-0007",
			"gender=female", "active=true", "_tag=x", "identifier=http://example.org/fhir/employee-number|"},
		"PractitionerRole": {"role=nurse", "role=http://example.org/fhir/CodeSystem/job|nurse,lab",
			"practitioner=Practitioner/P0007", "practitioner=P0007",
			"practitioner=" + s.URL() + "/Practitioner/P0007/_history/1", "location=Location/C.R1.D1.F1",
			"active=false", "active=true,false"},
		"Organization": {"active=true"},
		"Location":     {"organization=Organization/C.R1.D1.F1", "organization=Organization/C.R1.D1.F2", "partof=C.R1", "type=district", "status=active"},
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for typ, qs := range queries {
		for _, raw := range qs {
			vals, _ := url.ParseQuery(raw)
			q, err := s.parseQuery(typ, vals)
			if err != nil {
				t.Fatalf("%s?%s: %v", typ, raw, err)
			}
			mt := &matcher{s: s, q: q}
			matched := 0
			for _, r := range s.store.types[typ].order {
				v := r.current()
				for _, c := range q.criteria {
					if mt.eval(typ, decode(v.raw), c, 0) {
						matched++
						if !s.params.mightMatch(v, c) {
							t.Errorf("%s?%s: the pre-filter rejects %s/%s", typ, raw, typ, r.id)
						}
					}
				}
			}
			if matched == 0 && raw != "_tag=x" {
				t.Errorf("%s?%s matched nothing: the check proves nothing", typ, raw)
			}
		}
	}
}
