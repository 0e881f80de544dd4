package fhir

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/mhero-go/mhero/internal/httpx"
)

// Media types of FHIR R4 JSON.
const (
	mediaFHIRJSON = "application/fhir+json"
	mediaForm     = "application/x-www-form-urlencoded"
)

// DefaultUserAgent is sent when [WithUserAgent] is not used.
const DefaultUserAgent = "mhero-go-fhir/0"

// Client talks to one FHIR R4 server. It is safe for concurrent use.
type Client struct {
	base    *url.URL // always ends with a slash
	hc      *httpx.Client
	headers http.Header
	auth    auth
	// tokens is set for WithTokenSource: the cached token and its expiry.
	tokens *tokenCache
}

// NewClient returns a client for the FHIR server whose base URL (the part
// before the resource type, e.g. "https://hapi.example.org/fhir") is
// baseURL. User information in the URL ("https://user:pass@host/fhir") is
// taken as Basic credentials and removed from the URL. A bad option makes
// NewClient fail.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	u, err := url.Parse(baseURL)
	if err != nil {
		// The parse error quotes the URL, which may hold a password.
		return nil, errors.New("fhir: base URL does not parse")
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return nil, errors.New("fhir: base URL must be an absolute http or https URL")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("fhir: base URL must not have a query or fragment")
	}
	cfg := config{http: httpx.Config{UserAgent: DefaultUserAgent}}
	if u.User != nil {
		pass, _ := u.User.Password()
		cfg.auth = basicAuth{user: u.User.Username(), pass: pass}
		u.User = nil
	}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if !strings.HasSuffix(u.Path, "/") {
		u.Path += "/"
		u.RawPath = ""
	}
	if cfg.shared != nil && cfg.rateSet {
		return nil, errors.New("fhir: WithPacer sets the pace (see NewPacer); WithRateLimit cannot change it")
	}
	hcfg := cfg.http
	hcfg.Redactor = httpx.NewRedactor(cfg.secrets()...)
	p := cfg.pacer
	if cfg.shared != nil {
		p = cfg.shared.p
	}
	if p != nil {
		hcfg.Pacer = func(*http.Request) *httpx.Pacer { return p }
	}
	c := &Client{base: u, hc: httpx.New(hcfg), headers: cfg.headers, auth: cfg.auth}
	if ts, ok := cfg.auth.(tokenSourceAuth); ok {
		c.tokens = &tokenCache{src: ts.src}
	}
	return c, nil
}

// BaseURL returns the server's base URL, ending with a slash.
func (c *Client) BaseURL() string { return c.base.String() }

// config collects the options before the client is built.
type config struct {
	http    httpx.Config // the options shared with the rapidpro client
	auth    auth
	headers http.Header
	pacer   *httpx.Pacer // the client's own, from WithRateLimit
	rateSet bool
	shared  *Pacer // from WithPacer, instead of pacer
}

func (c *config) secrets() []string {
	switch a := c.auth.(type) {
	case basicAuth:
		return []string{a.pass}
	case bearerAuth:
		return []string{a.token}
	}
	return nil
}

// Option configures a [Client] in [NewClient].
type Option func(*config) error

// prefixed names the package in the error of an option that httpx checks.
func prefixed(err error) error {
	if err != nil {
		return fmt.Errorf("fhir: %w", err)
	}
	return nil
}

// WithHTTPClient sends the requests through hc (its Transport, timeouts and
// cookie jar); hc's Timeout bounds each attempt, not the whole call with its
// retries. The client is not modified. A nil hc is refused.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return prefixed(c.http.SetHTTPClient(hc)) }
}

// WithLogger logs every request at Debug level (method, redacted URL,
// status, duration; never bodies or credentials). Without it nothing is
// logged; a nil l is refused.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { return prefixed(c.http.SetLogger(l)) }
}

// WithUserAgent sets the User-Agent header (DefaultUserAgent otherwise). An
// empty one, or one with a line break, is refused.
func WithUserAgent(ua string) Option {
	return func(c *config) error { return prefixed(c.http.SetUserAgent(ua)) }
}

func setAuth(c *config, a auth) error {
	if c.auth != nil {
		return errors.New("fhir: more than one authentication option (Basic, bearer token, token source, URL user info)")
	}
	c.auth = a
	return nil
}

// WithBasicAuth authenticates with HTTP Basic, as a HAPI server behind
// iHRIS or emNutt usually expects.
func WithBasicAuth(user, password string) Option {
	return func(c *config) error {
		if user == "" {
			return errors.New("fhir: WithBasicAuth: empty user name")
		}
		return setAuth(c, basicAuth{user: user, pass: password})
	}
}

