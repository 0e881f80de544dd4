package fhirtest_test

import (
	"fmt"
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

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)} }

func practitioner(id, family, phone string) map[string]any {
	p := map[string]any{
		"resourceType": "Practitioner",
		"active":       true,
		"name":         []any{map[string]any{"family": family, "given": []any{"Ann"}}},
		"telecom":      []any{map[string]any{"system": "phone", "value": phone, "use": "mobile"}},
		"x-unknown":    map[string]any{"kept": 1.50},
	}
	if id != "" {
		p["id"] = id
	}
	return p
}

func TestCreateReadUpdateDeleteAndHistory(t *testing.T) {
	t.Parallel()
	clock := newClock()
	s := fhirtest.NewServer(fhirtest.WithClock(clock.Now))
	defer s.Close()

	var created map[string]any
	if st := fhirraw.Do(t, s, "POST", "Practitioner", practitioner("", "Kollie", "0770 000 001"), &created); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	id := created["id"].(string)
	meta := created["meta"].(map[string]any)
	if meta["versionId"] != "1" || meta["lastUpdated"] != "2026-03-01T09:00:00.000Z" {
		t.Fatalf("meta after create: %v", meta)
	}
	if !strings.Contains(fmt.Sprint(created["x-unknown"]), "1.5") {
		t.Fatalf("unknown element lost: %v", created)
	}

	clock.Advance(time.Minute)
	upd := practitioner(id, "Flomo", "0770 000 002")
	var updated map[string]any
	if st := fhirraw.Do(t, s, "PUT", "Practitioner/"+id, upd, &updated, "If-Match", `W/"1"`); st != http.StatusOK {
		t.Fatalf("update: %d", st)
	}
	if v := updated["meta"].(map[string]any)["versionId"]; v != "2" {
		t.Fatalf("version after update: %v", v)
	}
	if st := fhirraw.Do(t, s, "PUT", "Practitioner/"+id, upd, nil, "If-Match", `W/"1"`); st != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match: %d, want 412", st)
	}
	var v1 map[string]any
	if st := fhirraw.Do(t, s, "GET", "Practitioner/"+id+"/_history/1", nil, &v1); st != http.StatusOK || v1["name"].([]any)[0].(map[string]any)["family"] != "Kollie" {
		t.Fatalf("vread 1: %d %v", st, v1["name"])
	}

	clock.Advance(time.Minute)
	if st := fhirraw.Do(t, s, "DELETE", "Practitioner/"+id, nil, nil); st != http.StatusOK {
		t.Fatalf("delete: %d", st)
	}
	if st := fhirraw.Do(t, s, "GET", "Practitioner/"+id, nil, nil); st != http.StatusGone {
		t.Fatalf("read deleted: %d, want 410", st)
	}
	if st := fhirraw.Do(t, s, "GET", "Practitioner/nope", nil, nil); st != http.StatusNotFound {
		t.Fatalf("read unknown: %d, want 404", st)
	}

	h := fhirraw.Search(t, s, "Practitioner/"+id+"/_history")
	var methods []string
	for _, e := range h.Entry {
		methods = append(methods, e.Request.Method)
	}
	if h.Type != "history" || !slices.Equal(methods, []string{"DELETE", "PUT", "POST"}) {
		t.Fatalf("instance history %s %v, want newest first DELETE, PUT, POST", h.Type, methods)
	}
	since := url.QueryEscape("2026-03-01T09:00:30Z")
	h = fhirraw.Search(t, s, "Practitioner/_history?_since="+since)
	if len(h.Entry) != 2 || h.Entry[0].Request.Method != "DELETE" || h.Entry[0].Resource != nil {
		t.Fatalf("type history since: %+v", h.Entry)
	}
}

