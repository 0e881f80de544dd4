package fhirtest

import (
	"bytes"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is an in-process FHIR R4 server with HAPI's search and paging
// behaviour. It is safe for concurrent use.
type Server struct {
	cfg    config
	http   *httptest.Server
	url    string
	params paramTable

	mu          sync.RWMutex
	store       *store
	pages       *pageCache
	pageSize    int
	maxPageSize int
	searches    uint64 // searches run, to vary the order of ties (WithUnstableSort)

	logMu    sync.Mutex
	requests []Request
	faults   []Fault
	token    string // the accepted bearer token, rotatable
}

// An Option configures a Server.
type Option func(*config) error

type config struct {
	name          string
	basePath      string
	addr          string
	pageSize      int
	maxPageSize   int
	pageTTL       time.Duration
	pageUses      int
	expiredStatus int
	maxIncludes   int
	user, pass    string
	token         string
	now           func() time.Time
	versionID     func(typ, id string, n int) string
	unstableSort  bool
	params        []SearchParam
	seeds         []func(*Server) error
}

// WithName names the server in its CapabilityStatement (software.name) and
// in the realm of its WWW-Authenticate challenges ("fhirtest" unless set).
func WithName(name string) Option {
	return func(c *config) error {
		if name == "" || strings.ContainsAny(name, "\"\r\n") {
			return fmt.Errorf("fhirtest: name %q is empty or has quotes or line breaks", name)
		}
		c.name = name
		return nil
	}
}

// WithBasePath sets the path the FHIR API is served under (default "/fhir",
// as HAPI's). Use "" to serve at the root.
func WithBasePath(p string) Option {
	return func(c *config) error {
		p = strings.TrimRight(p, "/")
		if p != "" && !strings.HasPrefix(p, "/") {
			return fmt.Errorf("fhirtest: base path %q must start with /", p)
		}
		c.basePath = p
		return nil
	}
}

// WithAddr listens on addr (for example "127.0.0.1:8080") instead of a
// random loopback port, for example programs that print a stable URL.
func WithAddr(addr string) Option {
	return func(c *config) error {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("fhirtest: address %q: %w", addr, err)
		}
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return fmt.Errorf("fhirtest: address %q is not a loopback address", addr)
		}
		c.addr = addr
		return nil
	}
}

// WithPageSize sets the default _count (20 unless set, as on HAPI) and the
// largest _count honoured (1000 unless set); bigger requests are clamped,
// as HAPI does. The HAPI JPA starter clamps at 200: WithPageSize(20, 200)
// reproduces it.
func WithPageSize(def, max int) Option {
	return func(c *config) error {
		if def < 1 || max < def {
			return fmt.Errorf("fhirtest: page sizes %d/%d: want 1 <= default <= max", def, max)
		}
		c.pageSize, c.maxPageSize = def, max
		return nil
	}
}

// WithMaxIncludes sets how many resources _include and _revinclude may
// add to one page (1000 unless set, HAPI's maximumIncludesToLoadPerPage);
// HAPI leaves out the rest without a word, and so does this server.
func WithMaxIncludes(n int) Option {
	return func(c *config) error {
		if n < 1 {
			return fmt.Errorf("fhirtest: max includes %d is not positive", n)
		}
		c.maxIncludes = n
		return nil
	}
}

// WithPageExpiry makes paging links (_getpages) expire after ttl, or after
// they have been followed uses times (whichever comes first; zero disables
// either). An expired link answers 410 Gone with an OperationOutcome, as
// HAPI does when its search cache has been purged (see
// [WithExpiredPageStatus] and [Server.ExpirePages]).
func WithPageExpiry(ttl time.Duration, uses int) Option {
	return func(c *config) error {
		if ttl < 0 || uses < 0 {
			return errors.New("fhirtest: negative page expiry")
		}
		c.pageTTL, c.pageUses = ttl, uses
		return nil
	}
}

// WithExpiredPageStatus sets the status an expired or unknown page link
// answers: 410 Gone unless set, as HAPI; other servers answer 404 or 400.
func WithExpiredPageStatus(status int) Option {
	return func(c *config) error {
		if status < 400 || status > 499 {
			return fmt.Errorf("fhirtest: expired-page status %d is not a 4xx", status)
		}
		c.expiredStatus = status
		return nil
	}
}

// WithUnstableSort makes resources that tie on every _sort key come in a
// different order on each search, as a database gives them (HAPI's
// included); without it ties keep the order the resources were created
// in. A client that pages a sorted search again from where it stopped must
// not rely on the order of ties.
func WithUnstableSort() Option {
	return func(c *config) error {
		c.unstableSort = true
		return nil
	}
}

