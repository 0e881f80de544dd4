package httpx

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

func fastClient(cfg Config) *Client {
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = time.Millisecond
		cfg.RetryWaitMax = 5 * time.Millisecond
	}
	return New(cfg)
}

func mustParse(t *testing.T, u string) *url.URL {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func get(t *testing.T, c *Client, u string) (*Response, error) {
	t.Helper()
	return c.Do(t.Context(), NewRequest(http.MethodGet, mustParse(t, u), nil))
}

func post(ctx context.Context, t *testing.T, c *Client, u, body string) (*Response, error) {
	t.Helper()
	return c.Do(ctx, NewRequest(http.MethodPost, mustParse(t, u), []byte(body)))
}

// roundTripFunc adapts a function to an http.RoundTripper.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// handlerClient serves each request with h in the caller's goroutine, with
// no network, so that a test can run in a synctest bubble.
func handlerClient(h http.HandlerFunc) *http.Client {
	return &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h(rec, r)
		return rec.Result(), nil
	})}
}

func TestGetRetriedOnServerErrors(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) < 3 {
			http.Error(w, "Server Error", http.StatusBadGateway)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	resp, err := get(t, fastClient(Config{}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || n.Load() != 3 {
		t.Fatalf("status %d after %d attempts, want 200 after 3", resp.StatusCode, n.Load())
	}
}

func TestPostNotRetriedOnServerError(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		b, _ := io.ReadAll(r.Body)
		bodies = append(bodies, string(b))
		http.Error(w, "Server Error", http.StatusInternalServerError)
	}))
	defer srv.Close()
	resp, err := post(t.Context(), t, fastClient(Config{}), srv.URL, `{"flow":"x"}`)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 500 || n.Load() != 1 {
		t.Fatalf("status %d after %d attempts, want one 500", resp.StatusCode, n.Load())
	}
	if bodies[0] != `{"flow":"x"}` {
		t.Fatalf("body %q", bodies[0])
	}
}

func TestIdempotentPostRetried(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		if string(b) != "payload" {
			t.Errorf("attempt %d body %q: not replayed", n.Load(), b)
		}
		if n.Add(1) == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	req := NewRequest(http.MethodPost, mustParse(t, srv.URL), []byte("payload"))
	req.Idempotent = true // a conditional create, say
	resp, err := fastClient(Config{}).Do(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || n.Load() != 2 {
		t.Fatalf("status %d after %d attempts", resp.StatusCode, n.Load())
	}
}

func TestIdempotentIsTheRequestsField(t *testing.T) {
	t.Parallel()
	for method, want := range map[string]bool{"GET": true, "HEAD": true, "OPTIONS": true, "PUT": true, "DELETE": true, "POST": false, "PATCH": false} {
		if got := NewRequest(method, &url.URL{}, nil).Idempotent; got != want {
			t.Errorf("NewRequest(%s).Idempotent = %v, want %v", method, got, want)
		}
	}
	// The field decides, not the method: a DELETE marked as not safe to
	// repeat (deleting contacts in a batch fails on a second try) is sent once.
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer srv.Close()
	req := NewRequest(http.MethodDelete, mustParse(t, srv.URL), nil)
	req.Idempotent = false
	resp, err := fastClient(Config{}).Do(t.Context(), req)
	if err != nil || resp.StatusCode != http.StatusBadGateway || n.Load() != 1 {
		t.Fatalf("%d attempts, status %v, err %v; want one 502", n.Load(), resp, err)
	}
}

func TestPostRetriedAfter429(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	defer srv.Close()
	resp, err := post(t.Context(), t, fastClient(Config{}), srv.URL, "{}")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 201 || n.Load() != 2 {
		t.Fatalf("status %d after %d attempts", resp.StatusCode, n.Load())
	}
}

func TestPostNotRetriedWhenConnectionDropsAfterSend(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close() // the write "committed", the answer is lost
		}
	}))
	defer srv.Close()
	_, err := post(t.Context(), t, fastClient(Config{}), srv.URL, "{}")
	if err == nil {
		t.Fatal("want an error")
	}
	if n.Load() != 1 {
		t.Fatalf("%d attempts, want 1: an ambiguous write must not be resent", n.Load())
	}
}

func TestPostRetriedWhenNeverSent(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens: every dial is refused
	c := fastClient(Config{MaxRetries: 2})
	_, err = post(t.Context(), t, c, "http://"+addr+"/x", "{}")
	if err == nil || !NotSent(err) {
		t.Fatalf("want a not-sent error, got %v", err)
	}
	if !strings.Contains(err.Error(), "giving up after 3 attempts") {
		t.Fatalf("dial errors should be retried: %v", err)
	}
}

func TestRetryAfterDateAndSeconds(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"3":                             3 * time.Second,
		"Wed, 25 Nov 2026 12:00:07 GMT": 7 * time.Second,
		"Wed, 25 Nov 2026 11:00:00 GMT": 0,
	} {
		got, ok := ParseRetryAfter(v, now)
		if !ok || got != want {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v", v, got, ok, want)
		}
	}
	if _, ok := ParseRetryAfter("soon", now); ok {
		t.Error("garbage accepted")
	}
}