// WithBearerToken authenticates with a fixed bearer token.
func WithBearerToken(token string) Option {
	return func(c *config) error {
		if token == "" {
			return errors.New("fhir: WithBearerToken: empty token")
		}
		return setAuth(c, bearerAuth{token: token})
	}
}

// TokenSource supplies bearer tokens, for example from an OpenID Connect
// provider (Keycloak in iHRIS). It must be safe for concurrent use.
type TokenSource interface {
	// Token returns a valid token and when it expires (zero: unknown, used
	// until the server answers 401).
	Token(ctx context.Context) (token string, expiry time.Time, err error)
}

// TokenSourceFunc adapts a function to a [TokenSource].
type TokenSourceFunc func(ctx context.Context) (string, time.Time, error)

// Token calls f.
func (f TokenSourceFunc) Token(ctx context.Context) (string, time.Time, error) { return f(ctx) }

// WithTokenSource authenticates with bearer tokens from ts. A token is
// reused until a minute before its expiry; when the server answers 401 the
// token is dropped, a new one fetched, and the request sent once more.
// Only one call to ts runs at a time; concurrent requests share its result,
// and each stops waiting when its own context ends.
func WithTokenSource(ts TokenSource) Option {
	return func(c *config) error {
		if ts == nil {
			return errors.New("fhir: WithTokenSource: nil TokenSource")
		}
		return setAuth(c, tokenSourceAuth{src: ts})
	}
}

// WithHeader adds a header to every request, for example the client
// credentials an OpenHIM channel expects. It may be used several times.
// Headers that the client manages (Authorization, Content-Type, Accept) are
// refused; use the authentication options.
func WithHeader(key, value string) Option {
	return func(c *config) error {
		k := http.CanonicalHeaderKey(key)
		switch {
		case k == "" || strings.ContainsAny(k, " \r\n:"):
			return fmt.Errorf("fhir: WithHeader: bad header name %q", key)
		case strings.ContainsAny(value, "\r\n"):
			return fmt.Errorf("fhir: WithHeader: value of %s contains a line break", k)
		case k == "Authorization" || k == "Content-Type" || k == "Accept":
			return fmt.Errorf("fhir: WithHeader: %s is set by the client", k)
		}
		if c.headers == nil {
			c.headers = http.Header{}
		}
		c.headers.Add(k, value)
		return nil
	}
}

// WithRetry sets how often a failed request that is safe to repeat (reads,
// PUT, DELETE, searches, conditional creates, and any request that
// certainly never reached the server) is sent again: at most maxRetries
// more times (0: never; 4 by default), waiting between waitMin and waitMax
// with exponential backoff, or as long as the server's Retry-After says. A
// zero wait keeps its default (500ms and 30s), within the other bound.
// Negative values, and a waitMax below waitMin, are refused.
func WithRetry(maxRetries int, waitMin, waitMax time.Duration) Option {
	return func(c *config) error { return prefixed(c.http.SetRetry(maxRetries, waitMin, waitMax)) }
}

// WithRateLimit paces the client's requests to perHour an hour on average
// with bursts of up to burst requests (0: a minute's worth), and pauses them
// all when the server answers 429 with a Retry-After. perHour must be
// positive and burst not negative. Without it (or WithPacer) requests are
// not paced, but 429s are still waited out. To pace several clients of one
// server together, give them the same Pacer (see WithPacer) instead.
func WithRateLimit(perHour, burst int) Option {
	return func(c *config) error {
		if err := httpx.CheckRate(perHour, burst); err != nil {
			return prefixed(err)
		}
		c.pacer, c.rateSet = httpx.NewPacer(perHour, burst), true
		return nil
	}
}

// Pacer paces together the clients given it with WithPacer: they wait for
// the same turns, and a 429 with Retry-After that one of them meets pauses
// them all, including the requests already waiting for their turn. A Pacer
// is safe for concurrent use.
type Pacer struct{ p *httpx.Pacer }

// NewPacer returns a pacer allowing perHour requests an hour on average with
// bursts of up to burst requests (0: a minute's worth). perHour <= 0 means
// no pacing: the clients then share only the pauses that 429 answers ask
// for.
func NewPacer(perHour, burst int) *Pacer { return &Pacer{httpx.NewPacer(perHour, burst)} }

// WithPacer paces the client's requests with p, shared with every other
// client given p, so that together they stay under the server's limit. The
// rate is p's (see NewPacer), so WithRateLimit cannot be combined with it.
// A nil p is refused.
func WithPacer(p *Pacer) Option {
	return func(c *config) error {
		if p == nil {
			return errors.New("fhir: WithPacer: nil *Pacer")
		}
		c.shared = p
		return nil
	}
}

// WithMaxResponseBytes caps the size of a response body (64 MiB by
// default); a larger one fails the call with an error matching
// ErrResponseTooLarge. A limit that is not positive is refused.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error { return prefixed(c.http.SetMaxResponseBytes(n)) }
}

