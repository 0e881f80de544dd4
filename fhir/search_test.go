package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/fhir/fhirtest"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// seedPractitioners stores n practitioners P000.. written in groups of
// `tied` sharing the same meta.lastUpdated (as a bulk transaction gives),
// and returns their ids.
func seedPractitioners(s *testServer, n, tied int) []string {
	var ids []string
	at := s.tick()
	for i := range n {
		if i%tied == 0 {
			at = s.tick()
		}
		id := fmt.Sprintf("P%03d", i)
		s.put(`{"resourceType":"Practitioner","id":"`+id+`","active":true}`, at)
		ids = append(ids, id)
	}
	return ids
}

func TestSearchFollowsNextLinks(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	want := seedPractitioners(s, 45, 1)
	var got []string
	for r, err := range c.Search(t.Context(), "Practitioner", &SearchParams{Count: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, r.ID())
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ids (-want +got):\n%s", diff)
	}
	if n := s.RequestCount(); n != 5 {
		t.Errorf("%d requests for 45 resources by 10, want 5", n)
	}
}

func TestSearchStopsWhenTheLoopDoes(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	seedPractitioners(s, 45, 1)
	n := 0
	for _, err := range c.Search(t.Context(), "Practitioner", &SearchParams{Count: 10}) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == 12 {
			break
		}
	}
	if got := s.RequestCount(); got != 2 {
		t.Errorf("%d requests for 12 resources, want 2 (lazy paging)", got)
	}
}

func TestSearchParamsAreEncodedAndNotChanged(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	params := &SearchParams{
		Params:     url.Values{"active": {"true"}, "_lastUpdated": {"ge2024-01-01T00:00:00Z"}},
		Count:      5,
		Include:    []string{"PractitionerRole:practitioner"},
		RevInclude: []string{"PractitionerRole:practitioner"},
		Elements:   []string{"name", "telecom"},
		Sort:       []string{"_lastUpdated"},
		Total:      "accurate",
	}
	before := fmt.Sprint(params)
	for _, err := range c.Search(t.Context(), "Practitioner", params) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if fmt.Sprint(params) != before {
		t.Errorf("params changed: %v", params)
	}
	q, _ := url.ParseQuery(strings.SplitN(s.log()[0], "?", 2)[1])
	want := url.Values{"active": {"true"}, "_lastUpdated": {"ge2024-01-01T00:00:00Z"}, "_count": {"5"},
		"_include": {"PractitionerRole:practitioner"}, "_revinclude": {"PractitionerRole:practitioner"},
		"_elements": {"name,telecom"}, "_sort": {"_lastUpdated"}, "_total": {"accurate"}}
	if diff := cmp.Diff(want, q); diff != "" {
		t.Errorf("query (-want +got):\n%s", diff)
	}
	for _, err := range c.Search(t.Context(), "Practitioner", &SearchParams{Count: -1}) {
		if err == nil {
			t.Error("negative count accepted")
		}
	}
	for _, err := range c.Search(t.Context(), "practitioner; DROP", nil) {
		if err == nil {
			t.Error("bad type accepted")
		}
	}
}

func TestSearchByPost(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	seedPractitioners(s, 12, 1)
	s.put(`{"resourceType":"Practitioner","id":"X","active":false}`, s.tick())
	s.InjectFault(fhirtest.Fault{Status: http.StatusTooManyRequests}) // a search is safe to repeat, even as a POST
	n := 0
	for r, err := range c.Search(t.Context(), "Practitioner", &SearchParams{Params: url.Values{"active": {"true"}}, Count: 5, Post: true}) {
		if err != nil {
			t.Fatal(err)
		}
		if r.ID() == "X" {
			t.Error("inactive practitioner matched")
		}
		n++
	}
	log := s.log()
	if n != 12 || !strings.HasPrefix(log[0], "POST Practitioner/_search?") || strings.Contains(log[0], "active") {
		t.Errorf("%d results; requests %q", n, log)
	}
}

