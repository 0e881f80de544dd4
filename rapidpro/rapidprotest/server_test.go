package rapidprotest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mhero-go/mhero/internal/fixtures"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
)

// call makes one API request and decodes the JSON body (if any) into a
// generic value.
func call(t *testing.T, srv *rapidprotest.Server, method, path string, body any) (int, http.Header, any) {
	t.Helper()
	status, hdr, raw := callRaw(t, srv, method, path, srv.Token(), body)
	var v any
	if len(raw) > 0 && strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatalf("%s %s: decoding %q: %v", method, path, raw, err)
		}
	}
	return status, hdr, v
}

func callRaw(t *testing.T, srv *rapidprotest.Server, method, path, token string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		buf, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(buf)
	}
	u := path
	if !strings.HasPrefix(path, "http") {
		u = srv.URL() + "/api/v2/" + path
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Token "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, raw
}

type object = map[string]any

func results(t *testing.T, v any) []object {
	t.Helper()
	page, ok := v.(object)
	if !ok {
		t.Fatalf("not a page: %v", v)
	}
	var out []object
	for _, r := range page["results"].([]any) {
		out = append(out, r.(object))
	}
	return out
}

// uuidPage is the part of a list page the paging tests read; decoding only
// this keeps the -race runs quick.
type uuidPage struct {
	Next    *string `json:"next"`
	Results []struct {
		UUID string `json:"uuid"`
		Path *[]any `json:"path"`
	} `json:"results"`
}

func getPage(t *testing.T, srv *rapidprotest.Server, path string) uuidPage {
	t.Helper()
	status, _, raw := callRaw(t, srv, "GET", path, srv.Token(), nil)
	if status != http.StatusOK {
		t.Fatalf("GET %s: status %d", path, status)
	}
	var p uuidPage
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

func newServer(t *testing.T, opts ...rapidprotest.Option) *rapidprotest.Server {
	t.Helper()
	srv := rapidprotest.NewServer(append([]rapidprotest.Option{rapidprotest.WithSeed(1), rapidprotest.WithRateLimits(0, 0)}, opts...)...)
	t.Cleanup(func() { srv.Close() })
	return srv
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	dir := fixtures.Dir(t, "fixtures", "rapidpro")

	status, _, body := callRaw(t, srv, "GET", "contacts.json", "wrong", nil)
	if status != http.StatusForbidden {
		t.Fatalf("bad token: status %d, want 403", status)
	}
	assertJSONEqual(t, body, filepath.Join(dir, "error_403_invalid_token.json"))

	if status, _, _ := callRaw(t, srv, "GET", "contacts.json", "", nil); status != http.StatusForbidden {
		t.Errorf("no token: status %d, want 403", status)
	}
	status, hdr, _ := call(t, srv, "GET", "contacts.json", nil)
	if status != http.StatusOK || hdr.Get("X-Temba-Workspace") != srv.WorkspaceUUID() {
		t.Errorf("good token: status %d, workspace header %q", status, hdr.Get("X-Temba-Workspace"))
	}
	status, hdr, _ = call(t, srv, "GET", "contacts", nil)
	if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "text/html") {
		t.Errorf("without .json: status %d, content type %q, want the HTML docs", status, hdr.Get("Content-Type"))
	}
}

// assertJSONEqual compares a body with a fixture file semantically.
func assertJSONEqual(t *testing.T, body []byte, fixture string) {
	t.Helper()
	want, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	var got, exp any
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	if err := json.Unmarshal(want, &exp); err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(exp, got); d != "" {
		t.Errorf("body differs from %s (-want +got):\n%s", filepath.Base(fixture), d)
	}
}

