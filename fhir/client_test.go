package fhir

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir/fhirtest"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

const practitionerJSON = `{"resourceType":"Practitioner","id":"P1","active":true,
 "name":[{"family":"Traifrop","given":["Tekiokio"]}]}`

// newTestClient returns a client of s that does not wait between retries.
func newTestClient(t testing.TB, s *testServer, opts ...Option) *Client {
	t.Helper()
	c, err := NewClient(s.URL(), append([]Option{WithRetry(3, time.Millisecond, time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestNewClientRejectsBadOptions(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		url  string
		opts []Option
	}{
		"relative URL":     {"/fhir", nil},
		"query in URL":     {"http://h/fhir?x=1", nil},
		"nil HTTP client":  {"http://h/fhir", []Option{WithHTTPClient(nil)}},
		"two auth modes":   {"http://h/fhir", []Option{WithBasicAuth("u", "p"), WithBearerToken("t")}},
		"user info + auth": {"http://u:p@h/fhir", []Option{WithBearerToken("t")}},
		"empty token":      {"http://h/fhir", []Option{WithBearerToken("")}},
		"nil token source": {"http://h/fhir", []Option{WithTokenSource(nil)}},
		"managed header":   {"http://h/fhir", []Option{WithHeader("authorization", "x")}},
		"header newline":   {"http://h/fhir", []Option{WithHeader("X-A", "a\r\nb")}},
		"negative retry":   {"http://h/fhir", []Option{WithRetry(-1, 0, 0)}},
		"zero rate":        {"http://h/fhir", []Option{WithRateLimit(0, 1)}},
		"negative burst":   {"http://h/fhir", []Option{WithRateLimit(10, -1)}},
		"zero max bytes":   {"http://h/fhir", []Option{WithMaxResponseBytes(0)}},
	} {
		if _, err := NewClient(tc.url, tc.opts...); err == nil {
			t.Errorf("%s: NewClient succeeded", name)
		}
	}
	_, err := NewClient("http://user:s3cr3t-pass@h/%zz")
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("bad URL error %v: want an error without the password", err)
	}
}

func TestAuthModes(t *testing.T) {
	t.Parallel()
	tokens := TokenSourceFunc(func(context.Context) (string, time.Time, error) {
		return "tok-from-source", time.Now().Add(time.Hour), nil
	})
	for _, tc := range []struct {
		name   string
		server []fhirtest.Option // the credentials it accepts
		url    func(s *testServer) string
		opts   []Option
		want   func(h http.Header) bool
	}{
		{"none", nil, nil, nil, func(h http.Header) bool { return h.Get("Authorization") == "" }},
		{"basic", []fhirtest.Option{fhirtest.WithBasicAuth("hapi", "hapi-pass")}, nil, []Option{WithBasicAuth("hapi", "hapi-pass")}, nil},
		{"basic in URL", []fhirtest.Option{fhirtest.WithBasicAuth("hapi", "url-pass")},
			func(s *testServer) string { return strings.Replace(s.URL(), "://", "://hapi:url-pass@", 1) }, nil, nil},
		{"bearer", []fhirtest.Option{fhirtest.WithBearerToken("static-token")}, nil, []Option{WithBearerToken("static-token")}, nil},
		{"token source", []fhirtest.Option{fhirtest.WithBearerToken("tok-from-source")}, nil, []Option{WithTokenSource(tokens)}, nil},
		{"OpenHIM header", []fhirtest.Option{fhirtest.WithBasicAuth("c", "p")}, nil, []Option{WithHeader("X-OpenHIM-ClientID", "mhero"), WithBasicAuth("c", "p")},
			func(h http.Header) bool { return h.Get("X-OpenHIM-ClientID") == "mhero" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, tc.server...)
			s.put(practitionerJSON, s.tick())
			u := s.URL()
			if tc.url != nil {
				u = tc.url(s)
			}
			c, err := NewClient(u, tc.opts...)
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := c.Read(t.Context(), "Practitioner", "P1"); err != nil {
				t.Fatalf("Read: %v", err)
			}
			if tc.want != nil && !tc.want(s.lastHeader()) {
				t.Errorf("request headers %v", s.lastHeader())
			}
			s.InjectFault(fhirtest.Fault{Status: http.StatusUnauthorized, Times: 10}) // the credentials are revoked
			_, _, err = c.Read(t.Context(), "Practitioner", "P1")
			if !errors.Is(err, ErrUnauthorized) {
				t.Fatalf("Read refused: %v, want ErrUnauthorized", err)
			}
			for _, secret := range []string{"hapi-pass", "url-pass", "static-token", "tok-from-source"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q shows a credential", err)
				}
			}
		})
	}
}

func TestTokenSourceRefreshesOnce(t *testing.T) {
	t.Parallel()
	s := newServer(t, fhirtest.WithBearerToken("token-2")) // it has revoked token-1 already
	s.put(practitionerJSON, s.tick())
	var calls atomic.Int32
	src := TokenSourceFunc(func(context.Context) (string, time.Time, error) {
		n := calls.Add(1)
		return "token-" + string(rune('0'+n)), time.Time{}, nil
	})
	c := newTestClient(t, s, WithTokenSource(src))
	for range 3 {
		if _, _, err := c.Read(t.Context(), "Practitioner", "P1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("token source called %d times, want 2 (initial, refresh after 401)", n)
	}
	// A token refused even when fresh is not retried forever.
	s.SetBearerToken("nothing")
	if _, _, err := c.Read(t.Context(), "Practitioner", "P1"); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("got %v, want ErrUnauthorized", err)
	}
	if n := calls.Load(); n != 3 {
		t.Errorf("token source called %d times, want 3", n)
	}
	failing := TokenSourceFunc(func(context.Context) (string, time.Time, error) {
		return "", time.Time{}, errors.New("keycloak down")
	})
	c = newTestClient(t, s, WithTokenSource(failing))
	if _, _, err := c.Read(t.Context(), "Practitioner", "P1"); err == nil || !strings.Contains(err.Error(), "keycloak down") {
		t.Errorf("got %v, want the token source's error", err)
	}
}

func TestTokenSourceRenewsBeforeExpiry(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.put(practitionerJSON, s.tick())
	var calls atomic.Int32
	src := TokenSourceFunc(func(context.Context) (string, time.Time, error) {
		calls.Add(1)
		return "short-lived", time.Now().Add(30 * time.Second), nil // inside the renewal margin
	})
	c := newTestClient(t, s, WithTokenSource(src))
	for range 2 {
		if _, _, err := c.Read(t.Context(), "Practitioner", "P1"); err != nil {
			t.Fatal(err)
		}
	}
	if n := calls.Load(); n != 2 {
		t.Errorf("token source called %d times, want 2 (a token about to expire is renewed)", n)
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	s.put(practitionerJSON, s.tick())

	_, _, err := c.Read(t.Context(), "Practitioner", "nobody")
	var oo *OperationOutcomeError
	if !errors.As(err, &oo) || !errors.Is(err, ErrNotFound) {
		t.Fatalf("Read unknown: %v, want an *OperationOutcomeError matching ErrNotFound", err)
	}
	if oo.StatusCode != 404 || len(oo.Issues) != 1 || oo.Issues[0].Severity != "error" ||
		oo.Issues[0].Code != "not-found" || !strings.Contains(oo.Issues[0].Diagnostics, "is not known") {
		t.Errorf("outcome %+v", oo)
	}

	if _, err := c.Delete(t.Context(), "Practitioner", "P1"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Read(t.Context(), "Practitioner", "P1"); !errors.Is(err, ErrGone) {
		t.Errorf("Read deleted: %v, want ErrGone", err)
	}

	if _, _, err := c.Read(t.Context(), "Practitioner", "a/b"); err == nil || s.RequestCount() != 3 {
		t.Errorf("bad id: %v, %d requests; want an error before any request", err, s.RequestCount())
	}

	// A proxy in front of the server answers with HTML.
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		w.Write([]byte("<html><body>Bad gateway: upstream 0788123456 down " + strings.Repeat("x", 1000) + "</body></html>"))
	}))
	defer proxy.Close()
	pc, _ := NewClient(proxy.URL, WithRetry(0, 0, 0))
	_, _, err = pc.Read(t.Context(), "Practitioner", "P1")
	var se *StatusError
	if !errors.As(err, &se) || se.StatusCode != 502 || len(se.Body) > 520 {
		t.Fatalf("got %v, want a short *StatusError 502", err)
	}
	if strings.Contains(se.Error(), "0788123456") {
		t.Errorf("error %q shows a phone number", se)
	}
}