func TestContextCancelsRetryAfterWait(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3000")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	c := fastClient(Config{MaxRetryAfter: time.Hour})
	start := time.Now()
	_, err := c.Do(ctx, NewRequest(http.MethodGet, mustParse(t, srv.URL), nil))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline exceeded, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancel took %v", d)
	}
}

func TestRetryAfterLongerThanMaxReturns429(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	resp, err := get(t, fastClient(Config{MaxRetryAfter: time.Minute}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != 429 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestSharedPacersPausedBy429(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var mu sync.Mutex
		var arrivals []time.Duration
		start := time.Now()
		h := func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			defer mu.Unlock()
			arrivals = append(arrivals, time.Since(start))
			if len(arrivals) == 1 {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
			}
		}
		shared, other := NewPacers(0, 0), NewPacers(0, 0)
		client := func(ps *Pacers, retries int) *Client {
			return fastClient(Config{HTTPClient: handlerClient(h), MaxRetries: retries,
				Pacer: func(*http.Request) *Pacer { return ps.Get("account") }})
		}
		a, b, c := client(shared, -1), client(shared, 0), client(other, 0)
		resp, err := get(t, a, "http://api.test/") // gets the 429 and pauses its pacer
		if err != nil || resp.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("status %v, err %v; want a 429", resp, err)
		}
		if _, err := get(t, c, "http://api.test/"); err != nil { // shares nothing with a
			t.Fatal(err)
		}
		if _, err := get(t, b, "http://api.test/"); err != nil { // shares a's pacers: waits
			t.Fatal(err)
		}
		if want := []time.Duration{0, 0, time.Second}; !slices.Equal(arrivals, want) {
			t.Errorf("requests at %v, want %v", arrivals, want)
		}
	})
}

func TestPacersOwnTheirRate(t *testing.T) {
	t.Parallel()
	ps := NewPacers(3600, 1)
	if a, again := ps.Get("a"), ps.Get("a"); a != again || a == ps.Get("b") {
		t.Error("one key, one pacer")
	}
	if NewPacers(3600, 1).Get("a") == ps.Get("a") {
		t.Error("two sets of pacers share a pacer")
	}
	if got := ps.Get("c").lim.Limit(); got != 1 {
		t.Errorf("rate %v a second, want 1", got)
	}
}

func TestResponseSizeCap(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 2048))
	}))
	defer srv.Close()
	var be *BodyError
	if _, err := get(t, fastClient(Config{MaxResponseBytes: 1024}), srv.URL); !errors.Is(err, ErrResponseTooLarge) || !errors.As(err, &be) || be.StatusCode != 200 {
		t.Fatalf("want a *BodyError of a 200 matching ErrResponseTooLarge, got %v", err)
	}
	resp, err := get(t, fastClient(Config{MaxResponseBytes: 2048}), srv.URL)
	if err != nil || len(resp.Body) != 2048 {
		t.Fatalf("exact-size body: %v, %v", resp, err)
	}
}

func TestNoSecretsOrPhonesInErrorsAndLogs(t *testing.T) {
	t.Parallel()
	const token = "s3cr3t-token-abcdef"
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	var logs bytes.Buffer
	c := fastClient(Config{
		MaxRetries: 1,
		Logger:     slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Redactor:   NewRedactor(token),
		UserAgent:  "mhero-test",
	})
	u := "http://" + addr + "/api/v2/contacts.json?urn=" + url.QueryEscape("tel:+250788123456") + "&token=" + token
	_, err := get(t, c, u)
	if err == nil {
		t.Fatal("want an error")
	}
	for _, s := range []string{err.Error(), logs.String()} {
		if strings.Contains(s, token) || strings.Contains(s, "788123456") || strings.Contains(s, "250788123456") {
			t.Fatalf("leak in %q", s)
		}
	}
	if !strings.Contains(logs.String(), "retrying request") {
		t.Fatalf("no retry decision logged: %s", logs.String())
	}
}

