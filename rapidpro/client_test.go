package rapidpro

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/mhero-go/mhero/internal/fixtures"
)

const testToken = "s3cr3t-token-0123456789"

// fakeAPI is an httptest server that checks the token like RapidPro (403
// otherwise) and routes /api/v2/<endpoint> to handlers set by each test.
type fakeAPI struct {
	srv       *httptest.Server
	workspace string

	mu       sync.Mutex
	handlers map[string]http.HandlerFunc
	requests []string // "METHOD endpoint?query"
}

func newFake(t *testing.T) *fakeAPI {
	t.Helper()
	f := &fakeAPI{handlers: map[string]http.HandlerFunc{}, workspace: fmt.Sprintf("ws-%s-%d", t.Name(), time.Now().UnixNano())}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	endpoint, ok := strings.CutPrefix(r.URL.Path, "/api/v2/")
	if !ok || !strings.HasSuffix(endpoint, ".json") {
		http.Error(w, "HTML docs", http.StatusNotFound)
		return
	}
	f.mu.Lock()
	f.requests = append(f.requests, r.Method+" "+endpoint+"?"+r.URL.RawQuery)
	h := f.handlers[r.Method+" "+endpoint]
	f.mu.Unlock()
	if r.Header.Get("Authorization") != "Token "+testToken {
		writeJSON(w, http.StatusForbidden, map[string]string{"detail": "Invalid token"})
		return
	}
	w.Header().Set(WorkspaceHeader, f.workspace)
	if h == nil {
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"detail": "Method not allowed."})
		return
	}
	h(w, r)
}

func (f *fakeAPI) handle(methodEndpoint string, h http.HandlerFunc) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.handlers[methodEndpoint] = h
}

func (f *fakeAPI) count(prefix string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, r := range f.requests {
		if strings.HasPrefix(r, prefix) {
			n++
		}
	}
	return n
}