func TestContactPagingHasNoLossOrDuplicate(t *testing.T) {
	t.Parallel()
	srv := newServer(t, rapidprotest.WithClock(rapidprotest.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 0)))
	const n = 1100
	for i := range n {
		if _, err := srv.AddContact(rapidprotest.ContactSpec{Name: fmt.Sprint("HW ", i), URNs: []string{fmt.Sprintf("tel:+23177%07d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, reverse := range []bool{false, true} {
		seen := map[string]bool{}
		path := "contacts.json"
		if reverse {
			path += "?reverse=true"
		}
		pages := 0
		for path != "" {
			pg := getPage(t, srv, path)
			if len(pg.Results) > rapidprotest.PageSize {
				t.Fatalf("page of %d", len(pg.Results))
			}
			for _, c := range pg.Results {
				if seen[c.UUID] {
					t.Fatalf("contact %s listed twice", c.UUID)
				}
				seen[c.UUID] = true
			}
			pages++
			if pages == 2 && !reverse {
				// New and modified contacts move ahead of the cursor: neither
				// they nor the others may be repeated or lost.
				if _, err := srv.AddContact(rapidprotest.ContactSpec{Name: "Late"}); err != nil {
					t.Fatal(err)
				}
				call(t, srv, "POST", "contacts.json?uuid="+pg.Results[0].UUID, object{"name": "Renamed"})
			}
			path = ""
			if pg.Next != nil {
				path = *pg.Next
				if !strings.HasPrefix(path, srv.URL()) {
					t.Fatalf("next %q is not absolute", path)
				}
			}
		}
		if len(seen) < n || pages != 5 {
			t.Errorf("reverse=%v: saw %d contacts in %d pages, want %d in 5", reverse, len(seen), pages, n)
		}
	}
}

func TestAfterBeforeInclusiveAndReverse(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	srv := newServer(t)
	flow, err := srv.SeedRuns(rapidprotest.RunSeed{Count: 10, Start: start, Interval: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	after := start.Add(3 * time.Minute).Format(time.RFC3339)
	before := start.Add(6 * time.Minute).Format(time.RFC3339)
	_, _, body := call(t, srv, "GET", "runs.json?flow="+flow+"&after="+after+"&before="+before, nil)
	rs := results(t, body)
	if len(rs) != 4 {
		t.Fatalf("got %d runs between inclusive bounds, want 4", len(rs))
	}
	if rs[0]["modified_on"] != "2026-03-01T08:06:00.000000Z" || rs[3]["modified_on"] != "2026-03-01T08:03:00.000000Z" {
		t.Errorf("default order: first %v last %v, want newest first", rs[0]["modified_on"], rs[3]["modified_on"])
	}
	_, _, body = call(t, srv, "GET", "runs.json?reverse=true&after="+after+"&before="+before, nil)
	rs = results(t, body)
	if len(rs) != 4 || rs[0]["modified_on"] != "2026-03-01T08:03:00.000000Z" {
		t.Errorf("reverse: %d runs, first %v, want 4 oldest first", len(rs), rs[0]["modified_on"])
	}
	// reverse is ignored on created_on endpoints; bad dates give nothing.
	_, _, body = call(t, srv, "GET", "runs.json?after=not-a-date", nil)
	if rs := results(t, body); len(rs) != 0 {
		t.Errorf("bad date: got %d runs, want none", len(rs))
	}
	_, _, body = call(t, srv, "GET", "runs.json?flow=8d1e3b5c-0000-4000-8000-000000000000", nil)
	if rs := results(t, body); len(rs) != 0 {
		t.Errorf("unknown flow: got %d runs, want none", len(rs))
	}
}

func TestRunsPagingOverManyPages(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if _, err := srv.SeedRuns(rapidprotest.RunSeed{Count: 2600}); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	path := "runs.json?paths=false"
	for path != "" {
		pg := getPage(t, srv, path)
		for _, r := range pg.Results {
			if seen[r.UUID] {
				t.Fatalf("run %s repeated", r.UUID)
			}
			seen[r.UUID] = true
			if r.Path != nil {
				t.Fatalf("paths=false returned a path")
			}
		}
		path = ""
		if pg.Next != nil {
			path = *pg.Next
		}
	}
	if len(seen) != 2600 {
		t.Errorf("saw %d runs, want 2600", len(seen))
	}
}

func TestValidationBodiesMatchFixtures(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "rapidpro")
	srv := newServer(t)
	gid, _ := srv.AddGroup("Nurses", "")
	flows := importColor(t, srv)
	owner, _ := srv.AddContact(rapidprotest.ContactSpec{Name: "Owner", URNs: []string{"tel:+231770000001"}})
	_ = owner
	many := make([]string, 101)
	for i := range many {
		many[i] = gid
	}
	cases := []struct {
		name, method, path string
		body               any
		status             int
		fixture            string
	}{
		{"field required", "POST", "flow_starts.json", object{"groups": []string{gid}}, 400, "error_400_field_required.json"},
		{"no recipient", "POST", "flow_starts.json", object{"flow": flows[0]}, 400, "error_400_non_field.json"},
		{"not an object", "POST", "contacts.json", `[1, 2]`, 400, "error_400_not_object.json"},
		{"unknown group", "POST", "flow_starts.json", object{"flow": flows[0], "groups": []string{"abcde"}}, 400, "error_400_no_such_object.json"},
		{"too many", "POST", "flow_starts.json", object{"flow": flows[0], "groups": many}, 400, "error_400_too_many_items.json"},
		{"params too long", "POST", "flow_starts.json", object{"flow": flows[0], "groups": []string{gid}, "params": object{"x": strings.Repeat("a", 10000)}}, 400, "error_400_params_too_long.json"},
		{"bad uuid param", "GET", "flow_starts.json?uuid=xyz", nil, 400, "error_400_query_param.json"},
		{"bad urn", "POST", "flow_starts.json", object{"flow": flows[0], "urns": []string{"foo:bar"}}, 400, "error_400_urn_indexed.json"},
		{"exclusive params", "POST", "contacts.json?uuid=" + owner + "&urn=tel:+231770000001", object{"name": "x"}, 400, "error_400_exclusive_params.json"},
		{"urn taken", "POST", "contacts.json", object{"name": "Dup", "urns": []string{"tel:+231770000001"}}, 400, "error_400_urn_taken.json"},
		{"not found", "POST", "contacts.json?uuid=8d1e3b5c-0000-4000-8000-000000000000", object{"name": "x"}, 404, "error_404.json"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, _, body := callRaw(t, srv, tc.method, tc.path, srv.Token(), tc.body)
			if status != tc.status {
				t.Fatalf("status %d, want %d (body %s)", status, tc.status, body)
			}
			assertJSONEqual(t, body, filepath.Join(dir, tc.fixture))
		})
	}
	if c := srv.Counts(); c.FlowStarts != 0 {
		t.Errorf("invalid requests created %d flow starts", c.FlowStarts)
	}
}

func TestSystemGroupIsReadOnly(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "rapidpro")
	srv := newServer(t)
	sys := srv.AddSystemGroup("Active")
	status, _, body := callRaw(t, srv, "POST", "groups.json?uuid="+sys, srv.Token(), object{"name": "Renamed"})
	if status != http.StatusForbidden {
		t.Fatalf("status %d, want 403", status)
	}
	assertJSONEqual(t, body, filepath.Join(dir, "error_403_system_object.json"))
}

func TestThrottling(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "rapidpro")
	// A minute-long window keeps the test independent of machine speed.
	srv := rapidprotest.NewServer(rapidprotest.WithRateLimit(rapidprotest.ScopeContacts, 5, time.Minute),
		rapidprotest.WithToken("first-token", "second-token"))
	defer srv.Close()
	for i := range 5 {
		if status, _, _ := callRaw(t, srv, "GET", "contacts.json", "first-token", nil); status != 200 {
			t.Fatalf("request %d: status %d", i, status)
		}
	}
	// The budget is the workspace's: another token is throttled too.
	status, hdr, body := callRaw(t, srv, "GET", "contacts.json", "second-token", nil)
	secs, err := strconv.Atoi(hdr.Get("Retry-After"))
	if status != http.StatusTooManyRequests || err != nil || secs < 1 || secs > 60 {
		t.Fatalf("status %d Retry-After %q, want 429 and at most 60 seconds", status, hdr.Get("Retry-After"))
	}
	var got, want map[string]string
	_ = json.Unmarshal(body, &got)
	raw, _ := os.ReadFile(filepath.Join(dir, "error_429.json"))
	_ = json.Unmarshal(raw, &want)
	wantDetail := strings.Replace(want["detail"], "37", strconv.Itoa(secs), 1)
	if got["detail"] != wantDetail {
		t.Errorf("429 body %q, want the fixture's wording %q", got["detail"], wantDetail)
	}
	// Other scopes have their own budget.
	if status, _, _ := callRaw(t, srv, "GET", "groups.json", "first-token", nil); status != 200 {
		t.Errorf("another scope: status %d", status)
	}
}

func TestThrottleWindowSlides(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		srv, err := rapidprotest.New(rapidprotest.WithRateLimit(rapidprotest.ScopeRuns, 1, time.Second))
		if err != nil {
			t.Fatal(err)
		}
		// Served in the bubble, with no network: its clock is the bubble's.
		get := func() *httptest.ResponseRecorder {
			req := httptest.NewRequest("GET", "/api/v2/runs.json", nil)
			req.Header.Set("Authorization", "Token "+srv.Token())
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			return rec
		}
		if rec := get(); rec.Code != 200 {
			t.Fatalf("first request: %d", rec.Code)
		}
		rec := get()
		var body object
		json.Unmarshal(rec.Body.Bytes(), &body)
		if rec.Code != 429 || rec.Header().Get("Retry-After") != "1" || body["detail"] != "Request was throttled. Expected available in 1 second." {
			t.Fatalf("second request: %d %q %v", rec.Code, rec.Header().Get("Retry-After"), body)
		}
		time.Sleep(time.Second - time.Millisecond)
		if rec := get(); rec.Code != 429 {
			t.Errorf("inside the window: status %d", rec.Code)
		}
		time.Sleep(time.Millisecond)
		if rec := get(); rec.Code != 200 {
			t.Errorf("after the window: status %d", rec.Code)
		}
	})
}