func TestRetriesAfter429(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	s.put(practitionerJSON, s.tick())
	s.InjectFault(fhirtest.Fault{Status: http.StatusTooManyRequests, Times: 2})
	if _, _, err := c.Read(t.Context(), "Practitioner", "P1"); err != nil {
		t.Fatal(err)
	}
	if n := s.RequestCount(); n != 3 {
		t.Errorf("%d requests, want 3", n)
	}
	s.InjectFault(fhirtest.Fault{Status: http.StatusTooManyRequests, Times: 10})
	_, _, err := c.Read(t.Context(), "Practitioner", "P1")
	if !errors.Is(err, ErrRateLimited) {
		t.Errorf("got %v, want ErrRateLimited once the retries are spent", err)
	}
}

func TestCreateReadUpdateDelete(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, newServer(t))
	ctx := t.Context()
	active := true
	r, err := NewResource(&models.Practitioner{Active: &active, Name: []models.HumanName{{Family: ptr("Kamara")}}})
	if err != nil {
		t.Fatal(err)
	}
	created, resp, err := c.Create(ctx, r)
	if err != nil || !resp.Created() || created.ID() == "" || created.VersionID() != "1" || resp.VersionID != "1" {
		t.Fatalf("Create: %v %+v %+v", err, resp, created)
	}
	got, _, err := c.Read(ctx, "Practitioner", created.ID())
	if err != nil {
		t.Fatal(err)
	}
	p, ok := As[models.Practitioner](got)
	if !ok || *p.Name[0].Family != "Kamara" {
		t.Fatalf("Read gave %#v", got.Model)
	}
	p.Name[0].Family = ptr("Kamara-Sesay")
	updated, _, err := c.Update(ctx, got, WithIfMatch(got.VersionID()))
	if err != nil || updated.VersionID() != "2" {
		t.Fatalf("Update: %v %v", err, updated)
	}
	// got is now stale: If-Match with its version fails.
	if _, _, err := c.Update(ctx, got, WithIfMatch(got.VersionID())); !errors.Is(err, ErrPreconditionFailed) {
		t.Errorf("stale Update: %v, want ErrPreconditionFailed", err)
	}
	v1, _, err := c.VRead(ctx, "Practitioner", created.ID(), "1")
	if p, _ := As[models.Practitioner](v1); err != nil || *p.Name[0].Family != "Kamara" {
		t.Errorf("VRead 1: %v %v", err, v1)
	}
	if _, err := c.Delete(ctx, "Practitioner", created.ID()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Read(ctx, "Practitioner", created.ID()); !errors.Is(err, ErrGone) {
		t.Errorf("after Delete: %v, want ErrGone", err)
	}
}