func (f *fakeAPI) client(t *testing.T, opts ...Option) *Client {
	t.Helper()
	base := []Option{WithoutPacing(), WithRetry(3, time.Millisecond, 5*time.Millisecond), WithReconcileWait(0)}
	c, err := NewClient(f.srv.URL, testToken, append(base, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// memClient is f.client reached with no network, for synctest bubbles: f's
// handlers run in the caller's goroutine.
func (f *fakeAPI) memClient(t *testing.T, opts ...Option) *Client {
	t.Helper()
	return f.client(t, append([]Option{WithHTTPClient(handlerClient(http.HandlerFunc(f.serve)))}, opts...)...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

func TestNewClientBaseURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://rp.example.org":              "https://rp.example.org/api/v2/",
		"https://rp.example.org/":             "https://rp.example.org/api/v2/",
		"https://rp.example.org/api/v2":       "https://rp.example.org/api/v2/",
		"https://rp.example.org/api/v2/":      "https://rp.example.org/api/v2/",
		"https://rp.example.org/sub/api/v2/x": "https://rp.example.org/sub/api/v2/x/api/v2/",
		"http://localhost:8000/?q=1":          "http://localhost:8000/api/v2/",
	} {
		c, err := NewClient(in, testToken)
		if err != nil {
			t.Fatalf("%s: %v", in, err)
		}
		if got := c.BaseURL(); got != want {
			t.Errorf("NewClient(%q).BaseURL() = %q, want %q", in, got, want)
		}
	}
}

func TestNewClientRejectsBadInput(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		base, token string
		opts        []Option
	}{
		"relative URL":  {"rp.example.org", testToken, nil},
		"ftp URL":       {"ftp://rp.example.org", testToken, nil},
		"credentials":   {"https://u:p@rp.example.org", testToken, nil},
		"empty token":   {"https://rp.example.org", " ", nil},
		"nil client":    {"https://rp.example.org", testToken, []Option{WithHTTPClient(nil)}},
		"nil logger":    {"https://rp.example.org", testToken, []Option{WithLogger(nil)}},
		"bad retry":     {"https://rp.example.org", testToken, []Option{WithRetry(1, time.Second, time.Millisecond)}},
		"bad rate":      {"https://rp.example.org", testToken, []Option{WithRateLimit(0, 1)}},
		"empty ws":      {"https://rp.example.org", testToken, []Option{WithWorkspace("")}},
		"empty agent":   {"https://rp.example.org", testToken, []Option{WithUserAgent("")}},
		"negative wait": {"https://rp.example.org", testToken, []Option{WithReconcileWait(-time.Second)}},
	} {
		c, err := NewClient(tc.base, tc.token, tc.opts...)
		if err == nil {
			t.Errorf("%s: NewClient succeeded (%v), want an error", name, c.BaseURL())
			continue
		}
		if strings.Contains(err.Error(), testToken) {
			t.Errorf("%s: error %q shows the token", name, err)
		}
	}
}

func TestRequestsCarryTokenJSONSuffixAndUserAgent(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var got http.Header
	var path string
	f.handle("GET workspace.json", func(w http.ResponseWriter, r *http.Request) {
		got, path = r.Header.Clone(), r.URL.Path
		writeJSON(w, 200, map[string]any{"uuid": f.workspace, "name": "Ministry"})
	})
	c := f.client(t, WithUserAgent("mhero-test/1"))
	ws, err := c.Workspace.Get(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if ws.Name != "Ministry" || path != "/api/v2/workspace.json" {
		t.Errorf("got %+v from %s", ws, path)
	}
	if got.Get("Authorization") != "Token "+testToken || got.Get("User-Agent") != "mhero-test/1" {
		t.Errorf("headers %v", got)
	}
	if c.WorkspaceUUID() != f.workspace {
		t.Errorf("workspace not learned from the header: %q", c.WorkspaceUUID())
	}
}

func TestBadTokenIsRecognisable(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	c, err := NewClient(f.srv.URL, "wrong-token-value-42", WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Workspace.Get(t.Context())
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *Error", err, err)
	}
	if apiErr.StatusCode != 403 || !apiErr.IsInvalidToken() || !errors.Is(err, ErrInvalidToken) || !errors.Is(err, ErrForbidden) {
		t.Errorf("403 not recognised as a bad token: %+v", apiErr)
	}
	if strings.Contains(err.Error(), "wrong-token-value-42") {
		t.Errorf("error shows the token: %v", err)
	}
	if f.count("GET workspace.json") != 1 {
		t.Errorf("a 403 was retried: %d requests", f.count("GET workspace.json"))
	}
}

func TestValidationErrorsFromFixtures(t *testing.T) {
	t.Parallel()
	dir := fixtures.Dir(t, "fixtures", "rapidpro")
	want := map[string]map[string]string{ // file -> flattened field -> message
		"error_400_field_required.json": {"flow": "This field is required."},
		"error_400_non_field.json":      {"non_field_errors": "Must specify at least one group, contact or URN"},
		"error_400_urn_indexed.json":    {"urns.0": "Invalid URN: foo:bar. Ensure phone numbers contain country codes."},
		"error_400_urn_taken.json":      {"urns.0": "URN is in use by another contact."},
		"error_400_too_many_items.json": {"groups": "Ensure this field has no more than 100 elements."},
		"error_400_query_param.json":    {"": "Param 'uuid': xyz is not a valid UUID."},
	}
	f := newFake(t)
	c := f.client(t)
	for file, fields := range want {
		body, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		f.handle("POST flow_starts.json", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			w.Write(body)
		})
		_, err = c.FlowStarts.Create(t.Context(), &FlowStartRequest{Flow: "f", URNs: []string{"foo:bar"}})
		var apiErr *Error
		if !errors.As(err, &apiErr) || !errors.Is(err, ErrValidation) {
			t.Fatalf("%s: error %v is not a validation *Error", file, err)
		}
		for field, msg := range fields {
			got := apiErr.Detail
			if field != "" {
				got = strings.Join(apiErr.Fields[field], " ")
			}
			if got != msg {
				t.Errorf("%s: field %q = %q, want %q (all: %v)", file, field, got, msg, apiErr.Fields)
			}
		}
		if !bytes.Equal(apiErr.Body, body) {
			t.Errorf("%s: raw body not kept: %s", file, apiErr.Body)
		}
	}
	if n := f.count("POST flow_starts.json"); n != len(want) {
		t.Errorf("400s were retried: %d POSTs for %d cases", n, len(want))
	}
}

func TestServerErrorPlainText(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("GET groups.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(500)
		fmt.Fprint(w, "Server Error. Site administrators have been notified.")
	})
	c := f.client(t)
	_, err := c.Groups.ListPage(t.Context(), nil)
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 500 || !errors.Is(err, ErrServer) {
		t.Fatalf("got %v, want a 500 *Error", err)
	}
	if apiErr.Detail != "Server Error. Site administrators have been notified." {
		t.Errorf("detail %q", apiErr.Detail)
	}
	if n := f.count("GET groups.json"); n != 4 {
		t.Errorf("a GET answered 500 was tried %d times, want 1 + 3 retries", n)
	}
}

func TestNotFound(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("DELETE groups.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, map[string]string{"detail": "Not found."})
	})
	f.handle("GET groups.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"next": nil, "results": []any{}})
	})
	c := f.client(t)
	if err := c.Groups.Delete(t.Context(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Delete: %v, want ErrNotFound", err)
	}
	if _, err := c.Groups.Get(t.Context(), "nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get on an empty list: %v, want ErrNotFound", err)
	}
}

