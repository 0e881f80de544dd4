package ihristest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/internal/fhirraw"
)

func small(t *testing.T, opts ...ihristest.Option) *ihristest.Server {
	t.Helper()
	w := ihristest.Workforce{Seed: 7, Workers: 300, Regions: 3, Districts: 9, Facilities: 30}
	s := ihristest.NewServer(append([]ihristest.Option{ihristest.WithWorkforce(w)}, opts...)...)
	t.Cleanup(s.Close)
	return s
}

// fakeClock is a settable clock for lastUpdated and page expiry.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// TestIHRISSearchParameters: the custom parameters iHRIS installs find
// what the generator's truth says.
func TestIHRISSearchParameters(t *testing.T) {
	t.Parallel()
	s := small(t)
	truth := s.Truth()
	count := func(u string) int {
		n := 0
		for _, p := range fhirraw.All(t, s, u) {
			n += len(p.IDs("match"))
		}
		return n
	}
	if got := count("PractitionerRole?employment-status=fullTime&active=true&_count=100"); got < truth.ByEmploymentStatus["fullTime"] {
		t.Errorf("full-time current roles: %d, want at least %d workers", got, truth.ByEmploymentStatus["fullTime"])
	}
	if a, b := count("PractitionerRole?employmentstatus=fullTime&_count=100"), count("PractitionerRole?employment-status=fullTime&_count=100"); a != b || a == 0 {
		t.Errorf("employmentstatus %d, employment-status %d", a, b)
	}
	nurses := map[string]bool{}
	for _, p := range fhirraw.All(t, s, "PractitionerRole?job=http://ihris.org/fhir/CodeSystem/ihris-job|2230-1B&active=true&practitioner.active=true&_count=100") {
		for _, e := range p.Entry {
			nurses[e.Resource["practitioner"].(map[string]any)["reference"].(string)] = true
		}
	}
	if len(nurses) != truth.ByJob["2230-1B"] {
		t.Errorf("nurses by job: %d, want %d", len(nurses), truth.ByJob["2230-1B"])
	}
	if a, b := count("PractitionerRole?code=2230-1B&_count=100"), count("PractitionerRole?role=2230-1B&_count=100"); a != b || a == 0 {
		t.Errorf("code= %d, role= %d", a, b)
	}
	for shared, ids := range truth.SharedPhones {
		local := "0" + strings.TrimPrefix(shared, "+231")
		for _, q := range []string{"phone=" + url.QueryEscape(local), "phonenumber=" + url.QueryEscape(local), "telecom=" + local} {
			if got := fhirraw.Search(t, s, "Practitioner?"+q).IDs("match"); len(got) != 2 {
				t.Errorf("%s: %v, want %v (digits match digits)", q, got, ids)
			}
		}
		break
	}
	b := fhirraw.Search(t, s, "Practitioner?identifier=http://moh.gov.lr/fhir/employee-number|MOH-000042")
	if got := b.IDs("match"); !slices.Equal(got, []string{"Practitioner/P000042"}) {
		t.Errorf("identifier search: %v", got)
	}
	if got := fhirraw.Search(t, s, "Practitioner?employeeNumber=MOH-000042").IDs("match"); !slices.Equal(got, []string{"Practitioner/P000042"}) {
		t.Errorf("employeeNumber: %v", got)
	}
	if b := fhirraw.Search(t, s, "CodeSystem?url=http://ihris.org/fhir/CodeSystem/ihris-job"); len(b.Entry) != 1 {
		t.Errorf("CodeSystem?url: %d entries", len(b.Entry))
	}
	var cs struct {
		Software struct{ Name string }
		Rest     []struct {
			Resource []struct {
				Type        string
				SearchParam []struct{ Name string }
			}
		}
	}
	fhirraw.Do(t, s, "GET", "metadata", nil, &cs)
	var names []string
	for _, r := range cs.Rest[0].Resource {
		for _, p := range r.SearchParam {
			names = append(names, r.Type+"?"+p.Name)
		}
	}
	for _, want := range []string{"PractitionerRole?employment-status", "PractitionerRole?job", "Practitioner?phonenumber",
		"CommunicationRequest?rpflowstarts", "Location?related-location"} {
		if !slices.Contains(names, want) {
			t.Errorf("the CapabilityStatement lacks %s", want)
		}
	}
	if !strings.Contains(cs.Software.Name, "iHRIS") {
		t.Errorf("software %q", cs.Software.Name)
	}
}