// WithVersionIDs sets how meta.versionId (and the ETag, and the version in
// _history URLs) is written for the n-th version (from 1) of a resource:
// strconv.Itoa(n) unless set, as HAPI. FHIR allows any string, and some
// servers use UUIDs ([UUIDVersionID]): a client must not do arithmetic on
// version ids. f must give distinct ids for the versions of one resource.
func WithVersionIDs(f func(typ, id string, n int) string) Option {
	return func(c *config) error {
		if f == nil {
			return errors.New("fhirtest: nil version-id function")
		}
		c.versionID = f
		return nil
	}
}

// UUIDVersionID returns a random UUID, for [WithVersionIDs]: version ids as
// a server that does not number versions writes them.
func UUIDVersionID(typ, id string, n int) string { return newUUID() }

// WithBasicAuth requires HTTP Basic credentials on every request (HAPI
// behind a proxy, or emNutt's hapi/hapi). Combined with WithBearerToken,
// either credential is accepted.
func WithBasicAuth(user, password string) Option {
	return func(c *config) error {
		if user == "" {
			return errors.New("fhirtest: empty basic-auth user")
		}
		c.user, c.pass = user, password
		return nil
	}
}

// WithBearerToken requires "Authorization: Bearer <token>" on every
// request (a JWT or Keycloak token); see [Server.SetBearerToken].
func WithBearerToken(token string) Option {
	return func(c *config) error {
		if token == "" {
			return errors.New("fhirtest: empty bearer token")
		}
		c.token = token
		return nil
	}
}

// WithClock sets the clock used for meta.lastUpdated on writes and for
// page-link expiry (time.Now by default). It is called with no lock held
// by the server's caller, and may be called from any goroutine.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		if now == nil {
			return errors.New("fhirtest: nil clock")
		}
		c.now = now
		return nil
	}
}

// WithSeedDir loads every *.json file of dir at start, as [Server.LoadDir]
// does. Seeds apply in the order the options are given.
func WithSeedDir(dir string) Option {
	return func(c *config) error {
		if dir == "" {
			return errors.New("fhirtest: empty seed directory")
		}
		c.seeds = append(c.seeds, func(s *Server) error { return s.LoadDir(dir) })
		return nil
	}
}

// Start builds the server, seeds it and starts listening on loopback.
func Start(opts ...Option) (*Server, error) {
	cfg := config{name: "fhirtest", basePath: "/fhir", pageSize: 20, maxPageSize: 1000, maxIncludes: 1000,
		expiredStatus: http.StatusGone, now: time.Now, versionID: func(_, _ string, n int) string { return strconv.Itoa(n) }}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	s := &Server{
		cfg:         cfg,
		params:      newParamTable(cfg.params),
		store:       newStore(),
		pages:       newPageCache(),
		pageSize:    cfg.pageSize,
		maxPageSize: cfg.maxPageSize,
		token:       cfg.token,
	}
	s.http = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	if cfg.addr != "" {
		l, err := net.Listen("tcp", cfg.addr)
		if err != nil {
			return nil, fmt.Errorf("fhirtest: %w", err)
		}
		s.http.Listener.Close()
		s.http.Listener = l
	}
	s.url = "http://" + s.http.Listener.Addr().String() + cfg.basePath
	for _, seed := range cfg.seeds {
		if err := seed(s); err != nil {
			s.http.Listener.Close()
			return nil, err
		}
	}
	s.http.Start()
	return s, nil
}

// NewServer is Start for tests: like httptest.NewServer it panics when the
// server cannot start (a bad option or an unreadable seed).
func NewServer(opts ...Option) *Server {
	s, err := Start(opts...)
	if err != nil {
		panic(err)
	}
	return s
}

// URL returns the FHIR base URL, such as "http://127.0.0.1:41234/fhir".
func (s *Server) URL() string { return s.url }

// Client returns an HTTP client for the server.
func (s *Server) Client() *http.Client { return s.http.Client() }

// Close shuts the server down, waiting for the requests in flight.
func (s *Server) Close() { s.http.Close() }