func TestRetryAfterSecondsAndDate(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		header func() string
		wait   time.Duration
	}{
		"seconds": {func() string { return "1" }, time.Second},
		"date":    {func() string { return time.Now().Add(2 * time.Second).UTC().Format(http.TimeFormat) }, 2 * time.Second},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFake(t)
			synctest.Test(t, func(t *testing.T) {
				var calls atomic.Int32
				f.handle("GET runs.json", func(w http.ResponseWriter, r *http.Request) {
					if calls.Add(1) == 1 {
						w.Header().Set("Retry-After", tc.header())
						writeJSON(w, 429, map[string]string{"detail": "Request was throttled. Expected available in 1 second."})
						return
					}
					writeJSON(w, 200, map[string]any{"next": nil, "results": []any{}})
				})
				c := f.memClient(t)
				start := time.Now() // on the bubble's clock, a whole second
				if _, err := c.Runs.ListPage(t.Context(), nil); err != nil {
					t.Fatal(err)
				}
				// The wait follows the header, not the backoff (milliseconds here).
				if waited := time.Since(start); waited != tc.wait || calls.Load() != 2 {
					t.Errorf("waited %s over %d calls; want %s and 2 calls", waited, calls.Load(), tc.wait)
				}
			})
		})
	}
}

func TestRateLimitedErrorWhenRetryAfterTooLong(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("GET broadcasts.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"next": nil, "results": []any{}})
	})
	f.handle("POST broadcasts.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		writeJSON(w, 429, map[string]string{"detail": "Request was throttled. Expected available in 3600 seconds."})
	})
	c := f.client(t)
	_, err := c.Broadcasts.Create(t.Context(), &BroadcastRequest{Text: Translations{"": "hi"}, Groups: []string{"Nurses"}})
	var apiErr *Error
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrRateLimited) || apiErr.RetryAfter != time.Hour {
		t.Fatalf("got %v, want ErrRateLimited with RetryAfter 1h", err)
	}
	if n := f.count("POST broadcasts.json"); n != 1 {
		t.Errorf("%d POSTs", n)
	}
}

func TestContextCancelsRetryAfterWait(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("GET contacts.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "300")
		writeJSON(w, 429, map[string]string{"detail": "throttled"})
	})
	c := f.client(t)
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.Contacts.ListPage(ctx, nil)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("the wait ignored the context")
	}
}

func TestContextCancelsPacingWait(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("GET labels.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"next": nil, "results": []any{}})
	})
	c, err := NewClient(f.srv.URL, testToken, WithRateLimit(1, 1), WithWorkspace(f.workspace))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Labels.ListPage(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	// One request an hour: the second must wait, until the context ends.
	if _, err := c.Labels.ListPage(ctx, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want context.DeadlineExceeded", err)
	}
}