// TestMHeroParameters: emNutt's parameters on CommunicationRequest.
func TestMHeroParameters(t *testing.T) {
	t.Parallel()
	s := ihristest.NewServer()
	defer s.Close()
	fhirraw.Do(t, s, "POST", "CommunicationRequest", map[string]any{
		"resourceType": "CommunicationRequest", "status": "active",
		"extension": []any{map[string]any{
			"url":       "http://mhero.org/fhir/StructureDefinition/mhero-comm-req-flow-starts",
			"extension": []any{map[string]any{"url": "flow_starts_uuid", "valueString": "5b7c0e3e-0000-4000-8000-00000000f10a"}},
		}},
	}, nil)
	fhirraw.Do(t, s, "POST", "CommunicationRequest", map[string]any{"resourceType": "CommunicationRequest", "status": "active"}, nil)
	for u, want := range map[string]int{
		"CommunicationRequest?rpflowstarts=5b7c0e3e-0000-4000-8000-00000000f10a": 1,
		"CommunicationRequest?isflowstart=true":                                  1,
		"CommunicationRequest?isflowstart=false":                                 1,
		"CommunicationRequest?isbroadcast=true":                                  0,
	} {
		if got := len(fhirraw.Search(t, s, u).Entry); got != want {
			t.Errorf("%s: %d, want %d", u, got, want)
		}
	}
}

func TestChurnIsSeenAsChangesAndDeletions(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s := small(t, ihristest.WithServerOptions(fhirtest.WithClock(clock.Now)))
	checkpoint := clock.Now()
	clock.Advance(time.Hour)
	rep, err := s.Churn(ihristest.Churn{Seed: 1, NewPhone: 3, Deactivated: 2, Deleted: 2, Hired: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.NewPhone) != 3 || len(rep.Deactivated) != 2 || len(rep.Deleted) != 2 || len(rep.Hired) != 2 {
		t.Fatalf("report %+v", rep)
	}
	since := url.QueryEscape("gt" + checkpoint.Format(time.RFC3339))
	b := fhirraw.Search(t, s, "Practitioner?_lastUpdated="+since+"&_count=100")
	var want []string
	for _, id := range slices.Concat(rep.NewPhone, rep.Deactivated, rep.Hired) {
		want = append(want, "Practitioner/"+id)
	}
	slices.Sort(want)
	got := b.IDs("match")
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("changed since the checkpoint: %v, want %v", got, want)
	}
	h := fhirraw.Search(t, s, "Practitioner/_history?_since="+url.QueryEscape(checkpoint.Format(time.RFC3339)))
	deleted := 0
	for _, e := range h.Entry {
		if e.Request.Method == "DELETE" {
			deleted++
		}
	}
	if deleted != 2 {
		t.Fatalf("%d deletions in history, want 2", deleted)
	}
	for _, id := range rep.Deactivated {
		for _, e := range fhirraw.Search(t, s, "PractitionerRole?practitioner=Practitioner/"+id).Entry {
			if e.Resource["active"] != false || e.Resource["period"].(map[string]any)["end"] == nil {
				t.Errorf("role of deactivated %s: %v", id, e.Resource)
			}
		}
	}
	for _, id := range rep.Deleted {
		if st := fhirraw.Do(t, s, "GET", "Practitioner/"+id, nil, nil); st != http.StatusGone {
			t.Errorf("deleted %s: %d", id, st)
		}
		if b := fhirraw.Search(t, s, "PractitionerRole?practitioner=Practitioner/"+id); len(b.Entry) != 0 {
			t.Errorf("deleted %s still has roles", id)
		}
	}
	for _, id := range rep.Hired {
		if b := fhirraw.Search(t, s, "PractitionerRole?active=true&practitioner=Practitioner/"+id); len(b.Entry) != 1 {
			t.Errorf("hired %s: %d current roles", id, len(b.Entry))
		}
	}
	if _, err := s.Churn(ihristest.Churn{Deleted: 1_000_000}); err == nil {
		t.Error("churn larger than the registry accepted")
	}
}

func TestBadOptionsAreErrors(t *testing.T) {
	t.Parallel()
	for _, o := range []ihristest.Option{
		ihristest.WithWorkforce(ihristest.Workforce{Workers: -1}),
		ihristest.WithSeedDir(""),
		ihristest.WithSeedDir(t.TempDir()), // no JSON in it
		ihristest.WithServerOptions(fhirtest.WithPageSize(0, 10)),
	} {
		if s, err := ihristest.Start(o); err == nil {
			s.Close()
			t.Errorf("option accepted, want an error")
		}
	}
}