func TestConditionalCreate(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer()
	defer s.Close()
	p := practitioner("", "Kollie", "0770 000 001")
	p["identifier"] = []any{map[string]any{"system": "urn:x", "value": "42"}}
	var first, second map[string]any
	if st := fhirraw.Do(t, s, "POST", "Practitioner", p, &first, "If-None-Exist", "identifier=urn:x|42"); st != http.StatusCreated {
		t.Fatalf("first conditional create: %d", st)
	}
	if st := fhirraw.Do(t, s, "POST", "Practitioner", p, &second, "If-None-Exist", "identifier=urn:x|42"); st != http.StatusOK {
		t.Fatalf("second conditional create: %d, want 200", st)
	}
	if first["id"] != second["id"] {
		t.Fatalf("second create made %v, want the existing %v", second["id"], first["id"])
	}
}

func TestTransactionResolvesTemporaryIDsAndIsAtomic(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer()
	defer s.Close()
	tx := map[string]any{
		"resourceType": "Bundle", "type": "transaction",
		"entry": []any{
			map[string]any{
				"fullUrl":  "urn:uuid:6f1c7b0e-0000-4000-8000-000000000001",
				"resource": practitioner("", "Weah", "0880 000 001"),
				"request":  map[string]any{"method": "POST", "url": "Practitioner"},
			},
			map[string]any{
				"resource": map[string]any{
					"resourceType": "PractitionerRole", "id": "R1", "active": true,
					"practitioner": map[string]any{"reference": "urn:uuid:6f1c7b0e-0000-4000-8000-000000000001"},
				},
				"request": map[string]any{"method": "PUT", "url": "PractitionerRole/R1"},
			},
		},
	}
	var resp fhirraw.Bundle
	if st := fhirraw.Do(t, s, "POST", "", tx, &resp); st != http.StatusOK || resp.Type != "transaction-response" {
		t.Fatalf("transaction: %d %s", st, resp.Type)
	}
	loc := resp.Entry[0].Response.Location
	pid := strings.Split(loc, "/")[1]
	var role map[string]any
	fhirraw.Do(t, s, "GET", "PractitionerRole/R1", nil, &role)
	if got := role["practitioner"].(map[string]any)["reference"]; got != "Practitioner/"+pid {
		t.Fatalf("role points at %v, want Practitioner/%s", got, pid)
	}

	// A failing entry (stale If-Match) leaves nothing applied.
	bad := map[string]any{
		"resourceType": "Bundle", "type": "transaction",
		"entry": []any{
			map[string]any{"resource": practitioner("NEW", "Doe", "0770 000 009"), "request": map[string]any{"method": "PUT", "url": "Practitioner/NEW"}},
			map[string]any{"resource": role, "request": map[string]any{"method": "PUT", "url": "PractitionerRole/R1", "ifMatch": `W/"9"`}},
		},
	}
	if st := fhirraw.Do(t, s, "POST", "", bad, nil); st != http.StatusPreconditionFailed {
		t.Fatalf("failing transaction: %d, want 412", st)
	}
	if st := fhirraw.Do(t, s, "GET", "Practitioner/NEW", nil, nil); st != http.StatusNotFound {
		t.Fatalf("entry of a failed transaction was applied: %d", st)
	}

	// A batch applies what it can and reports each entry.
	bad["type"] = "batch"
	if st := fhirraw.Do(t, s, "POST", "", bad, &resp); st != http.StatusOK {
		t.Fatalf("batch: %d", st)
	}
	if resp.Entry[0].Response.Status != "201 Created" || !strings.HasPrefix(resp.Entry[1].Response.Status, "412") {
		t.Fatalf("batch statuses %q, %q", resp.Entry[0].Response.Status, resp.Entry[1].Response.Status)
	}
}

