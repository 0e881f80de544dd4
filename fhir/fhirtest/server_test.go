package fhirtest_test

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/internal/fhirraw"
)

// small starts a server with the sample registry of 300 workers.
func small(t *testing.T, opts ...fhirtest.Option) (*fhirtest.Server, *fhirtest.Sample) {
	t.Helper()
	s := fhirtest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s, fhirtest.SeedRegistry(s, 300)
}

func TestPagingReturnsEveryResourceOnce(t *testing.T) {
	t.Parallel()
	s, truth := small(t)
	s.ResetRequests()
	pages := fhirraw.All(t, s, "Practitioner?_count=37")
	seen := map[string]bool{}
	for _, p := range pages {
		for _, id := range p.IDs("match") {
			if seen[id] {
				t.Fatalf("%s returned twice", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != truth.Workers {
		t.Fatalf("got %d practitioners, want %d", len(seen), truth.Workers)
	}
	want := (truth.Workers + 36) / 37
	if len(pages) != want || s.RequestCount() != want {
		t.Fatalf("%d pages in %d requests, want %d", len(pages), s.RequestCount(), want)
	}
	if !strings.Contains(pages[0].Next(), "_getpages=") || !strings.HasPrefix(pages[0].Next(), s.URL()+"?") {
		t.Fatalf("next link %q is not a HAPI _getpages link on the base", pages[0].Next())
	}
	// A link stripped of _count and _getpagesoffset serves the first page
	// at the search's own page size.
	u, _ := url.Parse(pages[0].Next())
	q := u.Query()
	q.Del("_count")
	q.Del("_getpagesoffset")
	u.RawQuery = q.Encode()
	if b := fhirraw.Search(t, s, u.String()); len(b.Entry) != 37 || b.Entry[0].FullURL != pages[0].Entry[0].FullURL {
		t.Fatalf("bare _getpages link: %d entries", len(b.Entry))
	}
}

func TestTotalOnlyWhenAsked(t *testing.T) {
	t.Parallel()
	s, truth := small(t)
	if b := fhirraw.Search(t, s, "Practitioner?_count=5"); b.Total != nil {
		t.Fatalf("total %d sent without _total", *b.Total)
	}
	b := fhirraw.Search(t, s, "Practitioner?_count=5&_total=accurate")
	if b.Total == nil || *b.Total != truth.Workers {
		t.Fatalf("total = %v, want %d", b.Total, truth.Workers)
	}
	b = fhirraw.Search(t, s, "PractitionerRole?_summary=count")
	if b.Total == nil || *b.Total != truth.Roles || len(b.Entry) != 0 {
		t.Fatalf("_summary=count: total %v with %d entries, want %d and none", b.Total, len(b.Entry), truth.Roles)
	}
}

func TestExpiredPageLinkIsGone(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	s, _ := small(t, fhirtest.WithClock(clock), fhirtest.WithPageExpiry(time.Minute, 2))
	first := fhirraw.Search(t, s, "Practitioner?_count=10")
	second := fhirraw.Search(t, s, first.Next())
	third := fhirraw.Search(t, s, second.Next())
	var oo map[string]any
	if st := fhirraw.Do(t, s, "GET", third.Next(), nil, &oo); st != http.StatusGone {
		t.Fatalf("third use of a link: status %d, want 410", st)
	}
	if oo["resourceType"] != "OperationOutcome" {
		t.Fatalf("410 body is %v, want an OperationOutcome", oo)
	}
	fresh := fhirraw.Search(t, s, "Practitioner?_count=10")
	mu.Lock()
	now = now.Add(2 * time.Minute)
	mu.Unlock()
	if st := fhirraw.Do(t, s, "GET", fresh.Next(), nil, nil); st != http.StatusGone {
		t.Fatalf("link older than its TTL: status %d, want 410", st)
	}
}

func TestIncludesAndRevincludes(t *testing.T) {
	t.Parallel()
	s, _ := small(t)
	b := fhirraw.Search(t, s, "PractitionerRole?_count=20&_include=PractitionerRole:practitioner&_include=PractitionerRole:location&_include:iterate=Location:partof")
	inc := b.IDs("include")
	var prac, loc int
	for _, id := range inc {
		switch {
		case strings.HasPrefix(id, "Practitioner/"):
			prac++
		case strings.HasPrefix(id, "Location/"):
			loc++
		}
	}
	if prac == 0 || loc == 0 || !slices.Contains(inc, "Location/C") {
		t.Fatalf("includes %v: want practitioners, facilities and (iterating partof) the country", inc)
	}
	// Each match's practitioner is included once.
	for _, e := range b.Entry {
		if e.Search.Mode != "match" {
			continue
		}
		ref := e.Resource["practitioner"].(map[string]any)["reference"].(string)
		if !slices.Contains(inc, ref) {
			t.Fatalf("%s not included", ref)
		}
	}
	// _revinclude: every role of the page's practitioners.
	b = fhirraw.Search(t, s, "Practitioner?_count=50&_revinclude=PractitionerRole:practitioner")
	roles := 0
	for _, id := range b.IDs("include") {
		if strings.HasPrefix(id, "PractitionerRole/") {
			roles++
		}
	}
	want := 0
	for _, id := range b.IDs("match") {
		rb := fhirraw.Search(t, s, "PractitionerRole?practitioner="+url.QueryEscape(id))
		want += len(rb.Entry)
	}
	if roles != want || want == 0 {
		t.Fatalf("revincluded %d roles, want %d", roles, want)
	}
}

func TestSearchParameters(t *testing.T) {
	t.Parallel()
	s, truth := small(t)
	count := func(u string) int {
		n := 0
		for _, p := range fhirraw.All(t, s, u) {
			n += len(p.IDs("match"))
		}
		return n
	}
	if got := count("Practitioner?active=false&_count=100"); got != truth.Inactive {
		t.Errorf("active=false: %d, want %d", got, truth.Inactive)
	}
	if got := count("PractitionerRole?active=true&_count=100"); got != truth.CurrentRoles {
		t.Errorf("current roles: %d, want %d", got, truth.CurrentRoles)
	}
	nurses := map[string]bool{}
	for _, p := range fhirraw.All(t, s, "PractitionerRole?role=http://example.org/fhir/CodeSystem/job|nurse&active=true&practitioner.active=true&_count=100") {
		for _, e := range p.Entry {
			nurses[e.Resource["practitioner"].(map[string]any)["reference"].(string)] = true
		}
	}
	if len(nurses) != truth.CurrentByJob["nurse"] {
		t.Errorf("nurses: %d, want %d", len(nurses), truth.CurrentByJob["nurse"])
	}
	if got := count("PractitionerRole?role=midwife,doctor&active=true&_count=100"); got != truth.CurrentByJob["midwife"]+truth.CurrentByJob["doctor"] {
		t.Errorf("midwives and doctors: %d, want %d", got, truth.CurrentByJob["midwife"]+truth.CurrentByJob["doctor"])
	}
	if got := count("Location?partof=Location/C&_count=100"); got != truth.Places["region"] {
		t.Errorf("regions: %d, want %d", got, truth.Places["region"])
	}
	below := truth.Places["region"] + truth.Places["district"] + truth.Places["facility"]
	if got := count("Location?partof:below=Location/C&_count=100"); got != below {
		t.Errorf("partof:below the country: %d, want %d", got, below)
	}
	if got := fhirraw.Search(t, s, "Practitioner?phone="+url.QueryEscape("0770 000 012")).IDs("match"); !slices.Equal(got, []string{"Practitioner/P0012"}) {
		t.Errorf("phone: %v, want P0012", got)
	}
	if got := fhirraw.Search(t, s, "Practitioner?phone=0770000012").IDs("match"); len(got) != 0 {
		t.Errorf("phone in other spelling: %v, want none (a token matches exactly)", got)
	}
	b := fhirraw.Search(t, s, "Practitioner?name=kol&_count=1000")
	for _, e := range b.Entry {
		if !strings.Contains(strings.ToLower(e.Resource["name"].([]any)[0].(map[string]any)["text"].(string)), "kol") {
			t.Errorf("name=kol matched %v", e.Resource["name"])
		}
	}
	b = fhirraw.Search(t, s, "Practitioner?identifier=http://example.org/fhir/employee-number|EMP-0042")
	if got := b.IDs("match"); !slices.Equal(got, []string{"Practitioner/P0042"}) {
		t.Errorf("identifier search: %v", got)
	}
	if err := s.Load([]byte(`{"resourceType":"CodeSystem","id":"job","url":"http://example.org/fhir/CodeSystem/job","status":"active"}`)); err != nil {
		t.Fatal(err)
	}
	b = fhirraw.Search(t, s, "CodeSystem?url=http://example.org/fhir/CodeSystem/job")
	if len(b.Entry) != 1 {
		t.Errorf("CodeSystem?url: %d entries", len(b.Entry))
	}
	var oo map[string]any
	if st := fhirraw.Do(t, s, "GET", "Practitioner?shoe-size=12", nil, &oo); st != http.StatusBadRequest || oo["resourceType"] != "OperationOutcome" {
		t.Errorf("unknown parameter: status %d %v, want 400 OperationOutcome", st, oo)
	}
	var lenient fhirraw.Bundle
	if st := fhirraw.Do(t, s, "GET", "Practitioner?shoe-size=12&active=false&_count=500", nil, &lenient, "Prefer", "handling=lenient"); st != http.StatusOK || len(lenient.Entry) != truth.Inactive {
		t.Errorf("lenient handling: status %d, %d entries, want 200 and %d", st, len(lenient.Entry), truth.Inactive)
	}
}

func TestElements(t *testing.T) {
	t.Parallel()
	s, _ := small(t)
	b := fhirraw.Search(t, s, "Practitioner?_count=3&_elements=name")
	for _, e := range b.Entry {
		if _, ok := e.Resource["telecom"]; ok {
			t.Fatalf("_elements=name kept telecom: %v", e.Resource)
		}
		if _, ok := e.Resource["name"]; !ok {
			t.Fatalf("_elements=name dropped name: %v", e.Resource)
		}
	}
}

func TestListensOnALoopbackAddress(t *testing.T) {
	t.Parallel()
	s, err := fhirtest.Start(fhirtest.WithAddr("127.0.0.1:0"), fhirtest.WithBasePath(""))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if !strings.HasPrefix(s.URL(), "http://127.0.0.1:") || strings.HasSuffix(s.URL(), "/fhir") {
		t.Fatalf("URL %q", s.URL())
	}
	resp, err := http.Get(s.URL() + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("metadata: %d", resp.StatusCode)
	}
}

func TestPostSearchAndRevincludeIterate(t *testing.T) {
	t.Parallel()
	s, truth := small(t)
	var b fhirraw.Bundle
	if st := fhirraw.Do(t, s, "POST", "Location/_search", "partof=Location/C&_revinclude:iterate=Location:partof&_count=100", &b,
		"Content-Type", "application/x-www-form-urlencoded"); st != http.StatusOK {
		t.Fatalf("POST _search: %d", st)
	}
	if len(b.IDs("match")) != truth.Places["region"] {
		t.Fatalf("matched %d regions, want %d", len(b.IDs("match")), truth.Places["region"])
	}
	// Iterating down partOf reaches every district and facility.
	if got, want := len(b.IDs("include")), truth.Places["district"]+truth.Places["facility"]; got != want {
		t.Fatalf("included %d places below the regions, want %d", got, want)
	}
}

func TestCapabilityStatementListsSearchParameters(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer(fhirtest.WithSearchParams(fhirtest.SearchParam{Resource: "PractitionerRole", Name: "job",
		Type: fhirtest.TokenParam, Values: func(m map[string]any) []any { return fhirtest.Path(m, "code") }}))
	defer s.Close()
	var cs struct {
		ResourceType string
		FHIRVersion  string `json:"fhirVersion"`
		Rest         []struct {
			Resource []struct {
				Type        string
				SearchParam []struct{ Name string }
			}
		}
	}
	fhirraw.Do(t, s, "GET", "metadata", nil, &cs)
	if cs.ResourceType != "CapabilityStatement" || cs.FHIRVersion != "4.0.1" {
		t.Fatalf("metadata: %s %s", cs.ResourceType, cs.FHIRVersion)
	}
	for _, r := range cs.Rest[0].Resource {
		if r.Type != "PractitionerRole" {
			continue
		}
		var names []string
		for _, p := range r.SearchParam {
			names = append(names, p.Name)
		}
		for _, want := range []string{"practitioner", "location", "role", "job", "_lastUpdated"} {
			if !slices.Contains(names, want) {
				t.Errorf("PractitionerRole lacks %s in %v", want, names)
			}
		}
		return
	}
	t.Fatal("no PractitionerRole in the capability statement")
}

func TestLastUpdatedPrefixesPartitionTheRegistry(t *testing.T) {
	t.Parallel()
	s, truth := small(t)
	total := truth.Workers
	count := func(q string) int {
		b := fhirraw.Search(t, s, "Practitioner?_summary=count&_lastUpdated="+url.QueryEscape(q))
		return *b.Total
	}
	// The meta.lastUpdated of the 100th worker in time order.
	b := fhirraw.Search(t, s, "Practitioner?_sort=_lastUpdated&_count=100&_elements=id")
	mid := b.Entry[99].Resource["meta"].(map[string]any)["lastUpdated"].(string)
	lt, ge := count("lt"+mid), count("ge"+mid)
	le, gt := count("le"+mid), count("gt"+mid)
	eq := count("eq" + mid)
	if lt+ge != total || le+gt != total || ge-gt != eq || le-lt != eq || eq < 1 || lt > 99 {
		t.Fatalf("at %s: lt %d ge %d le %d gt %d eq %d (of %d)", mid, lt, ge, le, gt, eq, total)
	}
	secs := mid[:19] + "Z"
	if count("gt"+secs) > count("ge"+secs) {
		t.Fatalf("second precision: gt > ge")
	}
	// Day precision covers the whole day.
	day := mid[:10]
	if d := count(day); d < eq || count("ge"+day)-count("gt"+day) != d {
		t.Fatalf("day %s: eq %d", day, d)
	}
	// Newest first.
	b = fhirraw.Search(t, s, "Practitioner?_sort=-_lastUpdated&_count=2")
	first := b.Entry[0].Resource["meta"].(map[string]any)["lastUpdated"].(string)
	if want := truth.NewestWorker.Format(fhirtest.TimeFormat); first != want {
		t.Fatalf("newest first: %s, want %s", first, want)
	}
	var oo map[string]any
	if st := fhirraw.Do(t, s, "GET", "Practitioner?_lastUpdated=xx2026", nil, &oo); st != http.StatusBadRequest {
		t.Fatalf("bad prefix: %d", st)
	}
}

// TestPagesServeTheCurrentVersion: like HAPI, a search keeps the list of
// matching resources from its first request, but a later page serves each
// resource as it is now, and leaves out those deleted since.
func TestPagesServeTheCurrentVersion(t *testing.T) {
	t.Parallel()
	s, _ := small(t)
	first := fhirraw.Search(t, s, "Practitioner?_count=10&_sort=_lastUpdated")
	rest := fhirraw.Search(t, s, first.Next()) // served once: the page is the snapshot's
	edited, deleted := strings.TrimPrefix(rest.IDs("match")[0], "Practitioner/"), strings.TrimPrefix(rest.IDs("match")[1], "Practitioner/")
	var p map[string]any
	if st := fhirraw.Do(t, s, "GET", "Practitioner/"+edited, nil, &p); st != http.StatusOK {
		t.Fatalf("read: %d", st)
	}
	p["active"] = false
	if st := fhirraw.Do(t, s, "PUT", "Practitioner/"+edited, p, nil); st != http.StatusOK {
		t.Fatalf("update: %d", st)
	}
	if st := fhirraw.Do(t, s, "DELETE", "Practitioner/"+deleted, nil, nil); st != http.StatusOK && st != http.StatusNoContent {
		t.Fatalf("delete: %d", st)
	}
	again := fhirraw.Search(t, s, first.Next())
	ids := again.IDs("match")
	if slices.Contains(ids, "Practitioner/"+deleted) {
		t.Errorf("a page still serves %s, deleted since the search", deleted)
	}
	if len(ids) == 0 || ids[0] != "Practitioner/"+edited {
		t.Fatalf("page = %v, want %s first (the snapshot's order)", ids, edited)
	}
	if again.Entry[0].Resource["active"] != false {
		t.Errorf("page serves %s as it was when the search began, not as it is", edited)
	}
}

// TestIncludesStopAtTheLimit: HAPI adds at most maximumIncludesToLoadPerPage
// included resources to a page and drops the rest silently.
func TestIncludesStopAtTheLimit(t *testing.T) {
	t.Parallel()
	s, _ := small(t, fhirtest.WithMaxIncludes(7))
	b := fhirraw.Search(t, s, "Practitioner?_count=50&_revinclude=PractitionerRole:practitioner")
	if got := len(b.IDs("include")); got != 7 {
		t.Errorf("%d included resources, want the limit 7", got)
	}
	if got := len(b.IDs("match")); got != 50 {
		t.Errorf("%d matches, want 50: the limit is on includes only", got)
	}
}
