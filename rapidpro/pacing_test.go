package rapidpro

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"
)

// roundTripFunc adapts a function to an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// handlerClient returns an *http.Client that serves each request with h in
// the caller's goroutine, with no network, so that a test can run in a
// synctest bubble, where time moves only when every goroutine waits.
func handlerClient(h http.Handler) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	})}
}

// TestRetryAfterHoldsRequestsAlreadyPaced is issue 7's defect 1: a request
// already waiting for its turn in the pacer when another request's 429
// arrives must wait out the Retry-After too, not go out at its slot and be
// throttled again.
func TestRetryAfterHoldsRequestsAlreadyPaced(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const workspace = "ws-retry-after-holds-paced"
		start := time.Now()
		var mu sync.Mutex
		var arrivals []time.Duration
		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			arrivals = append(arrivals, time.Since(start))
			first := len(arrivals) == 1
			mu.Unlock()
			w.Header().Set(WorkspaceHeader, workspace)
			if first {
				// The answer takes a while, as over a real network: the
				// other goroutine is waiting for its slot when it comes.
				time.Sleep(100 * time.Millisecond)
				w.Header().Set("Retry-After", "3")
				writeJSON(w, http.StatusTooManyRequests, map[string]string{"detail": "Request was throttled. Expected available in 3 seconds."})
				return
			}
			next := any(nil)
			if r.URL.Query().Get("cursor") == "" {
				next = "https://rapidpro.test/api/v2/runs.json?cursor=2"
			}
			writeJSON(w, http.StatusOK, map[string]any{"next": next, "results": []any{}})
		})
		c, err := NewClient("https://rapidpro.test", testToken, WithHTTPClient(handlerClient(h)),
			WithRateLimit(3600, 1), WithWorkspace(workspace))
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for range 2 {
			wg.Go(func() {
				for _, err := range c.Runs.List(t.Context(), nil) {
					if err != nil {
						t.Error(err)
					}
				}
			})
		}
		wg.Wait()
		if len(arrivals) != 5 {
			t.Fatalf("%d requests, want 5 (a 429, then two pages for each goroutine): %v", len(arrivals), arrivals)
		}
		for i, at := range arrivals[1:] {
			if at < 3100*time.Millisecond {
				t.Errorf("request %d sent at %v, inside the 3s Retry-After of the 429 answered at 100ms", i+2, at)
			}
		}
		// The pacer still spaces the requests after the pause: 1 a second.
		for i := 2; i < len(arrivals); i++ {
			if d := arrivals[i] - arrivals[i-1]; d < time.Second {
				t.Errorf("requests %d and %d %v apart at 3600/h", i, i+1, d)
			}
		}
	})
}

func TestPacersSharedPerWorkspaceAndScope(t *testing.T) {
	t.Parallel()
	f := newFake(t)
	f.handle("GET workspace.json", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, map[string]any{"uuid": f.workspace})
	})
	shared := NewPacers(DefaultRatePerHour, 0)
	newClient := func(token string, opts ...Option) *Client {
		c, err := NewClient(f.srv.URL, token, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	c1 := newClient(testToken, WithPacers(shared))
	c2 := newClient("another-token-of-the-same-workspace", WithPacers(shared))
	c3 := newClient("another-token-of-the-same-workspace", WithPacers(shared), WithWorkspace(f.workspace))
	alone := newClient("another-token-of-the-same-workspace", WithWorkspace(f.workspace))
	req := func(endpoint string) *http.Request {
		r, _ := http.NewRequest("GET", f.srv.URL+"/api/v2/"+endpoint, nil)
		return r
	}
	if c1.pacerFor(req("runs.json")) == c2.pacerFor(req("runs.json")) {
		t.Error("tokens of unknown workspaces share a pacer")
	}
	if _, err := c1.Workspace.Get(t.Context()); err != nil {
		t.Fatal(err)
	}
	if c1.pacerFor(req("runs.json")) != c3.pacerFor(req("runs.json")) {
		t.Error("two clients of the same workspace given the same Pacers do not share the runs pacer")
	}
	if c3.pacerFor(req("runs.json")) == alone.pacerFor(req("runs.json")) {
		t.Error("a client given no Pacers shares a pacer with others")
	}
	if c1.pacerFor(req("runs.json")) == c1.pacerFor(req("contacts.json")) {
		t.Error("runs and contacts share a pacer")
	}
	if c1.pacerFor(req("groups.json")) != c1.pacerFor(req("labels.json")) {
		t.Error("groups and labels (both scope v2) do not share a pacer")
	}
}

// arrivalLog serves empty pages of runs and records when each request
// arrived; the first one is answered 429 with a Retry-After of 1s.
type arrivalLog struct {
	start time.Time
	mu    sync.Mutex
	at    []time.Duration
	token []string
}

func (l *arrivalLog) serve(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	l.at = append(l.at, time.Since(l.start))
	l.token = append(l.token, r.Header.Get("Authorization"))
	first := len(l.at) == 1
	l.mu.Unlock()
	w.Header().Set(WorkspaceHeader, "ws-1")
	if first {
		w.Header().Set("Retry-After", "1")
		writeJSON(w, http.StatusTooManyRequests, map[string]string{"detail": "Request was throttled."})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"next": nil, "results": []any{}})
}

