package httpx

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/hashicorp/go-retryablehttp"
)

// Defaults used when a [Config] field is zero.
const (
	DefaultMaxRetries       = 4
	DefaultRetryWaitMin     = 500 * time.Millisecond
	DefaultRetryWaitMax     = 30 * time.Second
	DefaultMaxRetryAfter    = 10 * time.Minute
	DefaultMaxResponseBytes = 64 << 20
)

// Config configures a [Client]. The zero value is usable.
type Config struct {
	// HTTPClient sends the requests; its Transport is wrapped, never changed.
	// A redirect that would change the method or the host is not followed.
	// Nil means a pooled client with sane timeouts.
	HTTPClient *http.Client
	// UserAgent is sent when a request has none.
	UserAgent string
	// Logger receives one Debug record per attempt and per retry decision,
	// with URLs redacted; bodies and headers are never logged. Nil: no logs.
	Logger *slog.Logger
	// Redactor hides secrets and phone numbers in logs and errors. Nil masks
	// phone numbers only.
	Redactor *Redactor
	// MaxRetries is the number of retries after the first attempt; a
	// negative value disables retries. Zero means DefaultMaxRetries.
	MaxRetries int
	// RetryWaitMin and RetryWaitMax bound the exponential backoff.
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRetryAfter is the longest Retry-After honoured by waiting; a longer
	// one ends the call with the 429 response so the caller can decide.
	MaxRetryAfter time.Duration
	// MaxResponseBytes caps how much of a response body may be read; reads
	// past it fail with ErrResponseTooLarge. Zero means
	// DefaultMaxResponseBytes; negative means no cap.
	MaxResponseBytes int64
	// Pacer, when set, picks the Pacer each attempt waits on (nil: none).
	Pacer func(*http.Request) *Pacer
	// Now returns the current time, for Retry-After dates. Nil: time.Now.
	Now func() time.Time
}

// Client sends HTTP requests with safe retries, pacing, redacted logging and
// capped response sizes. It is safe for concurrent use.
type Client struct {
	cfg Config
	rc  *retryablehttp.Client
	log *slog.Logger
}

// New returns a Client configured by cfg.
func New(cfg Config) *Client {
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = DefaultRetryWaitMin
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = DefaultRetryWaitMax
	}
	if cfg.RetryWaitMax < cfg.RetryWaitMin {
		cfg.RetryWaitMax = cfg.RetryWaitMin
	}
	if cfg.MaxRetryAfter <= 0 {
		cfg.MaxRetryAfter = DefaultMaxRetryAfter
	}
	if cfg.MaxResponseBytes == 0 {
		cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Redactor == nil {
		cfg.Redactor = &Redactor{}
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	base := cfg.HTTPClient
	if base == nil {
		base = &http.Client{Timeout: 2 * time.Minute}
	}
	inner := *base // shallow copy: the caller's client is not modified
	c := &Client{cfg: cfg, log: log}
	inner.Transport = &transport{base: base.Transport, c: c}
	inner.CheckRedirect = keepMethod(base.CheckRedirect)

	rc := &retryablehttp.Client{
		HTTPClient:   &inner,
		RetryWaitMin: cfg.RetryWaitMin,
		RetryWaitMax: cfg.RetryWaitMax,
		RetryMax:     cfg.MaxRetries,
		CheckRetry:   c.checkRetry,
		Backoff:      c.backoff,
		ErrorHandler: c.giveUp,
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			if attempt > 0 {
				c.log.DebugContext(req.Context(), "retrying request",
					"method", req.Method, "url", c.cfg.Redactor.URL(req.URL), "attempt", attempt+1)
			}
		},
	}
	c.rc = rc
	return c
}

// Redactor returns the redactor the client uses for logs and errors.
func (c *Client) Redactor() *Redactor { return c.cfg.Redactor }

// Logger returns the client's logger (never nil).
func (c *Client) Logger() *slog.Logger { return c.log }

type safeKey struct{}

// Idempotent marks the requests made with the returned context as safe to
// retry even though their method is not: use it for writes that carry a
// guard against being done twice (a FHIR conditional create, a server-side
// idempotency key). GET, HEAD, OPTIONS, PUT and DELETE are idempotent by
// HTTP's definition, and so is any request with an Idempotency-Key or
// If-None-Exist header.
func Idempotent(ctx context.Context) context.Context {
	return context.WithValue(ctx, safeKey{}, true)
}

func isIdempotent(req *http.Request) bool {
	switch req.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		return true
	}
	if req.Header.Get("Idempotency-Key") != "" || req.Header.Get("If-None-Exist") != "" {
		return true
	}
	v, _ := req.Context().Value(safeKey{}).(bool)
	return v
}