// auth sets the Authorization header of a request.
type auth interface{ isAuth() }

type basicAuth struct{ user, pass string }
type bearerAuth struct{ token string }
type tokenSourceAuth struct{ src TokenSource }

func (basicAuth) isAuth()       {}
func (bearerAuth) isAuth()      {}
func (tokenSourceAuth) isAuth() {}

// tokenCache keeps the current token of a TokenSource. At most one call to
// the source runs at a time; the requests needing a token meanwhile wait for
// its result, each only as long as its own context allows.
type tokenCache struct {
	src TokenSource

	mu      sync.Mutex // guards the fields below, never held while calling src
	token   string
	expiry  time.Time
	refresh *tokenRefresh // the call to src in flight, nil when none
}

// tokenRefresh is one call to the TokenSource, shared by its waiters.
type tokenRefresh struct {
	done    chan struct{} // closed when token and err are set
	token   string
	err     error
	cancel  context.CancelFunc // ends the call once every waiter has left
	waiters int                // guarded by tokenCache.mu
}

// expirySkew renews a token this long before it expires, so that it does
// not expire in flight.
const expirySkew = time.Minute

func (t *tokenCache) get(ctx context.Context) (string, error) {
	t.mu.Lock()
	if t.token != "" && (t.expiry.IsZero() || time.Until(t.expiry) > expirySkew) {
		tok := t.token
		t.mu.Unlock()
		return tok, nil
	}
	r := t.refresh
	if r == nil {
		// The call outlives the request that starts it, keeping its
		// values but not its deadline: others may be waiting for it.
		fetchCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		r = &tokenRefresh{done: make(chan struct{}), cancel: cancel}
		t.refresh = r
		go t.fetch(fetchCtx, r)
	}
	r.waiters++
	t.mu.Unlock()

	select {
	case <-r.done:
		return r.token, r.err
	case <-ctx.Done():
		t.mu.Lock()
		r.waiters--
		if r.waiters == 0 && t.refresh == r {
			// Nobody wants this token any more: stop the call, and let
			// the next request start afresh.
			r.cancel()
			t.refresh = nil
		}
		t.mu.Unlock()
		return "", fmt.Errorf("fhir: waiting for a token: %w", context.Cause(ctx))
	}
}

// fetch calls the source for r and publishes the result.
func (t *tokenCache) fetch(ctx context.Context, r *tokenRefresh) {
	defer r.cancel()
	tok, exp, err := t.src.Token(ctx)
	switch {
	case err != nil:
		err = fmt.Errorf("fhir: getting a token: %w", err)
	case tok == "":
		err = errors.New("fhir: the token source returned an empty token")
	}
	t.mu.Lock()
	if err == nil {
		t.token, t.expiry = tok, exp
	}
	if t.refresh == r {
		t.refresh = nil
	}
	r.token, r.err = tok, err
	if err != nil {
		r.token = ""
	}
	t.mu.Unlock()
	close(r.done)
}

// invalidate forgets token if it is still the current one.
func (t *tokenCache) invalidate(token string) {
	t.mu.Lock()
	if t.token == token {
		t.token = ""
	}
	t.mu.Unlock()
}

// Response describes the server's answer to a call.
type Response struct {
	// StatusCode is the HTTP status (201 for a create, 200 when a
	// conditional create found a match).
	StatusCode int
	// Header holds the response headers.
	Header http.Header
	// Location is the Location (or Content-Location) header: the URL of
	// the version written.
	Location string
	// VersionID is the version from the ETag (W/"3" gives "3").
	VersionID string
	// LastModified is the Last-Modified header, zero when absent.
	LastModified time.Time
}

// Created reports whether the server created a resource (201).
func (r *Response) Created() bool { return r != nil && r.StatusCode == http.StatusCreated }

func newResponse(status int, h http.Header) *Response {
	r := &Response{StatusCode: status, Header: h}
	r.Location = h.Get("Location")
	if r.Location == "" {
		r.Location = h.Get("Content-Location")
	}
	r.VersionID = versionFromETag(h.Get("ETag"))
	if lm := h.Get("Last-Modified"); lm != "" {
		r.LastModified, _ = http.ParseTime(lm)
	}
	return r
}

// versionFromETag returns 3 for W/"3".
func versionFromETag(etag string) string {
	etag = strings.TrimPrefix(strings.TrimSpace(etag), "W/")
	return strings.Trim(etag, `"`)
}

// RequestOption changes one call.
type RequestOption func(*http.Request)

// WithIfMatch makes an update or delete conditional on the resource still
// being at versionID (optimistic locking); otherwise the server answers
// 409 or 412 (see [ErrConflict], [ErrPreconditionFailed]).
func WithIfMatch(versionID string) RequestOption {
	return func(r *http.Request) { r.Header.Set("If-Match", `W/"`+versionID+`"`) }
}