func TestRetryAfterPausesEveryClientOfThePacers(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := &arrivalLog{start: time.Now()}
		hc := handlerClient(http.HandlerFunc(l.serve))
		shared := NewPacers(0, 0) // only the pauses are shared
		newClient := func(token string, opts ...Option) *Client {
			c, err := NewClient("https://rapidpro.test", token, append([]Option{WithHTTPClient(hc), WithWorkspace("ws-1")}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		a := newClient("token-a-0123456789", WithPacers(shared), WithRetry(0, 0, 0))
		b := newClient("token-b-0123456789", WithPacers(shared))
		alone := newClient("token-c-0123456789", WithoutPacing())
		if _, err := a.Runs.ListPage(t.Context(), nil); !errors.Is(err, ErrRateLimited) {
			t.Fatalf("got %v, want the 429", err)
		}
		for _, c := range []*Client{alone, b} {
			if _, err := c.Runs.ListPage(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
		}
		if want := []time.Duration{0, 0, time.Second}; !slices.Equal(l.at, want) {
			t.Errorf("requests at %v (%v), want %v: b waits out a's 429, the client with its own pacers does not", l.at, l.token, want)
		}
	})
}

func TestSharedPacersKeepTheirRate(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		l := &arrivalLog{start: time.Now()}
		l.at = []time.Duration{-1} // no 429
		hc := handlerClient(http.HandlerFunc(l.serve))
		newClient := func(token string, opts ...Option) *Client {
			c, err := NewClient("https://rapidpro.test", token, append([]Option{WithHTTPClient(hc), WithWorkspace("ws-1")}, opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			return c
		}
		// A faster client made first, of the same workspace, changes
		// nothing for the clients that share pacers.
		fast := newClient("token-f-0123456789", WithRateLimit(36000, 1))
		if _, err := fast.Runs.ListPage(t.Context(), nil); err != nil {
			t.Fatal(err)
		}
		shared := NewPacers(3600, 1)
		a := newClient("token-a-0123456789", WithPacers(shared))
		b := newClient("token-b-0123456789", WithPacers(shared))
		for _, c := range []*Client{a, b, a} {
			if _, err := c.Runs.ListPage(t.Context(), nil); err != nil {
				t.Fatal(err)
			}
		}
		if want := []time.Duration{-1, 0, 0, time.Second, 2 * time.Second}; !slices.Equal(l.at, want) {
			t.Errorf("requests at %v, want %v", l.at, want)
		}
	})
}

func TestWithPacersOwnsTheRate(t *testing.T) {
	t.Parallel()
	p := NewPacers(DefaultRatePerHour, 0)
	for name, opts := range map[string][]Option{
		"and WithRateLimit": {WithPacers(p), WithRateLimit(100, 1)},
		"and WithoutPacing": {WithoutPacing(), WithPacers(p)},
		"nil":               {WithPacers(nil)},
	} {
		if _, err := NewClient("https://rp.example.org", testToken, opts...); err == nil {
			t.Errorf("WithPacers %s accepted", name)
		}
	}
}