func TestTokenAndPhoneNeverLogged(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var calls atomic.Int32
	f.handle("GET contacts.json", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(w, 502, map[string]string{"detail": "bad gateway for tel:+250788123456 token " + testToken})
			return
		}
		writeJSON(w, 400, map[string]string{"detail": "Invalid URN: tel:+250788123456 with " + testToken})
	})
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := f.client(t, WithLogger(logger))
	_, err := c.Contacts.GetByURN(t.Context(), "tel:+250788123456")
	if err == nil {
		t.Fatal("want an error")
	}
	var apiErr *Error
	errors.As(err, &apiErr)
	for where, text := range map[string]string{"logs": logs.String(), "error": err.Error(), "body": string(apiErr.Body)} {
		if strings.Contains(text, testToken) {
			t.Errorf("%s show the token: %s", where, text)
		}
		if strings.Contains(text, "788123456") || strings.Contains(text, "250788123456") {
			t.Errorf("%s show the full phone number: %s", where, text)
		}
	}
	if !strings.Contains(logs.String(), "request") {
		t.Errorf("nothing was logged: %q", logs.String())
	}
}

// pagedRuns serves total runs over pages of PageSize, newest first, with a
// next URL that carries the filters and an opaque cursor like RapidPro's.
func pagedRuns(f *fakeAPI, total int, mutate func(w http.ResponseWriter, r *http.Request, offset int) bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		offset := 0
		if c := r.URL.Query().Get("cursor"); c != "" {
			offset, _ = strconv.Atoi(strings.TrimPrefix(c, "o-"))
		}
		if mutate != nil && mutate(w, r, offset) {
			return
		}
		end := min(offset+PageSize, total)
		results := make([]map[string]any, 0, end-offset)
		for i := offset; i < end; i++ {
			results = append(results, map[string]any{
				"uuid": fmt.Sprintf("run-%06d", i), "flow": map[string]string{"uuid": r.URL.Query().Get("flow"), "name": "Survey"},
				"contact": map[string]string{"uuid": fmt.Sprintf("c-%d", i), "name": "Nurse"}, "responded": true,
				"values":     map[string]any{"q1": map[string]any{"name": "Q1", "value": "yes", "category": "Yes", "node": "n1", "time": "2026-01-01T10:00:00.123456Z"}},
				"created_on": "2026-01-01T10:00:00.000000Z", "modified_on": "2026-01-01T10:00:00.000000Z", "exit_type": "completed",
			})
		}
		var next any
		if end < total {
			q := r.URL.Query()
			q.Set("cursor", fmt.Sprintf("o-%d", end))
			next = "http://" + r.Host + "/api/v2/runs.json?" + q.Encode()
		}
		writeJSON(w, 200, map[string]any{"next": next, "previous": nil, "results": results})
	}
}

func TestListFollowsEveryPage(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	const total = 5*PageSize + 5 // as in RapidPro's own pagination test
	f.handle("GET runs.json", pagedRuns(f, total, nil))
	c := f.client(t)
	seen := map[string]bool{}
	for run, err := range c.Runs.List(t.Context(), &RunListParams{Flow: "flow-1"}) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[run.UUID] || run.Flow.UUID != "flow-1" {
			t.Fatalf("run %s repeated or lost its filter (flow %q)", run.UUID, run.Flow.UUID)
		}
		seen[run.UUID] = true
	}
	if len(seen) != total || f.count("GET runs.json") != 6 {
		t.Errorf("got %d runs in %d requests, want %d in 6", len(seen), f.count("GET runs.json"), total)
	}
}

func TestListStopsLazily(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("GET runs.json", pagedRuns(f, 3*PageSize, nil))
	c := f.client(t)
	n := 0
	for _, err := range c.Runs.List(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if n++; n == PageSize+1 {
			break
		}
	}
	if got := f.count("GET runs.json"); got != 2 {
		t.Errorf("fetched %d pages to read %d runs, want 2", got, n)
	}
}

