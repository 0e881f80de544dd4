package rapidprotest

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"
)

// PageSize is the fixed page size of every cursor-paginated list, as on
// RapidPro (DRF PAGE_SIZE).
const PageSize = 250

// DefaultToken is the API token accepted when WithToken is not given.
const DefaultToken = "rapidprotest-token-0123456789abcdef"

// Server is an in-process RapidPro workspace speaking API v2. It is safe for
// concurrent use. Create one with NewServer (for tests) or New and Start
// (for programs).
type Server struct {
	cfg config

	// mu guards every piece of workspace data below and the engine calls.
	mu sync.RWMutex
	st *store

	routes   map[string]endpoint
	throttle *throttle
	faults   *faultSet
	log      *requestLog

	// hooks is fixed by New, so reading it needs no lock.
	hooks []func(Message)

	lifeMu sync.Mutex
	ts     *httptest.Server
	hs     *http.Server
	url    string
}

type config struct {
	tokens    []string
	workspace Workspace
	clock     Clock
	seed      uint64
	seeded    bool
	engine    Engine
	limits    map[string]rateLimit
	site      string
	hooks     []func(Message)
	logger    *slog.Logger

	asyncStarts bool
}

// Option configures a Server.
type Option func(*config) error

// WithToken sets the accepted API tokens. The first is returned by Token.
// Every token belongs to the same workspace and so shares its rate limits.
func WithToken(tokens ...string) Option {
	return func(c *config) error {
		if len(tokens) == 0 {
			return errors.New("rapidprotest: WithToken needs at least one token")
		}
		for _, t := range tokens {
			if t == "" || strings.ContainsAny(t, " \t\r\n") {
				return errors.New("rapidprotest: a token must be non-empty and contain no spaces")
			}
		}
		c.tokens = append([]string(nil), tokens...)
		return nil
	}
}

// WithWorkspace sets the workspace returned by the workspace endpoint and
// sent in the X-Temba-Workspace header. Empty fields keep their defaults.
func WithWorkspace(w Workspace) Option {
	return func(c *config) error {
		if w.UUID != "" {
			c.workspace.UUID = w.UUID
		}
		if w.Name != "" {
			c.workspace.Name = w.Name
		}
		if w.Country != "" {
			c.workspace.Country = w.Country
		}
		if len(w.Languages) > 0 {
			c.workspace.Languages = append([]string(nil), w.Languages...)
		}
		if w.Timezone != "" {
			c.workspace.Timezone = w.Timezone
		}
		if w.DateStyle != "" {
			c.workspace.DateStyle = w.DateStyle
		}
		c.workspace.Anon = w.Anon
		return nil
	}
}

// WithClock sets the clock that stamps created_on, modified_on and the other
// timestamps. Use a ManualClock for deterministic timestamps and to fire
// flow timeouts. Rate limiting always uses real time, so a stopped clock
// never blocks a client that waits out a Retry-After.
func WithClock(clk Clock) Option {
	return func(c *config) error {
		if clk == nil {
			return errors.New("rapidprotest: WithClock(nil)")
		}
		c.clock = clk
		return nil
	}
}

// WithSeed makes generated UUIDs deterministic: two servers with the same
// seed and the same sequence of operations generate the same UUIDs.
func WithSeed(seed uint64) Option {
	return func(c *config) error {
		c.seed, c.seeded = seed, true
		return nil
	}
}

// WithEngine sets the flow engine that runs flow starts and inbound replies.
// The default is BasicEngine.
func WithEngine(e Engine) Option {
	return func(c *config) error {
		if e == nil {
			return errors.New("rapidprotest: WithEngine(nil)")
		}
		c.engine = e
		return nil
	}
}

// WithRateLimit sets the request budget of one throttle scope (ScopeV2,
// ScopeContacts, ScopeMessages or ScopeRuns) to n requests per window,
// counted in a sliding window as RapidPro does. n <= 0 disables throttling
// for the scope.
func WithRateLimit(scope string, n int, window time.Duration) Option {
	return func(c *config) error {
		switch scope {
		case ScopeV2, ScopeContacts, ScopeMessages, ScopeRuns:
		default:
			return fmt.Errorf("rapidprotest: unknown throttle scope %q", scope)
		}
		if n > 0 && window <= 0 {
			return errors.New("rapidprotest: a rate limit window must be positive")
		}
		c.limits[scope] = rateLimit{n: n, window: window}
		return nil
	}
}

// WithRateLimits sets the same budget for every scope (see WithRateLimit).
// WithRateLimits(0, 0) disables throttling, which benchmarks want.
func WithRateLimits(n int, window time.Duration) Option {
	return func(c *config) error {
		for _, sc := range []string{ScopeV2, ScopeContacts, ScopeMessages, ScopeRuns} {
			if err := WithRateLimit(sc, n, window)(c); err != nil {
				return err
			}
		}
		return nil
	}
}

// WithMessageHook registers a function called, outside the server's lock,
// for every outgoing message the server creates (flow messages, broadcasts,
// single messages), in order for each request but possibly concurrently
// across requests. The request waits for the hook, so a hook should be
// quick; it may call Receive or ReceiveAfter to play the health worker.
func WithMessageHook(fn func(Message)) Option {
	return func(c *config) error {
		if fn == nil {
			return errors.New("rapidprotest: WithMessageHook(nil)")
		}
		// Stored on the config, then moved to the server by New.
		c.hooks = append(c.hooks, fn)
		return nil
	}
}

