package ihristest_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/internal/fhirraw"
)

// digest generates w and hashes every resource.
func digest(t testing.TB, w ihristest.Workforce) (string, *ihristest.Truth, map[string]int) {
	t.Helper()
	h := sha256.New()
	types := map[string]int{}
	truth, err := w.Generate(func(r ihristest.Resource) error {
		h.Write(r.JSON)
		types[r.Type]++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", h.Sum(nil)), truth, types
}

func TestGeneratorIsDeterministic(t *testing.T) {
	t.Parallel()
	a, _, _ := digest(t, ihristest.Workforce{Seed: 1, Workers: 800})
	b, _, _ := digest(t, ihristest.Workforce{Seed: 1, Workers: 800})
	c, _, _ := digest(t, ihristest.Workforce{Seed: 2, Workers: 800})
	if a != b {
		t.Fatal("the same seed generated different workforces")
	}
	if a == c {
		t.Fatal("different seeds generated the same workforce")
	}
}

func TestDefaultWorkforceShape(t *testing.T) {
	t.Parallel()
	_, truth, types := digest(t, ihristest.Workforce{Seed: 1})
	if truth.Workers != 5000 || types["Practitioner"] != 5000 {
		t.Fatalf("workers %d / %d practitioners, want 5000", truth.Workers, types["Practitioner"])
	}
	if truth.Places["region"] != 15 || truth.Places["district"] != 90 || truth.Places["facility"] != 800 || truth.Places["country"] != 1 {
		t.Fatalf("places %v", truth.Places)
	}
	if types["PractitionerRole"] != truth.Roles || types["Organization"] != 800 || types["Location"] != 906 {
		t.Fatalf("resource counts %v, roles %d", types, truth.Roles)
	}
	if types["CodeSystem"] < 4 {
		t.Fatalf("only %d CodeSystems", types["CodeSystem"])
	}
	near := func(name string, got int, frac float64) {
		t.Helper()
		want := frac * float64(truth.Workers)
		if math.Abs(float64(got)-want) > 4*math.Sqrt(want)+2 {
			t.Errorf("%s: %d, want about %.0f", name, got, want)
		}
	}
	m := ihristest.DefaultMix()
	near("no phone", len(truth.NoPhone), m.NoPhone)
	near("invalid phone", len(truth.InvalidPhones), m.InvalidPhone)
	near("inactive", len(truth.Inactive), m.Inactive)
	near("no role", len(truth.NoRole), m.NoRole)
	near("two roles", len(truth.TwoRoles), m.TwoRoles)
	if len(truth.SharedPhones) < 20 {
		t.Errorf("only %d shared numbers", len(truth.SharedPhones))
	}
	for _, q := range []string{ihristest.QuirkStringReference, ihristest.QuirkStringInteger, ihristest.QuirkRelativeURL} {
		if len(truth.Quirks[q]) == 0 {
			t.Errorf("no %s quirk generated", q)
		}
	}
	// Every district and region has workers; nurses are the largest cadre.
	if len(truth.ByDistrict) != 90 || len(truth.ByRegion) != 15 {
		t.Errorf("workers in %d districts and %d regions", len(truth.ByDistrict), len(truth.ByRegion))
	}
	for c, n := range truth.ByCadre {
		if c != "nurse" && n >= truth.ByCadre["nurse"] {
			t.Errorf("cadre %s (%d) outnumbers nurses (%d)", c, n, truth.ByCadre["nurse"])
		}
	}
	sum := 0
	for _, n := range truth.ByEmploymentStatus {
		sum += n
	}
	if sum == 0 || sum > truth.ActiveWorkers {
		t.Errorf("%d workers by employment status, %d active", sum, truth.ActiveWorkers)
	}
}

// TestPhonesMatchTheTruth checks every generated number with
// libphonenumber: valid ones are Liberian mobiles, invalid ones are
// rejected, shared ones belong to exactly the workers the truth names.
func TestPhonesMatchTheTruth(t *testing.T) {
	t.Parallel()
	owners := map[string][]string{}
	valid := 0
	truth, err := ihristest.Workforce{Seed: 3, Workers: 1500, Mix: &ihristest.Mix{InvalidPhone: 0.1, SharedPhone: 0.1, SecondPhone: 0.2}}.Generate(func(r ihristest.Resource) error {
		if r.Type != "Practitioner" {
			return nil
		}
		var p struct {
			Telecom []struct{ System, Value, Use string }
		}
		if err := json.Unmarshal(r.JSON, &p); err != nil {
			return err
		}
		for _, c := range p.Telecom {
			n, err := phonenumbers.Parse(c.Value, "LR")
			ok := err == nil && phonenumbers.IsValidNumber(n) && phonenumbers.GetNumberType(n) == phonenumbers.MOBILE
			if !ok {
				owners["invalid:"+r.ID] = append(owners["invalid:"+r.ID], c.Value)
				continue
			}
			valid++
			e := phonenumbers.Format(n, phonenumbers.E164)
			owners[e] = append(owners[e], r.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if valid != truth.Phones {
		t.Errorf("%d valid numbers, truth says %d", valid, truth.Phones)
	}
	for id, bad := range truth.InvalidPhones {
		if got := owners["invalid:"+id]; len(got) != 1 || got[0] != bad {
			t.Errorf("%s: libphonenumber rejected %v, truth says %q", id, got, bad)
		}
	}
	invalid := 0
	for k, v := range owners {
		if strings.HasPrefix(k, "invalid:") {
			invalid += len(v)
			continue
		}
		if len(v) > 1 && strings.Join(v, ",") != strings.Join(truth.SharedPhones[k], ",") {
			t.Errorf("%s shared by %v, truth says %v", k, v, truth.SharedPhones[k])
		}
	}
	if invalid != len(truth.InvalidPhones) {
		t.Errorf("%d invalid numbers, truth says %d", invalid, len(truth.InvalidPhones))
	}
	for e, ids := range truth.SharedPhones {
		if len(owners[e]) != 2 {
			t.Errorf("%s: owners %v, truth says %v", e, owners[e], ids)
		}
	}
}

// TestServerCountsMatchTheTruth asks the server what a client would ask:
// the active workers with a current role in one district, and in one cadre.
func TestServerCountsMatchTheTruth(t *testing.T) {
	t.Parallel()
	s := small(t)
	truth := s.Truth()
	workers := func(u string) int {
		ids := map[string]bool{}
		for _, p := range fhirraw.All(t, s, u) {
			for _, e := range p.Entry {
				ids[e.Resource["practitioner"].(map[string]any)["reference"].(string)] = true
			}
		}
		return len(ids)
	}
	for district, want := range truth.ByDistrict {
		got := workers("PractitionerRole?active=true&practitioner.active=true&location.partof=Location/" + district + "&_count=200")
		if got != want {
			t.Errorf("district %s: %d workers, truth says %d", district, got, want)
		}
		break
	}
	for region, want := range truth.ByRegion {
		got := workers("PractitionerRole?active=true&practitioner.active=true&location.partof:below=Location/" + region + "&_count=200")
		if got != want {
			t.Errorf("region %s: %d workers, truth says %d", region, got, want)
		}
	}
	for cadre, want := range truth.ByCadre {
		if cadre != "nurse" {
			continue
		}
		var jobs []string
		cs := fhirraw.Search(t, s, "CodeSystem?url=http://ihris.org/fhir/CodeSystem/ihris-job")
		for _, c := range cs.Entry[0].Resource["concept"].([]any) {
			for _, p := range c.(map[string]any)["property"].([]any) {
				pm := p.(map[string]any)
				if pm["code"] == "cadre" && pm["valueCoding"].(map[string]any)["code"] == cadre {
					jobs = append(jobs, "http://ihris.org/fhir/CodeSystem/ihris-job|"+c.(map[string]any)["code"].(string))
				}
			}
		}
		got := workers("PractitionerRole?active=true&practitioner.active=true&role=" + strings.Join(jobs, ",") + "&_count=200")
		if got != want {
			t.Errorf("cadre %s (jobs %v): %d workers, truth says %d", cadre, jobs, got, want)
		}
	}
}

func BenchmarkGenerate200k(b *testing.B) {
	for b.Loop() {
		var bytes, n int
		if _, err := (ihristest.Workforce{Seed: 1, Workers: 200_000}).Generate(func(r ihristest.Resource) error {
			bytes += len(r.JSON)
			n++
			return nil
		}); err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(n), "resources/op")
		b.ReportMetric(float64(bytes)/float64(n), "bytes/resource")
	}
}

// TestReverseChainPagesByWorker pages workers (not roles) of one region
// with _has, as a client that wants one entry per worker would.
func TestReverseChainPagesByWorker(t *testing.T) {
	t.Parallel()
	w := ihristest.Workforce{Seed: 11, Workers: 400, Regions: 3, Districts: 6, Facilities: 20,
		Mix: &ihristest.Mix{Inactive: 0.1, NoRole: 0.05}} // one role at most: role and worker agree
	s := ihristest.NewServer(ihristest.WithWorkforce(w))
	defer s.Close()
	truth := s.Truth()
	for region, want := range truth.ByRegion {
		n := 0
		for _, p := range fhirraw.All(t, s, "Practitioner?active=true&_count=25&_has:PractitionerRole:practitioner:active=true"+
			"&_has:PractitionerRole:practitioner:location.partof:below=Location/"+region) {
			n += len(p.IDs("match"))
		}
		if n != want {
			t.Errorf("region %s: %d workers, truth says %d", region, n, want)
		}
	}
	var oo map[string]any
	if st := fhirraw.Do(t, s, "GET", "Practitioner?_has:PractitionerRole:nope:active=true", nil, &oo); st != 400 {
		t.Errorf("bad _has: %d", st)
	}
}

// TestRelatedLocationFindsASubtree: with RelatedGroups, one iHRIS-style
// search finds a region's workers.
func TestRelatedLocationFindsASubtree(t *testing.T) {
	t.Parallel()
	w := ihristest.Workforce{Seed: 8, Workers: 300, Regions: 3, Districts: 6, Facilities: 20, RelatedGroups: true}
	s := ihristest.NewServer(ihristest.WithWorkforce(w))
	defer s.Close()
	for region, want := range s.Truth().ByRegion {
		ids := map[string]bool{}
		for _, p := range fhirraw.All(t, s, "PractitionerRole?related-location=Location/"+region+"&active=true&practitioner.active=true&_count=100") {
			for _, e := range p.Entry {
				ids[e.Resource["practitioner"].(map[string]any)["reference"].(string)] = true
			}
		}
		if len(ids) != want {
			t.Errorf("region %s: %d workers, truth says %d", region, len(ids), want)
		}
	}
}

// TestRolePeriodsAreConsistent: every period starts before it ends, no
// posting ends after the newest update, and exactly the current roles are
// open-ended, so PractitionerRole?date= finds them.
func TestRolePeriodsAreConsistent(t *testing.T) {
	t.Parallel()
	w := ihristest.Workforce{Seed: 5, Workers: 2000, Mix: &ihristest.Mix{Inactive: 0.2, TwoRoles: 0.4}}
	open := 0
	truth, err := w.Generate(func(r ihristest.Resource) error {
		if r.Type != "PractitionerRole" {
			return nil
		}
		var role struct {
			Active bool
			Period struct{ Start, End string }
		}
		if err := json.Unmarshal(r.JSON, &role); err != nil {
			return err
		}
		if role.Period.End == "" {
			open++
			if !role.Active {
				t.Errorf("%s: inactive without an end", r.ID)
			}
			return nil
		}
		if role.Active || role.Period.End <= role.Period.Start || role.Period.End > "2026-01-01" {
			t.Errorf("%s: active=%v period %v", r.ID, role.Active, role.Period)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if open != truth.CurrentRoles {
		t.Fatalf("%d open-ended roles, %d current", open, truth.CurrentRoles)
	}
	s := ihristest.NewServer(ihristest.WithWorkforce(w))
	defer s.Close()
	b := fhirraw.Search(t, s, "PractitionerRole?date=gt2026-01-02&_summary=count")
	if *b.Total != truth.CurrentRoles {
		t.Fatalf("roles running after the newest update: %d, want %d", *b.Total, truth.CurrentRoles)
	}
	if st := fhirraw.Do(t, s, "GET", "PractitionerRole?date=soon", nil, nil); st != 400 {
		t.Fatalf("bad date: %d", st)
	}
}