func TestContactUpsertAndGroups(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if err := srv.AddField("district", "District", "text"); err != nil {
		t.Fatal(err)
	}
	manual, _ := srv.AddGroup("Nurses", "")
	smart, _ := srv.AddGroup("Bong", `district = "Bong"`)

	status, _, body := call(t, srv, "POST", "contacts.json?urn=tel:%2B231770000009", object{"name": "Ama", "fields": object{"district": "Bong"}})
	if status != http.StatusCreated {
		t.Fatalf("upsert create: status %d %v", status, body)
	}
	uuid := body.(object)["uuid"].(string)
	status, _, body = call(t, srv, "POST", "contacts.json?urn=tel:%2B231770000009", object{"groups": []string{"Nurses"}})
	if status != http.StatusOK {
		t.Fatalf("upsert update: status %d %v", status, body)
	}
	groups := body.(object)["groups"].([]any)
	if len(groups) != 2 {
		t.Fatalf("groups %v, want the manual and the smart group", groups)
	}
	status, _, body = call(t, srv, "POST", "contacts.json?uuid="+uuid, object{"groups": []string{smart}})
	if status != http.StatusBadRequest {
		t.Errorf("writing a smart group: status %d %v, want 400", status, body)
	}
	status, _, body = call(t, srv, "POST", "contacts.json?uuid="+uuid, object{"groups": []string{}})
	if status != http.StatusOK || len(body.(object)["groups"].([]any)) != 1 {
		t.Errorf("groups=[] must clear manual membership only: %d %v", status, body)
	}
	status, _, _ = call(t, srv, "POST", "contact_actions.json", object{"contacts": []string{uuid}, "action": "add", "group": manual})
	if status != http.StatusNoContent {
		t.Errorf("contact_actions add: status %d", status)
	}
	_, _, body = call(t, srv, "GET", "groups.json?uuid="+manual, nil)
	if n := results(t, body)[0]["count"]; n != 1.0 {
		t.Errorf("group count %v, want 1", n)
	}
	if status, _, _ := call(t, srv, "DELETE", "contacts.json?uuid="+uuid, nil); status != http.StatusNoContent {
		t.Errorf("delete: status %d", status)
	}
	_, _, body = call(t, srv, "GET", "contacts.json?deleted=true", nil)
	if rs := results(t, body); len(rs) != 1 || rs[0]["status"] != nil {
		t.Errorf("deleted listing %v", rs)
	}
}