func TestResumeFromSavedCursorInNewClient(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	const total = 3*PageSize + 10
	f.handle("GET runs.json", pagedRuns(f, total, nil))
	params := &RunListParams{Flow: "flow-1"}
	page, err := f.client(t).Runs.ListPage(t.Context(), params)
	if err != nil {
		t.Fatal(err)
	}
	saved, _ := json.Marshal(page.Next) // as a program would persist it
	if params.Cursor != "" {
		t.Fatal("ListPage changed the caller's params")
	}

	var cursor string
	json.Unmarshal(saved, &cursor)
	got := len(page.Results)
	for run, err := range f.client(t).Runs.List(t.Context(), &RunListParams{Cursor: cursor}) {
		if err != nil {
			t.Fatal(err)
		}
		if run.Flow.UUID != "flow-1" {
			t.Fatalf("the filter was lost on resume: %+v", run.Flow)
		}
		got++
	}
	if got != total {
		t.Errorf("read %d runs across the restart, want %d", got, total)
	}
}

func TestBareCursorValueResumes(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("GET runs.json", pagedRuns(f, 2*PageSize, nil))
	page, err := f.client(t).Runs.ListPage(t.Context(), &RunListParams{Cursor: "o-250", Flow: "x"})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Results) != PageSize || page.Results[0].UUID != "run-000250" || page.Next != "" {
		t.Errorf("got %d results from %s, next %q", len(page.Results), page.Results[0].UUID, page.Next)
	}
	if _, err := f.client(t).Contacts.ListPage(t.Context(), &ContactListParams{Cursor: page.Results[0].UUID + "?x"}); err == nil {
		t.Error("a cursor URL of another endpoint was accepted")
	}
}

func TestNextURLOnAnotherHostKeepsTokenHome(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var elsewhere atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { elsewhere.Add(1) }))
	defer evil.Close()
	var calls atomic.Int32
	f.handle("GET flows.json", func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			writeJSON(w, 200, map[string]any{"next": evil.URL + "/api/v2/flows.json?cursor=abc", "results": []any{map[string]any{"uuid": "a"}}})
			return
		}
		writeJSON(w, 200, map[string]any{"next": nil, "results": []any{map[string]any{"uuid": "b"}}})
	})
	n := 0
	for _, err := range f.client(t).Flows.List(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 || elsewhere.Load() != 0 {
		t.Errorf("read %d flows; %d requests went to the other host", n, elsewhere.Load())
	}
}