// collectWithExpiry returns the ids a search returns while the server
// forgets its page links after every `every` pages, as HAPI does when a
// client is slow.
func collectWithExpiry(t *testing.T, c *Client, s *testServer, params *SearchParams, every int) ([]string, error) {
	t.Helper()
	var got []string
	pages := 0
	for page, err := range c.Pages(t.Context(), "Practitioner", params) {
		if err != nil {
			return got, err
		}
		if len(got) > 100_000 {
			return got, errors.New("the search does not end")
		}
		for _, r := range page.Matches() {
			got = append(got, r.ID())
		}
		if pages++; pages%every == 0 {
			s.ExpirePages()
		}
	}
	return got, nil
}

func TestResumedSearchReportsWarningsOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	at := s.tick()
	for i := range 12 {
		s.put(fmt.Sprintf(`{"resourceType":"Location","id":"F%02d","managingOrganization":"Organization/%d"}`, i, i), at)
	}
	var warned []string
	for page, err := range c.Pages(t.Context(), "Location", &SearchParams{Count: 5, Sort: []string{"_lastUpdated"}}) {
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range page.Warnings {
			warned = append(warned, w.ID)
		}
		s.ExpirePages() // every page after the first comes from a new search repeating the ties
	}
	slices.Sort(warned)
	if len(warned) != 12 || len(slices.Compact(warned)) != 12 {
		t.Errorf("warnings for %q, want one for each of the 12 facilities", warned)
	}
}

func TestSearchCarriesOnAfterPageLinksExpire(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		status  int
		tied    int // resources sharing a lastUpdated
		count   int
		every   int
		records int
	}{
		{"410, distinct times", http.StatusGone, 1, 10, 1, 95},
		{"410, ties across pages", http.StatusGone, 7, 5, 2, 103},
		{"404, a bulk load with one timestamp", http.StatusNotFound, 1000, 10, 1, 64},
		{"400, ties", http.StatusBadRequest, 3, 4, 1, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, fhirtest.WithExpiredPageStatus(tc.status))
			c := newTestClient(t, s)
			want := seedPractitioners(s, tc.records, tc.tied)
			got, err := collectWithExpiry(t, c, s, &SearchParams{Count: tc.count, Sort: []string{"_lastUpdated"}}, tc.every)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(want) {
				t.Errorf("%d results, want %d", len(got), len(want))
			}
			slices.Sort(got)
			if diff := cmp.Diff(want, slices.Compact(slices.Clone(got))); diff != "" || len(got) != len(want) {
				t.Errorf("lost or repeated resources (-want +got):\n%s", diff)
			}
			resumed := 0
			for _, req := range s.log() {
				if strings.Contains(req, "_lastUpdated=ge") {
					resumed++
				}
			}
			if resumed == 0 {
				t.Error("never searched again from the last _lastUpdated")
			}
		})
	}
}

func TestSearchWithoutSortFailsOnExpiredLink(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	seedPractitioners(s, 30, 1)
	got, err := collectWithExpiry(t, c, s, &SearchParams{Count: 10}, 1)
	var oo *OperationOutcomeError
	if !errors.Is(err, ErrPageExpired) || !errors.As(err, &oo) || oo.StatusCode != http.StatusGone {
		t.Fatalf("got %v, want ErrPageExpired wrapping the 410 outcome", err)
	}
	if len(got) != 10 {
		t.Errorf("%d results before the error, want 10", len(got))
	}
}