func TestLastUpdatedIncrementalSync(t *testing.T) {
	t.Parallel()
	clock := &fakeClock{now: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)}
	s, truth := small(t, fhirtest.WithClock(clock.Now))

	// Everything generated is at or before Truth.Newest.
	b := fhirraw.Search(t, s, "Practitioner?_lastUpdated=gt"+truth.Newest.Format(time.RFC3339Nano)+"&_total=accurate")
	if *b.Total != 0 {
		t.Fatalf("%d practitioners after the newest generated time", *b.Total)
	}
	// Sorted by _lastUpdated, pages are in time order with no repeats.
	var last string
	n := 0
	for _, p := range fhirraw.All(t, s, "Practitioner?_sort=_lastUpdated&_count=50") {
		for _, e := range p.Entry {
			lu := e.Resource["meta"].(map[string]any)["lastUpdated"].(string)
			if lu < last {
				t.Fatalf("out of order: %s after %s", lu, last)
			}
			last = lu
			n++
		}
	}
	if n != truth.Workers {
		t.Fatalf("sorted paging returned %d, want %d", n, truth.Workers)
	}

	// Change two workers, delete one: the incremental search finds the two
	// changes, history finds the deletion.
	checkpoint := clock.Now()
	clock.Advance(time.Second)
	for _, id := range []string{"P0011", "P0021"} {
		var p map[string]any
		fhirraw.Do(t, s, "GET", "Practitioner/"+id, nil, &p)
		p["active"] = false
		if st := fhirraw.Do(t, s, "PUT", "Practitioner/"+id, p, nil); st != http.StatusOK {
			t.Fatalf("update %s: %d", id, st)
		}
	}
	fhirraw.Do(t, s, "DELETE", "Practitioner/P0031", nil, nil)
	ge := url.QueryEscape("ge" + checkpoint.Format(time.RFC3339))
	b = fhirraw.Search(t, s, "Practitioner?_lastUpdated="+ge+"&_sort=_lastUpdated")
	if got := b.IDs("match"); !slices.Equal(got, []string{"Practitioner/P0011", "Practitioner/P0021"}) {
		t.Fatalf("changed since checkpoint: %v", got)
	}
	h := fhirraw.Search(t, s, "Practitioner/_history?_since="+url.QueryEscape(checkpoint.Format(time.RFC3339)))
	var deleted []string
	for _, e := range h.Entry {
		if e.Request.Method == "DELETE" {
			deleted = append(deleted, e.FullURL)
		}
	}
	if len(deleted) != 1 || !strings.HasSuffix(deleted[0], "/Practitioner/P0031") {
		t.Fatalf("deletions in history: %v", deleted)
	}
}

func TestAuthModes(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		opts   []fhirtest.Option
		header []string
		want   int
	}{
		{"none", nil, nil, http.StatusOK},
		{"basic ok", []fhirtest.Option{fhirtest.WithBasicAuth("hapi", "hapi")}, []string{"Authorization", "Basic aGFwaTpoYXBp"}, http.StatusOK},
		{"basic wrong", []fhirtest.Option{fhirtest.WithBasicAuth("hapi", "hapi")}, []string{"Authorization", "Basic aGFwaTp4"}, http.StatusUnauthorized},
		{"basic missing", []fhirtest.Option{fhirtest.WithBasicAuth("hapi", "hapi")}, nil, http.StatusUnauthorized},
		{"bearer ok", []fhirtest.Option{fhirtest.WithBearerToken("t0k")}, []string{"Authorization", "Bearer t0k"}, http.StatusOK},
		{"bearer wrong", []fhirtest.Option{fhirtest.WithBearerToken("t0k")}, []string{"Authorization", "Bearer nope"}, http.StatusUnauthorized},
		{"bearer given basic", []fhirtest.Option{fhirtest.WithBearerToken("t0k")}, []string{"Authorization", "Basic aGFwaTpoYXBp"}, http.StatusUnauthorized},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fhirtest.NewServer(c.opts...)
			defer s.Close()
			var body map[string]any
			if st := fhirraw.Do(t, s, "GET", "metadata", nil, &body, c.header...); st != c.want {
				t.Fatalf("status %d, want %d", st, c.want)
			}
			if c.want == http.StatusUnauthorized && body["resourceType"] != "OperationOutcome" {
				t.Fatalf("401 body %v, want an OperationOutcome", body)
			}
		})
	}
}