func TestTruncatedPageIsRetriedWithoutDuplicates(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	const total = 4 * PageSize
	var broken sync.Map
	f.handle("GET runs.json", pagedRuns(f, total, func(w http.ResponseWriter, r *http.Request, offset int) bool {
		if _, done := broken.LoadOrStore(offset, true); done {
			return false
		}
		switch offset / PageSize {
		case 1: // a body cut short: promised more bytes than sent
			w.Header().Set("Content-Length", "100000")
			w.WriteHeader(200)
			fmt.Fprint(w, `{"next": null, "results": [{"uuid": "run-0`)
			return true
		case 2: // a 503 from a proxy
			http.Error(w, "upstream unavailable", http.StatusServiceUnavailable)
			return true
		case 3: // the connection dropped with no answer
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
			return true
		}
		return false
	}))
	c := f.client(t)
	seen := map[string]int{}
	for run, err := range c.Runs.List(t.Context(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		seen[run.UUID]++
	}
	if len(seen) != total {
		t.Errorf("got %d distinct runs, want %d", len(seen), total)
	}
	for uuid, n := range seen {
		if n != 1 {
			t.Errorf("run %s seen %d times", uuid, n)
		}
	}
}

func TestChangesDeduplicatesTheInclusiveBoundary(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	runs := []map[string]any{
		{"uuid": "r1", "modified_on": "2026-01-01T10:00:00.000001Z"},
		{"uuid": "r2", "modified_on": "2026-01-01T10:00:00.000002Z"},
		{"uuid": "r3", "modified_on": "2026-01-01T10:00:00.000002Z"},
		{"uuid": "r4", "modified_on": "2026-01-01T10:00:00.000003Z"},
	}
	f.handle("GET runs.json", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("reverse") != "true" {
			t.Errorf("Changes did not ask for oldest first: %s", r.URL.RawQuery)
		}
		var out []map[string]any
		after, _ := ParseTime(q.Get("after"))
		for _, run := range runs {
			mod, _ := ParseTime(run["modified_on"].(string))
			if !mod.Before(after) { // inclusive, like RapidPro
				out = append(out, run)
			}
		}
		writeJSON(w, 200, map[string]any{"next": nil, "results": out})
	})
	c := f.client(t)
	var cp Checkpoint
	read := func(stopAfter int) []string {
		var got []string
		for run, err := range c.Runs.Changes(t.Context(), nil, cp) {
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, run.UUID)
			cp.Observe(run.ModifiedOn.Time, run.UUID)
			if len(got) == stopAfter {
				break
			}
		}
		return got
	}
	if got := strings.Join(read(2), ","); got != "r1,r2" {
		t.Fatalf("first sync read %s", got)
	}
	// The checkpoint survives a restart as JSON.
	saved, _ := json.Marshal(cp)
	cp = Checkpoint{}
	json.Unmarshal(saved, &cp)
	if got := strings.Join(read(0), ","); got != "r3,r4" {
		t.Errorf("second sync read %s, want r3,r4 (r2 is at the inclusive boundary)", got)
	}
	if got := read(0); len(got) != 0 {
		t.Errorf("third sync read %v, want nothing", got)
	}
}

func TestIdempotentWritesRetryButCreatesDoNot(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var updates, creates atomic.Int32
	f.handle("POST contacts.json", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("uuid") != "" {
			if updates.Add(1) == 1 {
				http.Error(w, "Server Error", 500)
				return
			}
			writeJSON(w, 200, map[string]any{"uuid": r.URL.Query().Get("uuid")})
			return
		}
		creates.Add(1)
		http.Error(w, "Server Error", 500)
	})
	c := f.client(t)
	if _, err := c.Contacts.Update(t.Context(), "c1", &ContactRequest{Name: Ptr("Amina")}); err != nil {
		t.Errorf("an update answered 500 once was not retried: %v", err)
	}
	if _, err := c.Contacts.Create(t.Context(), &ContactRequest{Name: Ptr("Amina")}); !errors.Is(err, ErrServer) {
		t.Errorf("create: %v, want ErrServer", err)
	}
	if creates.Load() != 1 {
		t.Errorf("a create answered 500 was sent %d times", creates.Load())
	}
}

func TestEncodingOfRequests(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	var body map[string]any
	f.handle("POST contacts.json", func(w http.ResponseWriter, r *http.Request) {
		body = nil
		json.NewDecoder(r.Body).Decode(&body)
		writeJSON(w, 200, map[string]any{"uuid": "c1"})
	})
	c := f.client(t)
	if _, err := c.Contacts.Update(t.Context(), "c1", &ContactRequest{Groups: []string{}, Fields: map[string]*string{"district": nil, "cadre": Ptr("nurse")}}); err != nil {
		t.Fatal(err)
	}
	want := `{"fields":{"cadre":"nurse","district":null},"groups":[]}`
	if got, _ := json.Marshal(body); string(got) != want {
		t.Errorf("body %s, want %s (an empty group list clears, nil fields are left out)", got, want)
	}
}

func TestPhoneErrorsMaskNumbersInAPIErrors(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("POST contacts.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, map[string]any{"urns": map[string][]string{"0": {"Invalid URN: tel:+250788123456. Ensure phone numbers contain country codes."}}})
	})
	_, err := f.client(t).Contacts.Create(t.Context(), &ContactRequest{URNs: []string{"tel:+250788123456"}})
	if err == nil || strings.Contains(err.Error(), "250788123456") {
		t.Errorf("error %v shows the full number", err)
	}
}