func TestUserAgent(t *testing.T) {
	t.Parallel()
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ua = r.UserAgent() }))
	defer srv.Close()
	_, err := get(t, fastClient(Config{UserAgent: "mhero-go/0 (test)"}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if ua != "mhero-go/0 (test)" {
		t.Fatalf("User-Agent %q", ua)
	}
}

func TestPostNotTurnedIntoGetByRedirect(t *testing.T) {
	t.Parallel()
	var posts, gets atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/old" && r.Method == http.MethodPost:
			posts.Add(1)
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		case r.URL.Path == "/new" && r.Method == http.MethodGet:
			gets.Add(1)
			io.WriteString(w, `{"next":null,"results":[]}`)
		default:
			http.Error(w, "no", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	resp, err := post(t.Context(), t, fastClient(Config{}), srv.URL+"/old", `{"flow":"x"}`)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusMovedPermanently || gets.Load() != 0 {
		t.Fatalf("status %d after %d GETs: a POST redirected as a GET looks like a success that wrote nothing",
			resp.StatusCode, gets.Load())
	}
}

func TestGetFollowsRedirects(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
			return
		}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	resp, err := get(t, fastClient(Config{}), srv.URL+"/old")
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.URL.Path != "/new" || string(resp.Body) != "ok" {
		t.Fatalf("status %d at %s (%q), want 200 at /new", resp.StatusCode, resp.URL.Path, resp.Body)
	}
}

func TestPostCancelledWhilePacedWasNotSent(t *testing.T) {
	t.Parallel()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { n.Add(1) }))
	defer srv.Close()
	p := NewPacer(3600, 1)
	p.PauseUntil(time.Now().Add(time.Hour))
	c := fastClient(Config{Pacer: func(*http.Request) *Pacer { return p }})
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Millisecond)
	defer cancel()
	_, err := post(ctx, t, c, srv.URL, "{}")
	if err == nil || n.Load() != 0 {
		t.Fatalf("err %v after %d requests, want an error and none", err, n.Load())
	}
	if !NotSent(err) {
		t.Errorf("NotSent(%v) = false: a write that waited for its turn and never left looks ambiguous", err)
	}
}

func TestRedirectToAnotherHostNotFollowed(t *testing.T) {
	t.Parallel()
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Openhim-Client-Secret"))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/fhir/Practitioner", http.StatusFound)
	}))
	defer srv.Close()
	req := NewRequest(http.MethodGet, mustParse(t, srv.URL+"/fhir/Practitioner"), nil)
	req.Header.Set("X-Openhim-Client-Secret", "s3cr3t-header")
	resp, err := fastClient(Config{}).Do(t.Context(), req)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := leaked.Load().(string); v != "" || resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d; the other host received the header %q", resp.StatusCode, v)
	}
}

// cutOnce answers the first request with half of body, promising all of it,
// then closes the connection; later requests get body whole.
func cutOnce(body string) (http.HandlerFunc, *atomic.Int32) {
	var n atomic.Int32
	return func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) > 1 {
			io.WriteString(w, body)
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		io.WriteString(w, body[:len(body)/2])
		rc := http.NewResponseController(w)
		rc.Flush()
		if conn, _, err := rc.Hijack(); err == nil {
			conn.Close()
		}
	}, &n
}

func TestTruncatedBodyRetriedWhenIdempotent(t *testing.T) {
	t.Parallel()
	const body = `{"results":[1,2,3,4,5,6,7,8,9]}`
	h, n := cutOnce(body)
	srv := httptest.NewServer(h)
	defer srv.Close()
	resp, err := get(t, fastClient(Config{}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != body || n.Load() != 2 {
		t.Fatalf("body %q after %d attempts, want it whole after 2", resp.Body, n.Load())
	}
}

func TestTruncatedBodyOfAWriteNotRetried(t *testing.T) {
	t.Parallel()
	h, n := cutOnce(`{"uuid":"the-flow-start-that-was-created"}`)
	srv := httptest.NewServer(h)
	defer srv.Close()
	_, err := post(t.Context(), t, fastClient(Config{}), srv.URL, "{}")
	var be *BodyError
	if !errors.As(err, &be) || be.StatusCode != http.StatusOK || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want a *BodyError of a 200 cut short", err)
	}
	if NotSent(err) || n.Load() != 1 {
		t.Fatalf("%d attempts (NotSent %v): the write was done, its answer lost", n.Load(), NotSent(err))
	}
}

func TestCheckFailsTheAttempt(t *testing.T) {
	t.Parallel()
	// A body without a length ends where the connection closes: only the
	// caller can tell that the JSON in it is cut short.
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := `{"results":[1,2,3]}`
		if n.Add(1) == 1 {
			body = body[:len(body)/2]
		}
		if r.URL.Query().Has("framed") {
			io.WriteString(w, body) // net/http gives it a length
			return
		}
		conn, buf, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		buf.WriteString("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body)
		buf.Flush()
	}))
	defer srv.Close()
	req := NewRequest(http.MethodGet, mustParse(t, srv.URL), nil)
	checked := 0
	req.Check = func(b []byte) error {
		checked++
		if !json.Valid(b) {
			return errors.New("not a whole JSON document")
		}
		return nil
	}
	resp, err := fastClient(Config{}).Do(t.Context(), req)
	if err != nil || string(resp.Body) != `{"results":[1,2,3]}` || n.Load() != 2 {
		t.Fatalf("%d attempts, %v, %v", n.Load(), resp, err)
	}
	req.Idempotent = false
	n.Store(0)
	_, err = fastClient(Config{}).Do(t.Context(), req)
	var be *BodyError
	if !errors.As(err, &be) || n.Load() != 1 {
		t.Fatalf("%d attempts, %v: want one, failing with a *BodyError", n.Load(), err)
	}
	// A body with a length is not checked: its truncation is an error.
	checked = 0
	req.URL = mustParse(t, srv.URL+"?framed")
	if _, err := fastClient(Config{}).Do(t.Context(), req); err != nil || checked != 0 {
		t.Fatalf("framed body: %v, checked %d times", err, checked)
	}
}