func TestBadOptionsAreErrors(t *testing.T) {
	t.Parallel()
	for _, o := range []fhirtest.Option{
		fhirtest.WithPageSize(0, 10),
		fhirtest.WithAddr("10.1.2.3:80"),
		fhirtest.WithBasePath("fhir"),
		fhirtest.WithPageExpiry(-1, 0),
		fhirtest.WithExpiredPageStatus(200),
		fhirtest.WithName(""),
		fhirtest.WithVersionIDs(nil),
		fhirtest.WithClock(nil),
		fhirtest.WithBasicAuth("", "x"),
		fhirtest.WithBearerToken(""),
		fhirtest.WithMaxIncludes(0),
		fhirtest.WithSearchParams(fhirtest.SearchParam{Resource: "Practitioner", Name: "x", Type: "number", Values: func(map[string]any) []any { return nil }}),
		fhirtest.WithSearchParams(fhirtest.SearchParam{Resource: "Nope", Name: "x", Type: fhirtest.TokenParam, Values: func(map[string]any) []any { return nil }}),
		fhirtest.WithSearchParams(fhirtest.SearchParam{Resource: "Practitioner", Name: "_x", Type: fhirtest.TokenParam, Values: func(map[string]any) []any { return nil }}),
		fhirtest.WithSearchParams(fhirtest.SearchParam{Resource: "Practitioner", Name: "x", Type: fhirtest.TokenParam}),
		fhirtest.WithSeedDir(""),
	} {
		if s, err := fhirtest.Start(o); err == nil {
			s.Close()
			t.Errorf("option accepted, want an error")
		}
	}
}

func TestFaultsAndRequestLog(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer()
	defer s.Close()
	s.InjectFault(fhirtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 2 * time.Second, Times: 2})
	s.InjectFault(fhirtest.Fault{Status: http.StatusServiceUnavailable, Match: func(r *http.Request) bool { return r.Method == http.MethodPost }})
	for i, want := range []int{429, 429, 200} {
		if st := fhirraw.Do(t, s, "GET", "Practitioner", nil, nil); st != want {
			t.Fatalf("request %d: %d, want %d", i, st, want)
		}
	}
	if st := fhirraw.Do(t, s, "POST", "Practitioner", practitioner("", "Doe", "0770 000 003"), nil); st != http.StatusServiceUnavailable {
		t.Fatalf("POST: %d, want 503", st)
	}
	reqs := s.Requests()
	if len(reqs) != 4 || reqs[0].Status != 429 || reqs[3].Method != "POST" {
		t.Fatalf("request log %+v", reqs)
	}
}

func TestWriteBackResourcesAreSearchable(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer()
	defer s.Close()
	var cr map[string]any
	fhirraw.Do(t, s, "POST", "CommunicationRequest", map[string]any{
		"resourceType": "CommunicationRequest", "status": "active",
		"recipient": []any{map[string]any{"reference": "Practitioner/P1"}, map[string]any{"reference": "Practitioner/P2"}},
	}, &cr)
	crRef := "CommunicationRequest/" + cr["id"].(string)
	fhirraw.Do(t, s, "POST", "CommunicationRequest", map[string]any{
		"resourceType": "CommunicationRequest", "status": "active",
		"extension": []any{map[string]any{
			"url":       "http://mhero.org/fhir/StructureDefinition/mhero-comm-req-flow-starts",
			"extension": []any{map[string]any{"url": "flow_starts_uuid", "valueString": "5b7c0e3e-0000-4000-8000-00000000f10a"}},
		}},
	}, nil)
	fhirraw.Do(t, s, "POST", "Communication", map[string]any{
		"resourceType": "Communication", "status": "completed",
		"basedOn":   []any{map[string]any{"reference": crRef}},
		"recipient": []any{map[string]any{"reference": "Practitioner/P2"}},
		"sent":      "2026-03-01T10:00:00+01:00",
	}, nil)
	fhirraw.Do(t, s, "POST", "QuestionnaireResponse", map[string]any{
		"resourceType": "QuestionnaireResponse", "status": "completed",
		"subject": map[string]any{"reference": "Practitioner/P2"}, "basedOn": []any{map[string]any{"reference": crRef}},
	}, nil)
	fhirraw.Do(t, s, "POST", "Basic", map[string]any{
		"resourceType": "Basic", "code": map[string]any{"coding": []any{map[string]any{"code": "mHeroWorkflows"}}},
		"subject": map[string]any{"reference": "Practitioner/P2"},
	}, nil)
	for u, want := range map[string]int{
		"CommunicationRequest?recipient=Practitioner/P1":    1,
		"Communication?recipient=Practitioner/P2":           1,
		"Communication?based-on=" + crRef:                   1,
		"QuestionnaireResponse?subject=P2":                  1,
		"QuestionnaireResponse?based-on=" + crRef:           1,
		"Basic?subject=Practitioner/P2&code=mHeroWorkflows": 1,
		"Communication?recipient=Practitioner/P1":           0,
	} {
		if got := len(fhirraw.Search(t, s, u).Entry); got != want {
			t.Errorf("%s: %d, want %d", u, got, want)
		}
	}
}