// SetBearerToken replaces the accepted bearer token (from then on the old
// one gets 401), to test clients that refresh tokens. It is an error when
// the server was not started WithBearerToken.
func (s *Server) SetBearerToken(token string) error {
	if s.cfg.token == "" || token == "" {
		return errors.New("fhirtest: bearer auth is not enabled, or the token is empty")
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.token = token
	return nil
}

func (s *Server) base() string { return s.url }

// Now returns the time on the server clock (see [WithClock]), as
// meta.lastUpdated would record a write made now.
func (s *Server) Now() time.Time { return s.now() }

func (s *Server) now() time.Time { return s.cfg.now().UTC().Truncate(time.Millisecond) }

// A Request is one request the server received, for tests that assert how
// a client talks to it (requests per page, headers, retries).
type Request struct {
	// Method is the HTTP method.
	Method string
	// URL is the path and query, relative to the host.
	URL string
	// Header holds the request headers (credentials included: this is a
	// test server).
	Header http.Header
	// Status is the status code the server answered, 0 when a fault
	// dropped the connection.
	Status int
}

// Requests returns a copy of the request log.
func (s *Server) Requests() []Request {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	out := make([]Request, len(s.requests))
	copy(out, s.requests)
	return out
}

// RequestCount returns the number of requests received since the start
// or the last ResetRequests.
func (s *Server) RequestCount() int {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	return len(s.requests)
}

// ResetRequests clears the request log.
func (s *Server) ResetRequests() {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.requests = nil
}

// A Fault makes the server answer matching requests with an error status
// instead of serving them, or after serving them, or not at all, or hold
// them until the test lets them go.
type Fault struct {
	// Status is the status code to answer, such as 503 or 429; 0 serves
	// the request (a fault that only holds it).
	Status int
	// RetryAfter, when positive, is sent as a Retry-After header in seconds.
	RetryAfter time.Duration
	// Times is how many matching requests fail (at least one).
	Times int
	// Match selects the requests to fail; nil matches every request. It
	// runs under the server's request-log lock: it must not call the Server.
	Match func(*http.Request) bool
	// AfterServing serves the request first (its writes are made) and only
	// then answers with the fault, as a gateway that timed out while the
	// server did the work: the client cannot know whether it happened.
	AfterServing bool
	// Drop closes the connection without an answer (Status is then
	// ignored), as a server that dies or a proxy that cuts the line.
	Drop bool
	// Hold, when not nil, holds each matching request until the channel
	// is closed, then goes on with the fault (a slow server, or one a test
	// keeps busy while it checks what a client does meanwhile). A request
	// whose client gives up while held is not served.
	Hold <-chan struct{}
}

// InjectFault queues a fault; faults apply in the order injected.
func (s *Server) InjectFault(f Fault) {
	if f.Times < 1 {
		f.Times = 1
	}
	s.logMu.Lock()
	defer s.logMu.Unlock()
	s.faults = append(s.faults, f)
}

// takeFault returns the fault to apply to r, consuming one use of it.
func (s *Server) takeFault(r *http.Request) (Fault, bool) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	for i := range s.faults {
		f := &s.faults[i]
		if f.Match != nil && !f.Match(r) {
			continue
		}
		out := *f
		if f.Times--; f.Times == 0 {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
		}
		return out, true
	}
	return Fault{}, false
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (w *statusRecorder) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusRecorder) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w}
	defer func() {
		s.logMu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, URL: r.URL.RequestURI(), Header: r.Header.Clone(), Status: rec.status})
		s.logMu.Unlock()
	}()
	f, faulty := s.takeFault(r)
	if faulty && f.Hold != nil {
		// Read the body first: only then does net/http notice a client
		// that gives up.
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		select {
		case <-f.Hold:
		case <-r.Context().Done():
			return // the client went away: nothing is served
		}
	}
	faulty = faulty && (f.Status != 0 || f.Drop)
	if faulty && !f.AfterServing {
		s.fail(rec, w, r, f)
		return
	}
	if !s.authorized(r) {
		realm := strconv.Quote(s.cfg.name)
		switch {
		case s.cfg.token != "":
			rec.Header().Set("WWW-Authenticate", "Bearer realm="+realm)
		default:
			rec.Header().Set("WWW-Authenticate", "Basic realm="+realm)
		}
		writeOutcome(rec, http.StatusUnauthorized, "login", "authentication required")
		return
	}
	p, ok := strings.CutPrefix(r.URL.Path, s.cfg.basePath)
	if !ok {
		writeOutcome(rec, http.StatusNotFound, "not-found", "not a FHIR endpoint: "+r.URL.Path)
		return
	}
	if faulty {
		s.route(httptest.NewRecorder(), r, strings.Trim(p, "/")) // the answer is lost
		s.fail(rec, w, r, f)
		return
	}
	s.route(rec, r, strings.Trim(p, "/"))
}

// fail answers with a fault, or drops the connection.
func (s *Server) fail(rec *statusRecorder, w http.ResponseWriter, r *http.Request, f Fault) {
	if f.Drop {
		// The request arrives whole (a write may be committed), and the
		// answer never leaves.
		io.Copy(io.Discard, io.LimitReader(r.Body, maxBody))
		if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
			conn.Close()
			return
		}
		// Not hijackable (HTTP/2): the closest is a reset stream.
		panic(http.ErrAbortHandler)
	}
	if f.RetryAfter > 0 {
		rec.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	writeOutcome(rec, f.Status, "transient", "injected fault")
}

func (s *Server) authorized(r *http.Request) bool {
	if s.cfg.user == "" && s.cfg.token == "" {
		return true
	}
	if u, p, ok := r.BasicAuth(); ok && s.cfg.user != "" {
		return subtle.ConstantTimeCompare([]byte(u), []byte(s.cfg.user)) == 1 &&
			subtle.ConstantTimeCompare([]byte(p), []byte(s.cfg.pass)) == 1
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && s.cfg.token != "" {
		s.logMu.Lock()
		want := s.token
		s.logMu.Unlock()
		return subtle.ConstantTimeCompare([]byte(tok), []byte(want)) == 1
	}
	return false
}