// Do sends req, retrying what is safe to retry, and returns the final
// response. A non-2xx response is returned as a response, not an error: the
// caller decodes its body into an API error. The error, when there is one,
// has secrets and phone numbers redacted and wraps the cause (the
// context's error when the context ended).
//
// A request whose body is not nil is buffered so it can be sent again.
func (c *Client) Do(req *http.Request) (*http.Response, error) {
	if req.Header.Get("User-Agent") == "" && c.cfg.UserAgent != "" {
		req = req.Clone(req.Context())
		req.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	ctx := context.WithValue(req.Context(), safeKey{}, isIdempotent(req))
	rreq, err := retryablehttp.FromRequest(req.WithContext(ctx))
	if err != nil {
		return nil, c.sanitize(err)
	}
	resp, err := c.rc.Do(rreq)
	if err != nil {
		if cerr := context.Cause(req.Context()); cerr != nil && req.Context().Err() != nil {
			if NotSent(err) {
				return nil, &notSentError{cerr}
			}
			return nil, cerr
		}
		return nil, c.sanitize(err)
	}
	return resp, nil
}

// keepMethod refuses to follow a redirect that would change the method (a
// 301, 302 or 303 answer to a POST is followed by a GET, whose 200 would
// look like a write that succeeded) or the host (net/http would forward
// headers such as an OpenHIM client secret, though not Authorization): the
// caller gets the redirect itself as a non-2xx response. Other redirects
// are left to next (nil: net/http's default of at most 10).
func keepMethod(next func(*http.Request, []*http.Request) error) func(*http.Request, []*http.Request) error {
	return func(req *http.Request, via []*http.Request) error {
		if req.Method != via[0].Method || req.URL.Host != via[0].URL.Host {
			return http.ErrUseLastResponse
		}
		if next != nil {
			return next(req, via)
		}
		if len(via) >= 10 {
			return errors.New("stopped after 10 redirects")
		}
		return nil
	}
}

// notSentError is the error of a request that never left because its
// context ended while it waited for the pacer.
type notSentError struct{ err error }

func (e *notSentError) Error() string { return e.err.Error() }
func (e *notSentError) Unwrap() error { return e.err }

// NotSent reports whether err certainly happened before any byte of the
// request reached the server (the connection could not be opened, or the
// context ended while the request waited for its pacer), so that
// even a non-idempotent request may be sent again.
func NotSent(err error) bool {
	var ns *notSentError
	if errors.As(err, &ns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		if err != nil {
			return false, err // keeps whether it was sent (see NotSent)
		}
		return false, ctx.Err()
	}
	safe, _ := ctx.Value(safeKey{}).(bool)
	if err != nil {
		if errors.Is(err, ErrResponseTooLarge) {
			return false, err
		}
		if !safe && !NotSent(err) {
			// The write may have been done: only the caller can find out.
			return false, nil
		}
		// Leaves out TLS, redirect-loop, bad-scheme and bad-header errors.
		return retryablehttp.DefaultRetryPolicy(ctx, nil, err)
	}
	switch code := resp.StatusCode; {
	case code == http.StatusTooManyRequests:
		// The server refused before running the request, so even a write
		// is safe to send again once the wait is over.
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now()); ok && d > c.cfg.MaxRetryAfter {
			return false, nil
		}
		return true, nil
	case code >= 500 && code != http.StatusNotImplemented:
		return safe, nil
	}
	return false, nil
}

func (c *Client) backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), c.cfg.Now()); ok {
			return d
		}
	}
	d := lo << min(attempt, 30)
	if d <= 0 || d > hi {
		d = hi
	}
	// Up to 25% jitter so that clients failing together do not retry together.
	return d - time.Duration(rand.Int64N(int64(d)/4+1))
}

func (c *Client) giveUp(resp *http.Response, err error, attempts int) (*http.Response, error) {
	if resp != nil && err == nil {
		return resp, nil
	}
	if resp != nil {
		resp.Body.Close()
	}
	if err == nil {
		err = errors.New("request failed")
	}
	// Sanitize before wrapping: the wrapper's message is fixed when made.
	err = c.sanitize(err)
	if attempts > 1 {
		return nil, fmt.Errorf("giving up after %d attempts: %w", attempts, err)
	}
	return nil, err
}

// sanitize hides secrets and phone numbers in the URL that net/http puts in
// its errors.
func (c *Client) sanitize(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			ue.URL = c.cfg.Redactor.URL(u)
		} else {
			ue.URL = c.cfg.Redactor.String(ue.URL)
		}
	}
	return err
}

// ParseRetryAfter reads a Retry-After header value, either a number of
// seconds or an HTTP date, into a wait from now.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	if v == "" {
		return 0, false
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s < 0 {
			s = 0
		}
		return time.Duration(s * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now)), true
	}
	return 0, false
}

// transport paces, logs and caps each attempt.
type transport struct {
	base http.RoundTripper
	c    *Client
}

var _ http.RoundTripper = (*transport)(nil)

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	base := t.base
	if base == nil {
		base = http.DefaultTransport
	}
	var p *Pacer
	if t.c.cfg.Pacer != nil {
		p = t.c.cfg.Pacer(req)
	}
	if p != nil {
		if err := p.Wait(req.Context()); err != nil {
			if req.Body != nil {
				req.Body.Close()
			}
			return nil, &notSentError{err}
		}
	}
	start := time.Now()
	resp, err := base.RoundTrip(req)
	log := t.c.log
	if err != nil {
		log.DebugContext(req.Context(), "request failed", "method", req.Method,
			"url", t.c.cfg.Redactor.URL(req.URL), "duration", time.Since(start),
			"error", t.c.cfg.Redactor.String(err.Error()))
		return nil, err
	}
	log.DebugContext(req.Context(), "request", "method", req.Method,
		"url", t.c.cfg.Redactor.URL(req.URL), "status", resp.StatusCode, "duration", time.Since(start))
	if resp.StatusCode == http.StatusTooManyRequests && p != nil {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), t.c.cfg.Now()); ok {
			p.PauseUntil(time.Now().Add(d))
		}
	}
	if t.c.cfg.MaxResponseBytes > 0 {
		resp.Body = LimitBody(resp.Body, t.c.cfg.MaxResponseBytes)
	}
	return resp, nil
}

// DrainClose reads a little of body, so the connection can be reused, and
// closes it.
func DrainClose(body io.ReadCloser) {
	if body == nil {
		return
	}
	io.CopyN(io.Discard, body, 4<<10)
	body.Close()
}