// WithAsyncStarts leaves flow starts "pending", with no runs, until
// ProcessStarts (or Advance) runs them, as mailroom does some time after
// the API accepted them. By default starts run before the POST returns
// (the response still shows them pending).
func WithAsyncStarts() Option {
	return func(c *config) error {
		c.asyncStarts = true
		return nil
	}
}

// WithLogger sets the logger for engine errors (Warn) and injected faults
// (Debug). The default discards.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("rapidprotest: WithLogger(nil)")
		}
		c.logger = l
		return nil
	}
}

// New builds a Server without listening. Serve it with Start, or mount it
// anywhere since Server is an http.Handler.
func New(opts ...Option) (*Server, error) {
	cfg := config{
		tokens: []string{DefaultToken},
		workspace: Workspace{
			UUID:      "6a44ca78-a4c2-4862-a7d3-2932f9b3a7c3",
			Name:      "mHero Sandbox",
			Country:   "LR",
			Languages: []string{"eng", "fra"},
			Timezone:  "Africa/Monrovia",
			DateStyle: "day_first",
		},
		clock:  realClock{},
		limits: map[string]rateLimit{},
		site:   "https://rapidpro.example",
	}
	for _, sc := range []string{ScopeV2, ScopeContacts, ScopeMessages, ScopeRuns} {
		cfg.limits[sc] = rateLimit{n: 3600, window: time.Hour}
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	if !cfg.seeded {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.seed = binary.LittleEndian.Uint64(b[:])
	}
	if cfg.logger == nil {
		cfg.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.engine == nil {
		cfg.engine = BasicEngine{}
	}
	s := &Server{
		cfg:      cfg,
		routes:   routes(),
		throttle: newThrottle(cfg.limits),
		faults:   &faultSet{},
		log:      &requestLog{},
		hooks:    cfg.hooks,
	}
	s.st = newStore(cfg.seed, cfg.clock)
	s.st.seedDefaults()
	return s, nil
}

// NewServer starts a Server on a loopback httptest listener, for tests. It
// panics if an option is invalid, as httptest.NewServer panics when it
// cannot listen; call Close when done.
func NewServer(opts ...Option) *Server {
	s, err := New(opts...)
	if err != nil {
		panic(err)
	}
	s.lifeMu.Lock()
	s.ts = httptest.NewServer(s)
	s.url = s.ts.URL
	s.lifeMu.Unlock()
	return s
}

// Start listens on addr, a loopback address (for example "127.0.0.1:0"
// for any free port; ":8080" means 127.0.0.1:8080), and serves in the
// background until Close. URL reports the address. Other hosts are
// refused: the server accepts a well-known token and must not be exposed.
func (s *Server) Start(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("rapidprotest: listen address: %w", err)
	}
	if host == "" {
		host = "127.0.0.1"
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("rapidprotest: refusing to listen on %q: only loopback addresses are allowed", addr)
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
	if err != nil {
		return fmt.Errorf("rapidprotest: listen: %w", err)
	}
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.ts != nil || s.hs != nil {
		ln.Close()
		return errors.New("rapidprotest: server already started")
	}
	s.hs = &http.Server{Handler: s, ReadHeaderTimeout: 10 * time.Second}
	s.url = "http://" + ln.Addr().String()
	go func() { _ = s.hs.Serve(ln) }()
	return nil
}

// ListenAndServe serves on addr until ctx is done, then shuts down.
func (s *Server) ListenAndServe(ctx context.Context, addr string) error {
	if err := s.Start(addr); err != nil {
		return err
	}
	<-ctx.Done()
	return s.Close()
}

// URL returns the server's root URL, such as http://127.0.0.1:41234 (the API
// lives under /api/v2/). It is empty before the server is started.
func (s *Server) URL() string {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	return s.url
}

// APIURL returns URL() + "/api/v2/".
func (s *Server) APIURL() string { return s.URL() + "/api/v2/" }

// Token returns the first accepted API token.
func (s *Server) Token() string { return s.cfg.tokens[0] }

// WorkspaceUUID returns the UUID sent in X-Temba-Workspace.
func (s *Server) WorkspaceUUID() string { return s.cfg.workspace.UUID }

// Close stops the listener started by NewServer, Start or ListenAndServe.
func (s *Server) Close() error {
	s.lifeMu.Lock()
	defer s.lifeMu.Unlock()
	if s.ts != nil {
		s.ts.CloseClientConnections()
		s.ts.Close()
		s.ts = nil
	}
	if s.hs != nil {
		err := s.hs.Close()
		s.hs = nil
		return err
	}
	return nil
}

// Now returns the server clock's current time.
func (s *Server) Now() time.Time { return s.cfg.clock.Now() }

// notify calls the message hooks; the caller must not hold s.mu.
func (s *Server) notify(msgs []Message) {
	if len(msgs) == 0 || len(s.hooks) == 0 {
		return
	}
	for _, m := range msgs {
		for _, h := range s.hooks {
			h(m)
		}
	}
}

// writeJSON writes v with the status; the body is compact like DRF's.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := encodeBody(v)
	if err != nil {
		writeServerError(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", fmt.Sprint(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// serverErrorText is the plain-text body RapidPro returns with a 500.
const serverErrorText = "Server Error. Site administrators have been notified."

func writeServerError(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusInternalServerError)
	_, _ = w.Write([]byte(serverErrorText))
}