func TestConditionalCreateAndUpdate(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	ctx := t.Context()
	body := `{"resourceType":"Practitioner","identifier":[{"system":"http://ihris.org/ids","value":"EN-42"}]}`
	r, err := ParseResource([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"identifier": {"http://ihris.org/ids|EN-42"}}
	first, resp, err := c.CreateIfNoneExist(ctx, r, q)
	if err != nil || !resp.Created() {
		t.Fatalf("first: %v %+v", err, resp)
	}
	// The guard makes it safe to retry through a 429.
	s.InjectFault(fhirtest.Fault{Status: http.StatusTooManyRequests})
	again, resp, err := c.CreateIfNoneExist(ctx, r, q)
	if err != nil || resp.Created() || again.ID() != first.ID() {
		t.Fatalf("second: %v %+v %v, want the existing %s", err, resp, again, first.ID())
	}
	if _, _, err := c.CreateIfNoneExist(ctx, r, nil); err == nil {
		t.Error("CreateIfNoneExist without a query succeeded")
	}

	upd, _ := ParseResource([]byte(`{"resourceType":"Practitioner","active":false,
		"identifier":[{"system":"http://ihris.org/ids","value":"EN-42"}]}`))
	out, resp, err := c.UpdateWhere(ctx, upd, q)
	if err != nil || resp.Created() || out.ID() != first.ID() || out.VersionID() != "2" {
		t.Fatalf("UpdateWhere: %v %+v %v", err, resp, out)
	}
	other, _ := ParseResource([]byte(`{"resourceType":"Practitioner","active":true}`))
	if _, _, err := c.Create(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.UpdateWhere(ctx, other, url.Values{"active": {"true", "true"}}); err != nil {
		t.Fatal(err)
	}
	s.put(`{"resourceType":"Practitioner","id":"dup","active":true}`, s.tick())
	if _, _, err := c.UpdateWhere(ctx, other, url.Values{"active": {"true"}}); !errors.Is(err, ErrPreconditionFailed) {
		t.Errorf("UpdateWhere with 2 matches: %v, want ErrPreconditionFailed", err)
	}
}

func TestCapabilities(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, newServer(t))
	r, _, err := c.Capabilities(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	cs, ok := As[models.CapabilityStatement](r)
	if !ok || cs.FhirVersion.Code() != "4.0.1" {
		t.Errorf("got %#v", r.Model)
	}
}

func TestBatchAndTransaction(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	ctx := t.Context()
	s.put(practitionerJSON, s.tick())
	p2, _ := ParseResource([]byte(`{"resourceType":"Practitioner","id":"P2","active":true}`))
	entries, _, err := c.Batch(ctx, []BatchRequest{
		{Method: "PUT", URL: "Practitioner/P2", Resource: p2},
		{Method: "GET", URL: "Practitioner/P1"},
		{Method: "GET", URL: "Practitioner/missing"},
		{Method: "DELETE", URL: "Practitioner/P1"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 || entries[0].Err() != nil || entries[1].Resource.ID() != "P1" || entries[3].Err() != nil {
		t.Fatalf("entries %+v", entries)
	}
	if err := entries[2].Err(); !errors.Is(err, ErrNotFound) {
		t.Errorf("entry 2: %v, want ErrNotFound", err)
	}
	if entries[0].Response.StatusCode() != 201 {
		t.Errorf("entry 0 status %q", entries[0].Response.Status)
	}

	_, _, err = c.Transaction(ctx, []BatchRequest{
		{Method: "PUT", URL: "Practitioner/P3", Resource: p2},
	})
	var oo *OperationOutcomeError
	if !errors.As(err, &oo) || oo.StatusCode != 400 {
		t.Errorf("transaction with a bad entry: %v, want an *OperationOutcomeError 400", err)
	}
	if _, _, err := c.Batch(ctx, []BatchRequest{{Method: "PATCHY", URL: "x"}}); err == nil {
		t.Error("bad method accepted")
	}
	if _, _, err := c.Batch(ctx, []BatchRequest{{Method: "PUT", URL: "Practitioner/P9"}}); err == nil {
		t.Error("PUT without a resource accepted")
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	ctx := t.Context()
	s.put(`{"resourceType":"Practitioner","id":"old"}`, s.tick())
	checkpoint := s.tick()
	for i := range 5 {
		s.put(`{"resourceType":"Practitioner","id":"P1","active":`+map[bool]string{true: "true", false: "false"}[i%2 == 0]+`}`, s.tick())
	}
	s.put(`{"resourceType":"Practitioner","id":"P2"}`, s.tick())
	if _, err := c.Delete(ctx, "Practitioner", "P2"); err != nil {
		t.Fatal(err)
	}
	var versions, deletions int
	for e, err := range c.History(ctx, "Practitioner", "", &HistoryParams{Since: checkpoint, Count: 2}) {
		if err != nil {
			t.Fatal(err)
		}
		if e.Deleted() {
			deletions++
			if e.Request.URL != "Practitioner/P2" {
				t.Errorf("deletion of %s", e.Request.URL)
			}
			continue
		}
		if e.Resource.ID() == "old" {
			t.Error("a version before _since")
		}
		versions++
	}
	if versions != 6 || deletions != 1 {
		t.Errorf("%d versions, %d deletions; want 6 and 1", versions, deletions)
	}
	n := 0
	for e, err := range c.History(ctx, "Practitioner", "P1", nil) {
		if err != nil || e.Resource.ID() != "P1" {
			t.Fatal(err, e)
		}
		n++
	}
	if n != 5 {
		t.Errorf("instance history has %d versions, want 5", n)
	}
	for _, err := range c.History(ctx, "", "P1", nil) {
		if err == nil {
			t.Error("history of an id without a type accepted")
		}
	}
}

func ptr[T any](v T) *T { return &v }

func TestLoggerUserAgentAndPacing(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.put(practitionerJSON, s.tick())
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := newTestClient(t, s, WithLogger(logger), WithUserAgent("mhero-test/1"),
		WithBearerToken("secret-token-123"), WithRateLimit(20*3600, 1))
	start := time.Now()
	for range 3 {
		if _, _, err := c.Read(t.Context(), "Practitioner", "P1"); err != nil {
			t.Fatal(err)
		}
	}
	for _, err := range c.Search(t.Context(), "Practitioner", &SearchParams{Params: url.Values{"identifier": {"0888123456"}}}) {
		if err != nil {
			t.Fatal(err)
		}
	}
	// 4 requests at 20 a second after a burst of 1: at least 3 waits of 50ms.
	if d := time.Since(start); d < 140*time.Millisecond {
		t.Errorf("4 requests took %v; the rate limit did not pace them", d)
	}
	var agents []string
	for _, r := range s.Requests() {
		agents = append(agents, r.Header.Get("User-Agent"))
	}
	if len(agents) != 4 || agents[0] != "mhero-test/1" {
		t.Errorf("user agents %q", agents)
	}
	out := logs.String()
	if !strings.Contains(out, "status=200") || strings.Contains(out, "secret-token-123") || strings.Contains(out, "0888123456") {
		t.Errorf("logs should show requests without credentials or phone numbers:\n%s", out)
	}
}

func TestOnlyGuardedWritesAreRetried(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	c := newTestClient(t, s)
	// The server does the write, then the gateway answers 503: the client
	// cannot know it was done.
	unavailable := func() { s.InjectFault(fhirtest.Fault{Status: http.StatusServiceUnavailable, AfterServing: true}) }
	ctx := t.Context()
	body := []byte(`{"resourceType":"Practitioner","identifier":[{"system":"s","value":"v"}]}`)
	count := func() int {
		n := 0
		for _, err := range c.Search(ctx, "Practitioner", nil) {
			if err != nil {
				t.Fatal(err)
			}
			n++
		}
		return n
	}

	// A plain create that failed after it was done is not sent again.
	r, _ := ParseResource(body)
	unavailable()
	_, _, err := c.Create(ctx, r)
	if err == nil || s.RequestCount() != 1 {
		t.Fatalf("plain create through a 503: %v after %d requests; want the error after 1", err, s.RequestCount())
	}
	// The conditional create is: its guard finds the first one.
	unavailable()
	got, resp, err := c.CreateIfNoneExist(ctx, r, url.Values{"identifier": {"s|v"}})
	if err != nil || resp.Created() || got == nil {
		t.Fatalf("conditional create through a 503: %v %+v", err, resp)
	}
	if n := count(); n != 1 {
		t.Errorf("%d practitioners, want 1", n)
	}

	// A batch of PUTs is retried; one with a plain POST is not.
	p, _ := ParseResource([]byte(`{"resourceType":"Practitioner","id":"P9"}`))
	unavailable()
	if _, _, err := c.Batch(ctx, []BatchRequest{{Method: "PUT", URL: "Practitioner/P9", Resource: p}}); err != nil {
		t.Errorf("batch of PUTs through a 503: %v", err)
	}
	unavailable()
	before := s.RequestCount()
	_, _, err = c.Batch(ctx, []BatchRequest{{Method: "POST", URL: "Practitioner", Resource: r}})
	var oo *OperationOutcomeError
	if !errors.As(err, &oo) || oo.StatusCode != 503 || s.RequestCount() != before+1 {
		t.Errorf("batch with a POST through a 503: %v after %d requests", err, s.RequestCount()-before)
	}
}

// countingTransport counts the requests sent through it.
type countingTransport struct{ n atomic.Int32 }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return http.DefaultTransport.RoundTrip(r)
}

func TestHTTPClientSizeLimitAndRequestHeaders(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	s.put(`{"resourceType":"Practitioner","id":"big","name":[{"text":"`+strings.Repeat("x", 4000)+`"}]}`, s.tick())
	s.put(practitionerJSON, s.tick())
	tr := &countingTransport{}
	c := newTestClient(t, s, WithHTTPClient(&http.Client{Transport: tr}), WithMaxResponseBytes(2000))
	if _, _, err := c.Read(t.Context(), "Practitioner", "P1", WithRequestHeader("X-Correlation-Id", "run-7")); err != nil {
		t.Fatal(err)
	}
	got := s.lastHeader().Get("X-Correlation-Id")
	if got != "run-7" || tr.n.Load() != 1 {
		t.Errorf("header %q, %d requests through the caller's transport", got, tr.n.Load())
	}
	if _, _, err := c.Read(t.Context(), "Practitioner", "big"); err == nil || !strings.Contains(err.Error(), "size limit") {
		t.Errorf("reading 4 kB with a 2 kB limit: %v", err)
	}

	srv := httptest.NewServer(http.NotFoundHandler()) // plain text 404
	defer srv.Close()
	pc, _ := NewClient(srv.URL)
	if _, _, err := pc.Read(t.Context(), "Practitioner", "P1"); !errors.Is(err, ErrNotFound) || errors.Is(err, ErrGone) {
		t.Errorf("plain 404: %v, want ErrNotFound only", err)
	}
}

func TestConcurrentUseAndCancellation(t *testing.T) {
	t.Parallel()
	s := newServer(t)
	seedPractitioners(s, 30, 1)
	var calls atomic.Int32
	c := newTestClient(t, s, WithTokenSource(TokenSourceFunc(func(context.Context) (string, time.Time, error) {
		calls.Add(1)
		return "shared", time.Now().Add(time.Hour), nil
	})))
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			n := 0
			for _, err := range c.Search(t.Context(), "Practitioner", &SearchParams{Count: 7}) {
				if err != nil {
					errs <- err
					return
				}
				n++
			}
			if n != 30 {
				errs <- fmt.Errorf("%d results", n)
				return
			}
			errs <- nil
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if calls.Load() != 1 {
		t.Errorf("token fetched %d times by 8 concurrent searches, want 1", calls.Load())
	}

	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	var err error
	n := 0
	for _, err = range c.Search(ctx, "Practitioner", &SearchParams{Count: 7}) {
		if err != nil {
			break
		}
		if n++; n == 7 {
			cancel()
		}
	}
	if !errors.Is(err, context.Canceled) || n != 7 {
		t.Errorf("after cancel: %v after %d results, want context.Canceled after 7", err, n)
	}
}

func TestErrorBodiesHideBearerTokens(t *testing.T) {
	t.Parallel()
	const static, fromSource = "static-token-0123456789", "token-from-source-0123456789"
	// A proxy page echoing the Authorization header, first whole, then
	// across the point where the kept body is cut.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		http.Error(w, auth+strings.Repeat("x", maxErrorBody-2*len(auth)+10)+auth, http.StatusBadGateway)
	}))
	defer srv.Close()
	for name, opt := range map[string]Option{
		"static": WithBearerToken(static),
		"source": WithTokenSource(TokenSourceFunc(func(context.Context) (string, time.Time, error) {
			return fromSource, time.Time{}, nil
		})),
	} {
		c, err := NewClient(srv.URL, opt, WithRetry(0, time.Millisecond, time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = c.Read(t.Context(), "Practitioner", "P1")
		if err == nil {
			t.Fatalf("%s: want an error", name)
		}
		for _, secret := range []string{static[:8], fromSource[:8]} {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("%s: part of the token in %q ... %q", name, err.Error()[:80], err.Error()[len(err.Error())-60:])
			}
		}
	}
}
