package httpx

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
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
	// Its Timeout bounds each attempt, body included, not the whole call
	// with its retries. A redirect that would change the method or the host
	// is not followed. Nil means a client with a 2-minute timeout.
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
	// RetryWaitMin and RetryWaitMax bound the exponential backoff. Zero
	// takes the default, kept within the other bound.
	RetryWaitMin, RetryWaitMax time.Duration
	// MaxRetryAfter is the longest Retry-After honoured by waiting; a longer
	// one ends the call with the 429 response so the caller can decide.
	MaxRetryAfter time.Duration
	// MaxResponseBytes caps how much of a response body may be read; a
	// larger body fails the call with a *BodyError matching
	// ErrResponseTooLarge, without retries. Zero means
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
	log *slog.Logger
	// once and again are the same retry loop but for what may be retried:
	// once for requests that must not be repeated after they may have
	// reached the server, again for those that may (Request.Idempotent).
	once, again *retryablehttp.Client
}

// New returns a Client configured by cfg.
func New(cfg Config) *Client {
	if cfg.MaxRetries == 0 {
		cfg.MaxRetries = DefaultMaxRetries
	} else if cfg.MaxRetries < 0 {
		cfg.MaxRetries = 0
	}
	// A zero wait takes its default, kept within the other bound.
	if cfg.RetryWaitMin <= 0 {
		cfg.RetryWaitMin = DefaultRetryWaitMin
		if cfg.RetryWaitMax > 0 {
			cfg.RetryWaitMin = min(cfg.RetryWaitMin, cfg.RetryWaitMax)
		}
	}
	if cfg.RetryWaitMax <= 0 {
		cfg.RetryWaitMax = max(DefaultRetryWaitMax, cfg.RetryWaitMin)
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
	// The timeout bounds each attempt, body included, in the transport:
	// net/http's would bound them all together.
	inner.Timeout = 0
	inner.Transport = &transport{base: base.Transport, timeout: base.Timeout, c: c}
	inner.CheckRedirect = keepMethod(base.CheckRedirect)
	c.once = c.retrier(&inner, false)
	c.again = c.retrier(&inner, true)
	return c
}

func (c *Client) retrier(hc *http.Client, idempotent bool) *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:   hc,
		RetryWaitMin: c.cfg.RetryWaitMin,
		RetryWaitMax: c.cfg.RetryWaitMax,
		RetryMax:     c.cfg.MaxRetries,
		CheckRetry: func(ctx context.Context, resp *http.Response, err error) (bool, error) {
			return c.checkRetry(ctx, idempotent, resp, err)
		},
		Backoff:      c.backoff,
		ErrorHandler: c.giveUp,
		RequestLogHook: func(_ retryablehttp.Logger, req *http.Request, attempt int) {
			if attempt > 0 {
				c.log.DebugContext(req.Context(), "retrying request",
					"method", req.Method, "url", c.cfg.Redactor.URL(req.URL), "attempt", attempt+1)
			}
		},
	}
}

// MaxRetries returns how many times a failed request may be sent again.
func (c *Client) MaxRetries() int { return c.cfg.MaxRetries }

// Redactor returns the redactor the client uses for logs and errors.
func (c *Client) Redactor() *Redactor { return c.cfg.Redactor }

// Logger returns the client's logger (never nil).
func (c *Client) Logger() *slog.Logger { return c.log }

// Request is one call through the pipeline.
type Request struct {
	Method string
	URL    *url.URL
	// Header is sent as is, with a User-Agent added when it has none.
	Header http.Header
	// Body is sent with every attempt; nil sends none.
	Body []byte
	// Idempotent says that the request may be sent again after an attempt
	// that may have reached the server (a 5xx, a connection broken after
	// sending, a body cut short): doing it twice does what doing it once
	// does. [NewRequest] sets it for GET, HEAD, OPTIONS, PUT and DELETE;
	// set it for a write that carries a guard against being done twice (a
	// FHIR conditional create, an update by key) or that changes nothing (a
	// search sent as a POST). A request that is not idempotent is sent
	// again only when it certainly never reached the server: the
	// connection was refused, the server answered 429, or it never left
	// the pacer.
	Idempotent bool
	// Check, when set, inspects a 2xx body that the server ended by closing
	// the connection (HTTP/1 with neither a Content-Length nor chunked
	// encoding): cut short, such a body reads without an error, so a JSON
	// client checks that the document is whole. An error fails the attempt
	// as a body cut short would. Bodies with a length or in chunks are not
	// checked: the transport sees their truncation.
	Check func(body []byte) error
}

// NewRequest returns a request for method and u, idempotent when its
// method is.
func NewRequest(method string, u *url.URL, body []byte) *Request {
	r := &Request{Method: method, URL: u, Header: http.Header{}, Body: body}
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodPut, http.MethodDelete:
		r.Idempotent = true
	}
	return r
}

// Response is the final answer to a Request, its body read in full.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	// URL is where the answer came from, after the redirects followed.
	URL *url.URL
}

// BodyError is the error of an answer whose status and headers arrived but
// whose body could not be read in full (the connection broke, it is larger
// than the cap, it failed the request's Check). An idempotent request was
// sent again before giving up.
type BodyError struct {
	StatusCode int
	Header     http.Header
	Err        error
}

func (e *BodyError) Error() string {
	return fmt.Sprintf("reading the body of a %d answer: %v", e.StatusCode, e.Err)
}

// Unwrap returns the cause (io.ErrUnexpectedEOF, [ErrResponseTooLarge], ...).
func (e *BodyError) Unwrap() error { return e.Err }

