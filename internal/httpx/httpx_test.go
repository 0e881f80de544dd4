package httpx

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func fastClient(cfg Config) *Client {
	if cfg.RetryWaitMin == 0 {
		cfg.RetryWaitMin = time.Millisecond
		cfg.RetryWaitMax = 5 * time.Millisecond
	}
	return New(cfg)
}

func get(t *testing.T, c *Client, u string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

func post(ctx context.Context, t *testing.T, c *Client, u, body string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	return c.Do(req)
}

func TestGetRetriedOnServerErrors(t *testing.T) {
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
	defer resp.Body.Close()
	if resp.StatusCode != 200 || n.Load() != 3 {
		t.Fatalf("status %d after %d attempts, want 200 after 3", resp.StatusCode, n.Load())
	}
}

func TestPostNotRetriedOnServerError(t *testing.T) {
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
	resp.Body.Close()
	if resp.StatusCode != 500 || n.Load() != 1 {
		t.Fatalf("status %d after %d attempts, want one 500", resp.StatusCode, n.Load())
	}
	if bodies[0] != `{"flow":"x"}` {
		t.Fatalf("body %q", bodies[0])
	}
}

func TestGuardedPostRetried(t *testing.T) {
	for name, mark := range map[string]func(*http.Request) *http.Request{
		"context": func(r *http.Request) *http.Request { return r.WithContext(Idempotent(r.Context())) },
		"header":  func(r *http.Request) *http.Request { r.Header.Set("If-None-Exist", "identifier=x"); return r },
	} {
		t.Run(name, func(t *testing.T) {
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
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, strings.NewReader("payload"))
			resp, err := fastClient(Config{}).Do(mark(req))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 201 || n.Load() != 2 {
				t.Fatalf("status %d after %d attempts", resp.StatusCode, n.Load())
			}
		})
	}
}

func TestPostRetriedAfter429(t *testing.T) {
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
	resp.Body.Close()
	if resp.StatusCode != 201 || n.Load() != 2 {
		t.Fatalf("status %d after %d attempts", resp.StatusCode, n.Load())
	}
}

func TestPostNotRetriedWhenConnectionDropsAfterSend(t *testing.T) {
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
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3000")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	c := fastClient(Config{MaxRetryAfter: time.Hour})
	start := time.Now()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
	_, err := c.Do(req)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("want deadline exceeded, got %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("cancel took %v", d)
	}
}

func TestRetryAfterLongerThanMaxReturns429(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3600")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	resp, err := get(t, fastClient(Config{MaxRetryAfter: time.Minute}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Fatalf("status %d", resp.StatusCode)
	}
}

func TestSharedPacerPausedBy429(t *testing.T) {
	var n atomic.Int32
	var second time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		if second.IsZero() {
			second = time.Now()
		}
	}))
	defer srv.Close()
	key := "test-" + t.Name()
	pacerFor := func(*http.Request) *Pacer { return SharedPacer(key, 0, 0) }
	a := fastClient(Config{Pacer: pacerFor, MaxRetries: -1})
	b := fastClient(Config{Pacer: pacerFor})
	start := time.Now()
	resp, err := get(t, a, srv.URL) // gets the 429 and pauses the shared pacer
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	resp, err = get(t, b, srv.URL) // another client of the same account waits
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := second.Sub(start); d < 900*time.Millisecond {
		t.Fatalf("second client sent after %v, before the Retry-After of 1s", d)
	}
}

func TestResponseSizeCap(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(bytes.Repeat([]byte("x"), 2048))
	}))
	defer srv.Close()
	resp, err := get(t, fastClient(Config{MaxResponseBytes: 1024}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); !errors.Is(err, ErrResponseTooLarge) {
		t.Fatalf("want ErrResponseTooLarge, got %v", err)
	}
	resp2, err := get(t, fastClient(Config{MaxResponseBytes: 2048}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp2.Body.Close()
	if b, err := io.ReadAll(resp2.Body); err != nil || len(b) != 2048 {
		t.Fatalf("exact-size body: %d bytes, %v", len(b), err)
	}
}

func TestNoSecretsOrPhonesInErrorsAndLogs(t *testing.T) {
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
	var ua string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ua = r.UserAgent() }))
	defer srv.Close()
	resp, err := get(t, fastClient(Config{UserAgent: "mhero-go/0 (test)"}), srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if ua != "mhero-go/0 (test)" {
		t.Fatalf("User-Agent %q", ua)
	}
}

func TestPostNotTurnedIntoGetByRedirect(t *testing.T) {
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
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || gets.Load() != 0 {
		t.Fatalf("status %d after %d GETs: a POST redirected as a GET looks like a success that wrote nothing",
			resp.StatusCode, gets.Load())
	}
}

func TestGetFollowsRedirects(t *testing.T) {
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
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Request.URL.Path != "/new" {
		t.Fatalf("status %d at %s, want 200 at /new", resp.StatusCode, resp.Request.URL.Path)
	}
}

func TestPostCancelledWhilePacedWasNotSent(t *testing.T) {
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
	var leaked atomic.Value
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Store(r.Header.Get("X-Openhim-Client-Secret"))
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/fhir/Practitioner", http.StatusFound)
	}))
	defer srv.Close()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, srv.URL+"/fhir/Practitioner", nil)
	req.Header.Set("X-Openhim-Client-Secret", "s3cr3t-header")
	resp, err := fastClient(Config{}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if v, _ := leaked.Load().(string); v != "" || resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d; the other host received the header %q", resp.StatusCode, v)
	}
}
