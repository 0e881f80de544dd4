package rapidpro

import (
	"net/http"
	"net/http/httptest"
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