func TestStartOnLoopbackOnly(t *testing.T) {
	t.Parallel()
	srv, err := rapidprotest.New()
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Start("0.0.0.0:0"); err == nil {
		srv.Close()
		t.Fatal("listening on every interface was allowed")
	}
	if err := srv.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	if status, _, _ := call(t, srv, "GET", "workspace.json", nil); status != 200 {
		t.Errorf("status %d", status)
	}
	if err := srv.Start("127.0.0.1:0"); err == nil {
		t.Error("a second Start succeeded")
	}
}

func TestDateFormsAccepted(t *testing.T) {
	t.Parallel()
	srv := newServer(t)
	if _, err := srv.SeedRuns(rapidprotest.RunSeed{Count: 3, Start: time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC), Interval: time.Hour}); err != nil {
		t.Fatal(err)
	}
	for _, after := range []string{"2026-03-01T09:00:00Z", "2026-03-01T09:00:00.000000%2B00:00", "2026-03-01T09:00:00.000000+00:00", "2026-03-01%2009:00:00", "2026-03-01T09:00"} {
		_, _, body := call(t, srv, "GET", "runs.json?after="+after, nil)
		if n := len(results(t, body)); n != 2 {
			t.Errorf("after=%s: %d runs, want 2", after, n)
		}
	}
}
