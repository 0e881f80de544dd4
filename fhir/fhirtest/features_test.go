package fhirtest_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/internal/fhirraw"
)

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestUUIDVersionIDs: with WithVersionIDs every place a version id shows
// (meta, ETag, Location, history, vread, If-Match) uses the server's ids.
func TestUUIDVersionIDs(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer(fhirtest.WithVersionIDs(fhirtest.UUIDVersionID))
	defer s.Close()
	var v1, v2 map[string]any
	if st := fhirraw.Do(t, s, "PUT", "Practitioner/P1", practitioner("P1", "Kollie", "0770 000 001"), &v1); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	id1 := v1["meta"].(map[string]any)["versionId"].(string)
	if !uuidRE.MatchString(id1) {
		t.Fatalf("versionId %q is not a UUID", id1)
	}
	if st := fhirraw.Do(t, s, "PUT", "Practitioner/P1", practitioner("P1", "Flomo", "0770 000 001"), &v2, "If-Match", `W/"1"`); st != http.StatusPreconditionFailed {
		t.Errorf("If-Match with a number: %d, want 412", st)
	}
	req, _ := http.NewRequest("PUT", s.URL()+"/Practitioner/P1", strings.NewReader(`{"resourceType":"Practitioner","id":"P1","active":false}`))
	req.Header.Set("If-Match", `W/"`+id1+`"`)
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	json.NewDecoder(resp.Body).Decode(&v2)
	resp.Body.Close()
	id2 := v2["meta"].(map[string]any)["versionId"].(string)
	if resp.StatusCode != http.StatusOK || !uuidRE.MatchString(id2) || id2 == id1 {
		t.Fatalf("update: %d, version %q after %q", resp.StatusCode, id2, id1)
	}
	if etag, loc := resp.Header.Get("ETag"), resp.Header.Get("Location"); etag != `W/"`+id2+`"` || !strings.HasSuffix(loc, "/_history/"+id2) {
		t.Errorf("ETag %q, Location %q; want version %s", etag, loc, id2)
	}
	var old map[string]any
	if st := fhirraw.Do(t, s, "GET", "Practitioner/P1/_history/"+id1, nil, &old); st != http.StatusOK || old["name"] == nil {
		t.Errorf("vread %s: %d %v", id1, st, old)
	}
	if st := fhirraw.Do(t, s, "GET", "Practitioner/P1/_history/1", nil, nil); st != http.StatusNotFound {
		t.Errorf("vread 1: %d, want 404", st)
	}
	h := fhirraw.Search(t, s, "Practitioner/P1/_history")
	var versions []string
	for _, e := range h.Entry {
		versions = append(versions, e.Resource["meta"].(map[string]any)["versionId"].(string))
	}
	if !slices.Equal(versions, []string{id2, id1}) {
		t.Errorf("history versions %v, want [%s %s]", versions, id2, id1)
	}
	if err := s.Delete("Practitioner", "P1"); err != nil {
		t.Fatal(err)
	}
	h = fhirraw.Search(t, s, "Practitioner/_history")
	if len(h.Entry) != 3 || h.Entry[0].Request.Method != "DELETE" {
		t.Errorf("type history after delete: %+v", h.Entry)
	}
}

// TestUnstableSortShufflesOnlyTies: two searches sorted by _lastUpdated
// give ties in different orders, but the times always ascend.
func TestUnstableSortShufflesOnlyTies(t *testing.T) {
	t.Parallel()
	for _, unstable := range []bool{false, true} {
		var opts []fhirtest.Option
		if unstable {
			opts = append(opts, fhirtest.WithUnstableSort())
		}
		s, _ := small(t, opts...)
		order := func() []string {
			var ids []string
			last := ""
			for _, p := range fhirraw.All(t, s, "Practitioner?_sort=_lastUpdated&_count=100") {
				for _, e := range p.Entry {
					lu := e.Resource["meta"].(map[string]any)["lastUpdated"].(string)
					if lu < last {
						t.Fatalf("%s after %s", lu, last)
					}
					last = lu
					ids = append(ids, e.Resource["id"].(string))
				}
			}
			return ids
		}
		a, b := order(), order()
		if len(a) != 300 || len(b) != 300 {
			t.Fatalf("%d and %d results, want 300", len(a), len(b))
		}
		if same := slices.Equal(a, b); same == unstable {
			t.Errorf("unstable %v: two searches in the same order: %v", unstable, same)
		}
		if !unstable && !slices.IsSorted(a) {
			t.Errorf("ties do not keep the creation order: %v", a[:10])
		}
	}
}

// TestExpiredPages: ExpirePages forgets every link, answered with the
// status WithExpiredPageStatus sets.
func TestExpiredPages(t *testing.T) {
	t.Parallel()
	for _, status := range []int{http.StatusGone, http.StatusNotFound, http.StatusBadRequest} {
		s, _ := small(t, fhirtest.WithExpiredPageStatus(status))
		first := fhirraw.Search(t, s, "Practitioner?_count=10")
		fhirraw.Search(t, s, first.Next())
		s.ExpirePages()
		var oo map[string]any
		if st := fhirraw.Do(t, s, "GET", first.Next(), nil, &oo); st != status || oo["resourceType"] != "OperationOutcome" {
			t.Errorf("expired link: %d %v, want %d and an OperationOutcome", st, oo, status)
		}
	}
}