func TestOddRecordDoesNotHideTheOthers(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("GET contacts.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"next": null, "results": [
			{"uuid": "c1", "name": "Ama", "urns": ["tel:+231770000001"], "modified_on": "2026-01-01T00:00:00Z"},
			{"uuid": "c2", "name": "Odd", "urns": "tel:+231770000002", "modified_on": "2026-01-01T00:00:01Z"},
			{"uuid": "c3", "name": "Musu", "urns": [], "modified_on": "not a date"},
			{"uuid": "c4", "name": "Jallah", "urns": [], "modified_on": "2026-01-01T00:00:02Z", "brand_new_field": {"x": 1}}]}`)
	})
	c := f.client(t)
	var names []string
	var bad []string
	for contact, err := range c.Contacts.List(t.Context(), nil) {
		var de *DecodeError
		if errors.As(err, &de) {
			bad = append(bad, de.ID)
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, contact.Name)
	}
	if strings.Join(names, ",") != "Ama,Jallah" || strings.Join(bad, ",") != "c2,c3" {
		t.Errorf("decoded %v, rejected %v", names, bad)
	}
	if n := f.count("GET contacts.json"); n != 1 {
		t.Errorf("a page with an odd record was fetched %d times", n)
	}
	page, err := c.Contacts.ListPage(t.Context(), nil)
	if err != nil || len(page.Results) != 2 || len(page.Invalid) != 2 || page.Invalid[0].Index != 1 {
		t.Errorf("ListPage: %+v, %v", page, err)
	}
	if strings.Contains(page.Invalid[0].Error(), "231770000002") {
		t.Errorf("decode error shows the phone number: %v", page.Invalid[0])
	}
}

func TestErrorTruncationKeepsNoPartOfTheToken(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	// A proxy page echoing the request headers, the token straddling the
	// points where the detail (500 characters) and the kept body (64 KiB)
	// are cut.
	page := strings.Repeat("x", 469) + "Authorization: Token " + testToken + " " +
		strings.Repeat("y", maxErrorBody-526) + "Token " + testToken
	f.handle("GET contacts.json", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, page, http.StatusBadRequest)
	})
	_, err := f.client(t).Contacts.ListPage(t.Context(), nil)
	var apiErr *Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("want an *Error, got %v", err)
	}
	part := testToken[:8]
	if strings.Contains(apiErr.Detail, part) || strings.Contains(err.Error(), part) || bytes.Contains(apiErr.Body, []byte(part)) {
		t.Errorf("part of the token survived the truncation:\ndetail %q\nbody tail %q", apiErr.Detail[480:], apiErr.Body[len(apiErr.Body)-40:])
	}
}

func TestBadBaseURLErrorHidesCredentials(t *testing.T) {
	t.Parallel()
	for _, raw := range []string{"http://user:s3cr3t-pass@h/%zz", "ftp://user:s3cr3t-pass@h/", "h/api?token=s3cr3t-pass"} {
		_, err := NewClient(raw, testToken)
		if err == nil || strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("NewClient(%q): %v, want an error without the password", raw, err)
		}
	}
}

func TestPostRedirectIsAnErrorNamingTheNewLocation(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("POST flow_starts.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://rapidpro.example.org/api/v2/flow_starts.json")
		w.WriteHeader(http.StatusMovedPermanently)
	})
	f.handle("GET flow_starts.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"next": nil, "results": []any{}})
	})
	_, err := f.client(t).FlowStarts.Create(t.Context(), &FlowStartRequest{Flow: "f", Groups: []string{"Nurses"}})
	var apiErr *Error
	if !errors.As(err, &apiErr) || apiErr.StatusCode != http.StatusMovedPermanently {
		t.Fatalf("want a 301 *Error, got %v", err)
	}
	if !strings.Contains(err.Error(), "https://rapidpro.example.org/api/v2/") {
		t.Errorf("the error does not say where the server moved: %v", err)
	}
	if n := f.count("POST"); n != 1 {
		t.Errorf("%d POSTs, want 1", n)
	}
}