func TestSearchGivesUpWhenItCannotGetFurther(t *testing.T) {
	t.Parallel()
	// A server whose page links are gone before they are followed, and
	// whose first page never changes: searching again gets nowhere.
	requests := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests++
		if r.URL.Query().Has("_getpages") {
			outcome(w, http.StatusGone, "processing", "HAPI-0417: Search ID does not exist and may have expired")
			return
		}
		writeJSON(w, 200, map[string]any{"resourceType": "Bundle", "type": "searchset",
			"link": []any{map[string]any{"relation": "next", "url": "http://" + r.Host + "/fhir?_getpages=x"}},
			"entry": []any{
				map[string]any{"resource": map[string]any{"resourceType": "Practitioner", "id": "A",
					"meta": map[string]any{"lastUpdated": "2024-05-01T10:00:00.000+00:00"}}},
				map[string]any{"resource": map[string]any{"resourceType": "Practitioner", "id": "B",
					"meta": map[string]any{"lastUpdated": "2024-05-01T10:00:00.000+00:00"}}},
			}})
	}))
	defer srv.Close()
	c, err := NewClient(srv.URL+"/fhir", WithRetry(0, 0, 0))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for r, err := range c.Search(t.Context(), "Practitioner", &SearchParams{Sort: []string{"_lastUpdated"}}) {
		if err != nil {
			if !errors.Is(err, ErrPageExpired) || !errors.Is(err, ErrGone) {
				t.Errorf("got %v, want ErrPageExpired wrapping the 410", err)
			}
			break
		}
		got = append(got, r.ID())
	}
	if !slices.Equal(got, []string{"A", "B"}) {
		t.Errorf("results %q, want A and B once", got)
	}
	// The first search, then per attempt a next page and a new search.
	if want := 1 + (maxExpiries+1)*2 - 1; requests != want {
		t.Errorf("%d requests, want %d", requests, want)
	}
}

func TestSearchIncludes(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	for i := range 7 {
		s.put(fmt.Sprintf(`{"resourceType":"Practitioner","id":"P%d","active":true,"name":[{"family":"F%d"}]}`, i, i), s.tick())
		s.put(fmt.Sprintf(`{"resourceType":"PractitionerRole","id":"R%d","practitioner":{"reference":"Practitioner/P%d"},
			"location":[{"reference":"Location/TF.W.RSH.1"}]}`, i, i), s.tick())
	}
	roles := 0
	for page, err := range c.Pages(t.Context(), "PractitionerRole", &SearchParams{Count: 3, Include: []string{"PractitionerRole:practitioner"}}) {
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Included()) != len(page.Matches()) {
			t.Errorf("%d included for %d matches", len(page.Included()), len(page.Matches()))
		}
		for _, r := range page.Matches() {
			role, ok := As[models.PractitionerRole](r)
			if !ok {
				t.Fatalf("match %s is not a role", r.Reference())
			}
			p, ok := As[models.Practitioner](page.Resolve(*role.Practitioner.Reference))
			if !ok || *p.Name[0].Family != "F"+strings.TrimPrefix(r.ID(), "R") {
				t.Errorf("role %s: practitioner not resolved (%v)", r.ID(), p)
			}
			roles++
		}
	}
	if roles != 7 {
		t.Errorf("%d roles, want 7", roles)
	}
	// The resources-only view leaves the included ones out.
	for r, err := range c.Search(t.Context(), "Practitioner", &SearchParams{RevInclude: []string{"PractitionerRole:practitioner"}}) {
		if err != nil || r.Type() != "Practitioner" {
			t.Fatalf("%v %v", r, err)
		}
	}
}

func TestPageResolve(t *testing.T) {
	t.Parallel()
	p, err := parsePage([]byte(`{"resourceType":"Bundle","type":"searchset","entry":[
		{"fullUrl":"http://h/fhir/Practitioner/P1","resource":{"resourceType":"Practitioner","id":"P1"},"search":{"mode":"include"}},
		{"fullUrl":"urn:uuid:6b1f","resource":{"resourceType":"Location","id":"L1"}}]}`))
	if err != nil {
		t.Fatal(err)
	}
	for ref, want := range map[string]string{
		"Practitioner/P1":                     "P1",
		"Practitioner/P1/_history/3":          "P1",
		"http://h/fhir/Practitioner/P1":       "P1",
		"http://other/fhir/Practitioner/P1":   "P1",
		"urn:uuid:6b1f":                       "L1",
		"Practitioner/P2":                     "",
		"Location/L":                          "",
		"http://h/fhir/Practitioner/P1/extra": "",
	} {
		got := ""
		if r := p.Resolve(ref); r != nil {
			got = r.ID()
		}
		if got != want {
			t.Errorf("Resolve(%q) = %q, want %q", ref, got, want)
		}
	}
	if len(p.Matches()) != 1 || p.Matches()[0].ID() != "L1" {
		t.Errorf("entries without a mode are matches")
	}
}