// WithRequestHeader sets a header on one call.
func WithRequestHeader(key, value string) RequestOption {
	return func(r *http.Request) { r.Header.Set(key, value) }
}

var (
	resourceTypeRE = regexp.MustCompile(`^[A-Z][A-Za-z]{1,63}$`)
	idRE           = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)
)

func checkType(resourceType string) error {
	if !resourceTypeRE.MatchString(resourceType) {
		return fmt.Errorf("fhir: bad resource type %q", resourceType)
	}
	return nil
}

func checkID(kind, id string) error {
	if !idRE.MatchString(id) {
		return fmt.Errorf("fhir: bad %s %q (FHIR ids are 1-64 letters, digits, '-' and '.')", kind, id)
	}
	return nil
}

// request is one call before it is sent.
type request struct {
	method string
	url    *url.URL
	body   []byte
	ctype  string
	header http.Header
	opts   []RequestOption
	// repeatable marks a POST that is safe to send again after it may have
	// reached the server (a search, a conditional create, a batch of such
	// entries). Other POSTs are not: a failure after one may have reached
	// the server is an *OutcomeUnknownError.
	repeatable bool
}

// idempotent reports whether r may be sent again after it may have
// reached the server.
func (r *request) idempotent() bool { return r.method != http.MethodPost || r.repeatable }

// endpoint resolves path segments against the base URL. The base itself
// is written without its final slash, as HAPI writes it in page links.
func (c *Client) endpoint(segments ...string) *url.URL {
	if len(segments) == 0 {
		u := *c.base
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = ""
		return &u
	}
	return c.base.JoinPath(segments...)
}

// do sends r and returns the response with its body read, or the typed
// error for a non-2xx status.
func (c *Client) do(ctx context.Context, r *request) (*Response, []byte, error) {
	resp, token, err := c.send(ctx, r)
	if err != nil {
		return nil, nil, err
	}
	if resp.StatusCode == http.StatusUnauthorized && c.tokens != nil {
		// The token may have been revoked or may have expired early: try
		// once more with a fresh one.
		c.tokens.invalidate(token)
		resp, token, err = c.send(ctx, r)
		if err != nil {
			return nil, nil, err
		}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return newResponse(resp.StatusCode, resp.Header), resp.Body, c.errorFor(r, resp.StatusCode, resp.Body, token)
	}
	return newResponse(resp.StatusCode, resp.Header), resp.Body, nil
}

// wholeJSON fails an attempt whose body is not a whole JSON document: a
// body without a length ends where the connection closes, so one cut short
// may arrive without a transport error. An empty body (204, or a write
// answered with return=minimal) is whole.
func wholeJSON(body []byte) error {
	if len(body) > 0 && !json.Valid(body) {
		return errors.New("the body is not a whole JSON document")
	}
	return nil
}

// send sends r through the pipeline, which retries what is safe and reads
// the body, returning the bearer token it used, if any.
func (c *Client) send(ctx context.Context, r *request) (resp *httpx.Response, token string, err error) {
	req := httpx.NewRequest(r.method, r.url, r.body)
	req.Idempotent = r.idempotent()
	req.Check = wholeJSON
	for k, vs := range c.headers {
		req.Header[k] = append([]string(nil), vs...)
	}
	for k, vs := range r.header {
		req.Header[k] = append([]string(nil), vs...)
	}
	req.Header.Set("Accept", mediaFHIRJSON)
	if r.body != nil {
		req.Header.Set("Content-Type", r.ctype)
	}
	switch a := c.auth.(type) {
	case basicAuth:
		req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(a.user+":"+a.pass)))
	case bearerAuth:
		req.Header.Set("Authorization", "Bearer "+a.token)
	case tokenSourceAuth:
		token, err = c.tokens.get(ctx)
		if err != nil {
			return nil, "", err
		}
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if len(r.opts) > 0 {
		// The options are written for an *http.Request; they set headers.
		hr := &http.Request{Method: r.method, URL: r.url, Header: req.Header}
		for _, o := range r.opts {
			o(hr)
		}
		req.Header = hr.Header
	}
	resp, err = c.hc.Do(ctx, req)
	if err != nil {
		if !req.Idempotent && !httpx.NotSent(err) {
			return nil, "", &OutcomeUnknownError{Method: r.method, URL: c.redactURL(r.url), Err: err}
		}
		return nil, "", fmt.Errorf("fhir: %s %s: %w", r.method, c.redactURL(r.url), err)
	}
	return resp, token, nil
}

func (c *Client) redactURL(u *url.URL) string { return c.hc.Redactor().URL(u) }