func TestBearerTokenRotation(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer(fhirtest.WithBearerToken("first"))
	defer s.Close()
	if st := fhirraw.Do(t, s, "GET", "metadata", nil, nil, "Authorization", "Bearer first"); st != http.StatusOK {
		t.Fatalf("first token: %d", st)
	}
	if err := s.SetBearerToken("second"); err != nil {
		t.Fatal(err)
	}
	if st := fhirraw.Do(t, s, "GET", "metadata", nil, nil, "Authorization", "Bearer first"); st != http.StatusUnauthorized {
		t.Fatalf("old token after rotation: %d, want 401", st)
	}
	if st := fhirraw.Do(t, s, "GET", "metadata", nil, nil, "Authorization", "Bearer second"); st != http.StatusOK {
		t.Fatalf("new token: %d", st)
	}
	plain := fhirtest.NewServer()
	defer plain.Close()
	if err := plain.SetBearerToken("x"); err == nil {
		t.Fatal("SetBearerToken without bearer auth accepted")
	}
}

// TestConcurrentReadersAndWriters pages while others write (run with -race).
func TestConcurrentReadersAndWriters(t *testing.T) {
	t.Parallel()
	s, truth := small(t)
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for i := range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			seen := map[string]bool{}
			for u := s.URL() + "/Practitioner?_count=40&_revinclude=PractitionerRole:practitioner"; u != ""; {
				var b fhirraw.Bundle
				if st := fhirraw.Do(t, s, "GET", u, nil, &b); st != http.StatusOK {
					errs <- fmt.Sprintf("page status %d", st)
					return
				}
				for _, id := range b.IDs("match") {
					if seen[id] {
						errs <- id + " paged twice"
					}
					seen[id] = true
				}
				u = b.Next()
			}
			// The pages are a snapshot taken at the first request: every
			// generated worker, plus the writes that came before it.
			if n, min := len(seen), truth.Workers; n < min || n > min+40 {
				errs <- fmt.Sprintf("paged %d workers while writes went on, want %d to %d", n, min, min+40)
			}
		}()
		go func() {
			defer wg.Done()
			for j := range 10 {
				p := practitioner(fmt.Sprintf("W%d-%d", i, j), "Doe", "0770 000 000")
				if st := fhirraw.Do(t, s, "PUT", fmt.Sprintf("Practitioner/W%d-%d", i, j), p, nil); st != http.StatusCreated {
					errs <- fmt.Sprintf("PUT status %d", st)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func TestUnknownResourceTypes(t *testing.T) {
	t.Parallel()
	s := fhirtest.NewServer()
	defer s.Close()
	var oo map[string]any
	if st := fhirraw.Do(t, s, "GET", "Practitioners?name=x", nil, &oo); st != http.StatusNotFound || oo["resourceType"] != "OperationOutcome" {
		t.Fatalf("unknown type: %d %v", st, oo)
	}
	if st := fhirraw.Do(t, s, "POST", "Basic", map[string]any{"resourceType": "Basics"}, nil); st != http.StatusBadRequest {
		t.Fatalf("body of an unknown type: %d", st)
	}
	if st := fhirraw.Do(t, s, "GET", "QuestionnaireResponse?subject:Practitioners=P1", nil, nil); st != http.StatusBadRequest {
		t.Fatalf("unknown type modifier: %d", st)
	}
	if st := fhirraw.Do(t, s, "GET", "QuestionnaireResponse?subject:Practitioner=P1", nil, nil); st != http.StatusOK {
		t.Fatalf("type modifier: %d", st)
	}
}