func TestNextLinkOnAnotherHostIsRebased(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	for link, want := range map[string]string{
		"http://hapi-internal:8080/fhir?_getpages=abc&_getpagesoffset=20": "/fhir?_getpages=abc&_getpagesoffset=20",
		"http://10.0.0.5/hapi/fhir/Practitioner?page=2":                   "/fhir/Practitioner?page=2",
		"?_getpages=rel":                     "/fhir/?_getpages=rel",
		s.URL() + "/Practitioner?_offset=20": "/fhir/Practitioner?_offset=20",
	} {
		base, _ := url.Parse(s.URL())
		u, err := c.pageURL(link, "Practitioner")
		if err != nil || u.Host != base.Host || u.RequestURI() != want {
			t.Errorf("pageURL(%q) = %v, %v; want %s", link, u, err, want)
		}
	}
	if _, err := c.pageURL("https://evil.example/steal?x=1", "Practitioner"); err == nil {
		t.Error("a link to another server was followed")
	}
}

func TestPageTotalAndWarnings(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	s.put(`{"resourceType":"Location","id":"F1","managingOrganization":"Organization/F1"}`, s.tick())
	s.put(`{"resourceType":"Location","id":"F2","managingOrganization":{"reference":"Organization/F2"}}`, time.Now())
	for page, err := range c.Pages(t.Context(), "Location", &SearchParams{Total: "accurate"}) {
		if err != nil {
			t.Fatal(err)
		}
		if page.Total == nil || *page.Total != 2 || len(page.Matches()) != 2 {
			t.Errorf("total %v, %d matches", page.Total, len(page.Matches()))
		}
		want := []Warning{{ResourceType: "Location", ID: "F1", Path: "managingOrganization",
			Problem: "string where a Reference is expected; read as its reference"}}
		if diff := cmp.Diff(want, page.Warnings); diff != "" {
			t.Errorf("warnings (-want +got):\n%s", diff)
		}
	}
}

func TestSearchCarriesOnFromACursor(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	all := seedPractitioners(s, 40, 4)
	params := &SearchParams{Count: 7, Sort: []string{"_lastUpdated"}}
	first := map[string]bool{}
	var saved string
	pages := 0
	for page, err := range c.Pages(t.Context(), "Practitioner", params) {
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range page.Matches() {
			first[r.ID()] = true
		}
		if pages++; pages == 3 {
			saved = page.Cursor().String() // 21 returned: the cut falls inside a group of ties
			break
		}
	}
	// Meanwhile one already returned worker changes and one is added.
	s.put(`{"resourceType":"Practitioner","id":"P001","active":false}`, s.tick())
	s.put(`{"resourceType":"Practitioner","id":"NEW","active":true}`, s.tick())

	cursor, err := ParseCursor(saved)
	if err != nil {
		t.Fatal(err)
	}
	params.After = cursor
	second := map[string]bool{}
	for r, err := range c.Search(t.Context(), "Practitioner", params) {
		if err != nil {
			t.Fatal(err)
		}
		if second[r.ID()] {
			t.Errorf("%s returned twice", r.ID())
		}
		second[r.ID()] = true
	}
	for _, id := range append(all, "NEW") {
		if !first[id] && !second[id] {
			t.Errorf("%s lost", id)
		}
		if first[id] && second[id] && id != "P001" {
			t.Errorf("%s returned again", id)
		}
	}
	if !second["P001"] {
		t.Error("the changed worker was not returned again")
	}
	if len(first) != 21 {
		t.Errorf("first run returned %d", len(first))
	}

	for _, bad := range []string{"yesterday P1", "2024-05-01T10:00:00Z Practitioner", "2024-05-01T10:00:00Z a/b/c"} {
		if _, err := ParseCursor(bad); err == nil {
			t.Errorf("ParseCursor(%q) succeeded", bad)
		}
	}
	for _, err := range c.Search(t.Context(), "Practitioner", &SearchParams{After: cursor}) {
		if err == nil {
			t.Error("a cursor on an unsorted search was accepted")
		}
	}
}

func outcome(w http.ResponseWriter, status int, code, diagnostics string) {
	writeJSON(w, status, map[string]any{"resourceType": "OperationOutcome",
		"issue": []any{map[string]any{"severity": "error", "code": code, "diagnostics": diagnostics}}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/fhir+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