func TestFaultAfterServingAndDrop(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer()
	defer s.Close()
	// A POST, which the HTTP client never sends again by itself.
	create := func(key string) (int, error) {
		body := `{"resourceType":"Practitioner","identifier":[{"system":"urn:test","value":"` + key + `"}]}`
		resp, err := s.Client().Post(s.URL()+"/Practitioner", "application/fhir+json", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp.StatusCode, nil
	}
	for i, tc := range []struct {
		fault   fhirtest.Fault
		status  int
		written bool
	}{
		{fhirtest.Fault{Status: 503}, 503, false},
		{fhirtest.Fault{Status: 503, AfterServing: true}, 503, true},
		{fhirtest.Fault{Drop: true}, 0, false},
		{fhirtest.Fault{Drop: true, AfterServing: true}, 0, true},
		{fhirtest.Fault{Status: 503, Match: func(r *http.Request) bool { return r.Method == "GET" }}, 201, true},
	} {
		key := strconv.Itoa(i)
		s.InjectFault(tc.fault)
		st, err := create(key)
		if tc.fault.Drop != (err != nil) || st != tc.status {
			t.Errorf("%+v: status %d, error %v", tc.fault, st, err)
		}
		found, _ := s.Search("Practitioner", url.Values{"identifier": {"urn:test|" + key}})
		if written := len(found) == 1; written != tc.written {
			t.Errorf("%+v: written %v, want %v", tc.fault, written, tc.written)
		}
		if r := s.Requests(); r[len(r)-1].Status != tc.status {
			t.Errorf("%+v: logged status %d", tc.fault, r[len(r)-1].Status)
		}
	}
}

// TestCustomSearchParams: a parameter added by option is searched, chained,
// included, refused with a modifier it cannot take, and replaces a
// built-in one of the same name.
func TestCustomSearchParams(t *testing.T) {
	t.Parallel()
	digits := func(s string) string {
		return strings.Map(func(r rune) rune {
			if r < '0' || r > '9' {
				return -1
			}
			return r
		}, s)
	}
	s, _ := small(t, fhirtest.WithSearchParams(
		fhirtest.SearchParam{Resource: "Practitioner", Name: "phone", Type: fhirtest.TokenParam,
			Values: func(m map[string]any) []any {
				var out []any
				for _, v := range fhirtest.ContactValues(m, "phone") {
					out = append(out, v)
				}
				return out
			},
			Match: func(v string, elems []any) bool {
				return slices.ContainsFunc(elems, func(e any) bool { return digits(e.(string)) == digits(v) })
			}},
		fhirtest.SearchParam{Resource: "PractitionerRole", Name: "facility", Type: fhirtest.ReferenceParam, Target: "Location",
			Values: func(m map[string]any) []any { return fhirtest.Path(m, "location") }},
		fhirtest.SearchParam{Resource: "Practitioner", Name: "born", Type: fhirtest.DateParam,
			Values: func(m map[string]any) []any { return fhirtest.Path(m, "birthDate") }},
		fhirtest.SearchParam{Resource: "Practitioner", Name: "surname", Type: fhirtest.StringParam,
			Values: func(m map[string]any) []any { return fhirtest.Path(m, "name") }},
	))
	for u, want := range map[string]int{
		"Practitioner?phone=0770000012":                              1,
		"Practitioner?phone=" + url.QueryEscape("0770-000-012"):      1,
		"Practitioner?phone:missing=true&_count=500":                 300 / 7,
		"Practitioner?phone:not=0770000012&_count=500":               299,
		"PractitionerRole?facility=Location/C.R1.D1.F1&_count=500":   len(fhirraw.Search(t, s, "PractitionerRole?location=Location/C.R1.D1.F1&_count=500").Entry),
		"PractitionerRole?facility.partof=Location/C.R1.D1&_count=1": 1,
		"Practitioner?born=ge1999&_count=500":                        len(fhirraw.Search(t, s, "Practitioner?birthdate=ge1999&_count=500").Entry),
		"Practitioner?surname=kol&_count=500":                        len(fhirraw.Search(t, s, "Practitioner?name=kol&_count=500").Entry),
	} {
		if got := len(fhirraw.Search(t, s, u).Entry); got != want || want == 0 {
			t.Errorf("%s: %d, want %d (not 0)", u, got, want)
		}
	}
	b := fhirraw.Search(t, s, "PractitionerRole?_count=5&_include=PractitionerRole:facility")
	if inc := b.IDs("include"); len(inc) == 0 || !strings.HasPrefix(inc[0], "Location/") {
		t.Errorf("_include through a custom parameter: %v", inc)
	}
	for _, u := range []string{"Practitioner?phone:exact=1", "PractitionerRole?facility.nope=1", "Practitioner?born=yesterday"} {
		if st := fhirraw.Do(t, s, "GET", u, nil, nil); st != http.StatusBadRequest {
			t.Errorf("%s: %d, want 400", u, st)
		}
	}
}

// TestSeedAndTheGoAPI: Seed keeps a resource as given, or fills in its
// meta; Resource, Search and Delete see what the HTTP API does.
func TestSeedAndTheGoAPI(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer()
	defer s.Close()
	given := `{"resourceType":"Practitioner","id":"A","meta":{"versionId":"7","lastUpdated":"2024-05-01T10:00:00.000Z"},"active":true}`
	if err := s.Seed([]byte(given)); err != nil {
		t.Fatal(err)
	}
	if got, ok := s.Resource("Practitioner", "A"); !ok || string(got) != given {
		t.Errorf("seeded %s, read %s", given, got)
	}
	// Pretty JSON without meta: stored compact, stamped.
	if err := s.Seed([]byte("{\n  \"resourceType\": \"Practitioner\",\n  \"id\": \"B\",\n  \"active\": true\n}")); err != nil {
		t.Fatal(err)
	}
	got, _ := s.Resource("Practitioner", "B")
	var b map[string]any
	json.Unmarshal(got, &b)
	if meta, _ := b["meta"].(map[string]any); meta["versionId"] != "1" || meta["lastUpdated"] == nil || strings.Contains(string(got), "\n") {
		t.Errorf("seeded without meta: %s", got)
	}
	// Seeding again is a new version.
	if err := s.Seed([]byte(given)); err != nil {
		t.Fatal(err)
	}
	if h := fhirraw.Search(t, s, "Practitioner/A/_history"); len(h.Entry) != 2 {
		t.Errorf("%d versions after seeding twice, want 2", len(h.Entry))
	}
	for _, bad := range []string{`[]`, `{"resourceType":"Nope","id":"x"}`, `{"resourceType":"Practitioner"}`,
		`{"resourceType":"Practitioner","id":"C","meta":{"lastUpdated":"yesterday"}}`} {
		if err := s.Seed([]byte(bad)); err == nil {
			t.Errorf("Seed(%s) accepted", bad)
		}
	}
	if got, err := s.Search("Practitioner", url.Values{"active": {"true"}}); err != nil || len(got) != 2 {
		t.Errorf("Search: %d, %v", len(got), err)
	}
	if _, err := s.Search("Practitioner", url.Values{"shoe-size": {"9"}}); err == nil {
		t.Error("Search with an unknown parameter succeeded")
	}
	if err := s.Delete("Practitioner", "A"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Resource("Practitioner", "A"); ok {
		t.Error("deleted resource still read")
	}
	if st := fhirraw.Do(t, s, "GET", "Practitioner/A", nil, nil); st != http.StatusGone {
		t.Errorf("read deleted over HTTP: %d", st)
	}
	if err := s.Delete("Practitioner", "never"); err == nil {
		t.Error("deleting what never existed succeeded")
	}
	if err := s.Load([]byte(`{"resourceType":"Bundle","type":"transaction","entry":[{"request":{"method":"PUT","url":"Practitioner/Z"}}]}`)); err == nil {
		t.Error("loading a bad transaction succeeded")
	}
	if s.RequestCount() != 2 {
		t.Errorf("%d requests logged, want the 2 made over HTTP", s.RequestCount())
	}
}

// TestHeldRequests: a held request waits for the test, and one whose
// client gives up meanwhile is not served.
func TestHeldRequests(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer()
	defer s.Close()
	release := make(chan struct{})
	arrived := make(chan struct{}, 2)
	s.InjectFault(fhirtest.Fault{Hold: release, Times: 2, Match: func(r *http.Request) bool {
		arrived <- struct{}{}
		return true
	}})
	ctx, cancel := context.WithCancel(t.Context())
	gaveUp := make(chan error, 1)
	go func() {
		req, _ := http.NewRequestWithContext(ctx, "PUT", s.URL()+"/Practitioner/A", strings.NewReader(`{"resourceType":"Practitioner","id":"A"}`))
		_, err := s.Client().Do(req)
		gaveUp <- err
	}()
	<-arrived
	cancel()
	if err := <-gaveUp; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned request: %v", err)
	}
	// The server lets go of it (and logs it) once it sees the client gone.
	for deadline := time.Now().Add(10 * time.Second); s.RequestCount() == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the server still holds the abandoned request")
		}
	}
	served := make(chan int, 1)
	go func() {
		st, _ := putStatus(s, "B")
		served <- st
	}()
	<-arrived
	select {
	case st := <-served:
		t.Fatalf("a held request was answered (%d) before its release", st)
	default:
	}
	close(release)
	if st := <-served; st != http.StatusCreated {
		t.Errorf("released request: %d, want 201", st)
	}
	if _, ok := s.Resource("Practitioner", "A"); ok {
		t.Error("the abandoned request was served")
	}
}

func putStatus(s *fhirtest.Server, id string) (int, error) {
	req, _ := http.NewRequest("PUT", s.URL()+"/Practitioner/"+id, strings.NewReader(`{"resourceType":"Practitioner","id":"`+id+`"}`))
	resp, err := s.Client().Do(req)
	if err != nil {
		return 0, err
	}
	resp.Body.Close()
	return resp.StatusCode, nil
}