// Do sends r, retrying what is safe to retry, and returns the final
// response with its body read. A non-2xx response is returned as a
// response, not an error: the caller decodes its body into an API error.
// The error, when there is one, has secrets and phone numbers redacted and
// wraps the cause: a *BodyError when the answer came but its body did not,
// the context's error when the context ended.
func (c *Client) Do(ctx context.Context, r *Request) (*Response, error) {
	var body any // a nil []byte would still be a body
	if r.Body != nil {
		body = r.Body
	}
	rreq, err := retryablehttp.NewRequestWithContext(ctx, r.Method, r.URL.String(), body)
	if err != nil {
		return nil, c.sanitize(err)
	}
	for k, vs := range r.Header {
		rreq.Header[k] = slices.Clone(vs)
	}
	if rreq.Header.Get("User-Agent") == "" && c.cfg.UserAgent != "" {
		rreq.Header.Set("User-Agent", c.cfg.UserAgent)
	}
	if r.Check != nil {
		rreq.SetResponseHandler(func(resp *http.Response) error {
			if resp.StatusCode/100 != 2 || !endedByClose(resp) {
				return nil
			}
			if err := r.Check(bodyOf(resp)); err != nil {
				return &BodyError{StatusCode: resp.StatusCode, Header: resp.Header, Err: err}
			}
			return nil
		})
	}
	rc := c.once
	if r.Idempotent {
		rc = c.again
	}
	resp, err := rc.Do(rreq)
	if err != nil {
		if cerr := context.Cause(ctx); cerr != nil && ctx.Err() != nil {
			if NotSent(err) {
				return nil, &notSentError{cerr}
			}
			return nil, cerr
		}
		return nil, c.sanitize(err)
	}
	out := &Response{StatusCode: resp.StatusCode, Header: resp.Header, Body: bodyOf(resp), URL: r.URL}
	resp.Body.Close()
	if resp.Request != nil {
		out.URL = resp.Request.URL
	}
	return out, nil
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

func (c *Client) checkRetry(ctx context.Context, idempotent bool, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		if err != nil {
			return false, err // keeps whether it was sent (see NotSent)
		}
		return false, ctx.Err()
	}
	if err != nil {
		if errors.Is(err, ErrResponseTooLarge) {
			return false, err
		}
		if !idempotent && !NotSent(err) {
			// The write may have been done: only the caller can find out.
			return false, nil
		}
		// A body that broke or failed its check: a new attempt may fare better.
		var be *BodyError
		if errors.As(err, &be) {
			return true, nil
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
		return idempotent, nil
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

// transport paces, logs and reads each attempt: an answer is only an
// answer once its body has been read, within the size cap, so that a body
// cut short fails the attempt and is retried with it.
type transport struct {
	base    http.RoundTripper
	timeout time.Duration // of one attempt; 0: none
	c       *Client
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
	if t.timeout > 0 {
		ctx, cancel := context.WithTimeout(req.Context(), t.timeout)
		defer cancel() // the body is read before RoundTrip returns
		req = req.WithContext(ctx)
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
	if resp.StatusCode == http.StatusTooManyRequests && p != nil {
		if d, ok := ParseRetryAfter(resp.Header.Get("Retry-After"), t.c.cfg.Now()); ok {
			p.PauseUntil(time.Now().Add(d))
		}
	}
	data, err := readBody(resp, t.c.cfg.MaxResponseBytes)
	if err != nil {
		log.DebugContext(req.Context(), "request failed", "method", req.Method,
			"url", t.c.cfg.Redactor.URL(req.URL), "status", resp.StatusCode, "duration", time.Since(start),
			"error", t.c.cfg.Redactor.String(err.Error()))
		return nil, &BodyError{StatusCode: resp.StatusCode, Header: resp.Header, Err: err}
	}
	log.DebugContext(req.Context(), "request", "method", req.Method,
		"url", t.c.cfg.Redactor.URL(req.URL), "status", resp.StatusCode, "bytes", len(data),
		"duration", time.Since(start))
	resp.Body = &bufferedBody{data: data, Reader: bytes.NewReader(data)}
	return resp, nil
}

// readBody reads and closes the body of resp, failing past max bytes.
func readBody(resp *http.Response, max int64) ([]byte, error) {
	defer resp.Body.Close()
	var buf bytes.Buffer
	if n := resp.ContentLength; n > 0 && (max <= 0 || n <= max) {
		buf.Grow(int(n))
	}
	_, err := buf.ReadFrom(limitBody(resp.Body, max))
	return buf.Bytes(), err
}

// endedByClose reports whether only the server closing the connection
// marked the end of resp's body, so that a truncation reads as its end.
func endedByClose(resp *http.Response) bool {
	return resp.ProtoMajor < 2 && resp.ContentLength < 0 && len(resp.TransferEncoding) == 0 && !resp.Uncompressed
}

// bufferedBody is a body already read by the transport.
type bufferedBody struct {
	data []byte
	*bytes.Reader
}

func (*bufferedBody) Close() error { return nil }

// bodyOf returns the body the transport read for resp, without copying it
// unless net/http has wrapped it.
func bodyOf(resp *http.Response) []byte {
	if b, ok := resp.Body.(*bufferedBody); ok {
		return b.data
	}
	data, _ := io.ReadAll(resp.Body) // in memory: cannot fail
	resp.Body = &bufferedBody{data: data, Reader: bytes.NewReader(data)}
	return data
}
