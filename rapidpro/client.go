package rapidpro

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/mhero-go/mhero/internal/httpx"
)

// DefaultRatePerHour is the number of requests an hour RapidPro allows for
// each workspace and throttle scope on current servers (it was 2500 before
// November 2025).
const DefaultRatePerHour = 3600

// DefaultUserAgent is sent when no WithUserAgent option is given.
const DefaultUserAgent = "mhero-go-rapidpro/0"

// WorkspaceHeader is the response header in which RapidPro names the
// workspace a token belongs to.
const WorkspaceHeader = "X-Temba-Workspace"

// Client talks to one RapidPro workspace through the API v2 with one token.
// Its services (Contacts, Runs, ...) hold the endpoint methods. A Client is
// safe for concurrent use.
type Client struct {
	base  *url.URL // ends in /api/v2/
	token string
	http  *httpx.Client
	log   *slog.Logger
	red   *httpx.Redactor

	pacers        *httpx.Pacers
	tokenKey      string       // pacing key until the workspace is known
	workspace     atomic.Value // string, from WithWorkspace or X-Temba-Workspace
	skew          atomic.Int64 // server clock minus local clock, in ns, from Date headers
	reconcileWait time.Duration
	writeAttempts int

	common service

	Contacts       *ContactsService
	Groups         *GroupsService
	Fields         *FieldsService
	Flows          *FlowsService
	FlowStarts     *FlowStartsService
	Runs           *RunsService
	Messages       *MessagesService
	Broadcasts     *BroadcastsService
	ContactActions *ContactActionsService
	MessageActions *MessageActionsService
	Labels         *LabelsService
	Campaigns      *CampaignsService
	CampaignEvents *CampaignEventsService
	Channels       *ChannelsService
	ChannelEvents  *ChannelEventsService
	Globals        *GlobalsService
	Archives       *ArchivesService
	Boundaries     *BoundariesService
	Definitions    *DefinitionsService
	Workspace      *WorkspaceService
	Users          *UsersService
	Topics         *TopicsService
	Tickets        *TicketsService
	Resthooks      *ResthooksService
	Media          *MediaService
	Classifiers    *ClassifiersService
}

// service is the value every service type is defined on, so that adding a
// service allocates nothing.
type service struct{ c *Client }

// config collects the options before the client is built.
type config struct {
	http          httpx.Config // the options shared with the fhir client
	perHour       int
	burst         int
	paced         bool
	rateSet       bool // WithRateLimit or WithoutPacing was given
	pacers        *Pacers
	workspace     string
	reconcileWait time.Duration
}

// Option configures a Client.
type Option func(*config) error

// WithHTTPClient sends the requests with hc (its Transport is wrapped, never
// changed). Use it for proxies, TLS settings or timeouts; hc's Timeout
// bounds each attempt, not the whole call with its retries. A nil hc is
// refused.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error { return c.http.SetHTTPClient(hc) }
}

// WithLogger logs each request, retry and reconciliation at Debug or Warn
// level on l, with the token and phone numbers redacted. Without it nothing
// is logged; a nil l is refused.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error { return c.http.SetLogger(l) }
}

// WithUserAgent sets the User-Agent header sent with every request
// (DefaultUserAgent otherwise). An empty one, or one with a line break, is
// refused.
func WithUserAgent(ua string) Option {
	return func(c *config) error { return c.http.SetUserAgent(ua) }
}

// WithRetry sets how often a failed request that is safe to repeat (a read,
// an update, and any request that certainly never reached the server) is
// sent again: at most maxRetries more times (0: never; 4 by default),
// waiting between waitMin and waitMax with exponential backoff, or as long
// as the server's Retry-After says. A zero wait keeps its default (500ms
// and 30s), within the other bound. Negative values, and a waitMax below
// waitMin, are refused. Flow starts and broadcasts use the same count for
// their reconciled resends.
func WithRetry(maxRetries int, waitMin, waitMax time.Duration) Option {
	return func(c *config) error { return c.http.SetRetry(maxRetries, waitMin, waitMax) }
}

// WithMaxResponseBytes caps the size of a response body (64 MiB by
// default); a larger one fails the call with an error matching
// ErrResponseTooLarge. A limit that is not positive is refused.
func WithMaxResponseBytes(n int64) Option {
	return func(c *config) error { return c.http.SetMaxResponseBytes(n) }
}

// WithRateLimit paces the client's requests to perHour an hour on average
// per workspace and throttle scope, with bursts of up to burst requests
// (0: a minute's worth); DefaultRatePerHour by default. perHour must be
// positive and burst not negative. It sets the pace of the client's own
// pacers: to pace several clients of one workspace together, give them the
// same Pacers (see WithPacers), whose rate is set by NewPacers.
func WithRateLimit(perHour, burst int) Option {
	return func(c *config) error {
		if err := httpx.CheckRate(perHour, burst); err != nil {
			return err
		}
		c.perHour, c.burst, c.paced, c.rateSet = perHour, burst, true, true
		return nil
	}
}

// WithoutPacing sends requests as fast as they come, relying on the server's
// 429 answers alone (still honoured, by every request of the client).
func WithoutPacing() Option {
	return func(c *config) error {
		c.paced, c.rateSet = false, true
		return nil
	}
}

// WithPacers paces the client's requests with p, shared with every other
// client given p: the clients of one workspace stay together under its
// limits, and a 429 that one of them meets holds all of them back. The
// rate is p's (see NewPacers), so WithRateLimit and WithoutPacing cannot be
// combined with it. A nil p is refused.
func WithPacers(p *Pacers) Option {
	return func(c *config) error {
		if p == nil {
			return errors.New("WithPacers: nil *Pacers")
		}
		c.pacers = p
		return nil
	}
}

// Pacers paces together the clients given it with WithPacers. RapidPro
// counts requests per workspace and throttle scope (contacts, messages,
// runs, and everything else): the clients of one workspace (several tokens,
// or clients made in several places of a program) that share a Pacers wait
// for the same turns, per scope, and a 429 with Retry-After that one of
// them meets pauses them all, including the requests already waiting for
// their turn. Clients of other workspaces or servers given the same Pacers
// are paced apart. A Pacers is safe for concurrent use.
type Pacers struct{ set *httpx.Pacers }

// NewPacers returns pacers allowing perHour requests an hour per workspace
// and scope on average, with bursts of up to burst requests (0: a minute's
// worth). perHour <= 0 means no pacing: the clients then share only the
// pauses that 429 answers ask for.
func NewPacers(perHour, burst int) *Pacers {
	return &Pacers{set: httpx.NewPacers(perHour, burst)}
}

// WithWorkspace names the workspace (its UUID) the token belongs to, so that
// pacing is shared with the other tokens of that workspace from the first
// request. Without it the client learns the workspace from the
// X-Temba-Workspace header of its first response.
func WithWorkspace(uuid string) Option {
	return func(c *config) error {
		if strings.TrimSpace(uuid) == "" {
			return errors.New("WithWorkspace: empty workspace UUID")
		}
		c.workspace = uuid
		return nil
	}
}

// WithReconcileWait sets how long a flow start or broadcast whose outcome is
// unknown (the connection dropped, a 5xx) waits before looking for it on the
// server, so that a request still being processed has time to commit.
// The default is one second.
func WithReconcileWait(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return fmt.Errorf("WithReconcileWait: negative duration %s", d)
		}
		c.reconcileWait = d
		return nil
	}
}

// NewClient returns a client for the RapidPro server at baseURL (for example
// "https://app.rapidpro.io" or "https://app.rapidpro.io/api/v2/") using the
// API token of one workspace user.
func NewClient(baseURL, token string, opts ...Option) (*Client, error) {
	base, err := parseBase(baseURL)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(token) == "" {
		return nil, errors.New("rapidpro: empty API token")
	}
	cfg := config{
		http:          httpx.Config{UserAgent: DefaultUserAgent},
		perHour:       DefaultRatePerHour,
		paced:         true,
		reconcileWait: time.Second,
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("rapidpro: %w", err)
		}
	}
	if cfg.pacers != nil && cfg.rateSet {
		return nil, errors.New("rapidpro: WithPacers sets the pace (see NewPacers); WithRateLimit and WithoutPacing cannot change it")
	}
	pacers := cfg.pacers
	if pacers == nil {
		perHour := cfg.perHour
		if !cfg.paced {
			perHour = 0
		}
		pacers = NewPacers(perHour, cfg.burst)
	}
	sum := sha256.Sum256([]byte(token))
	c := &Client{
		base:          base,
		token:         token,
		red:           httpx.NewRedactor(token),
		pacers:        pacers.set,
		tokenKey:      "token:" + hex.EncodeToString(sum[:8]),
		reconcileWait: cfg.reconcileWait,
	}
	if cfg.workspace != "" {
		c.workspace.Store(cfg.workspace)
	}
	hcfg := cfg.http
	hcfg.Redactor = c.red
	hcfg.Pacer = c.pacerFor
	c.http = httpx.New(hcfg)
	c.log = c.http.Logger()
	c.writeAttempts = 1 + c.http.MaxRetries()
	c.common.c = c
	c.Contacts = (*ContactsService)(&c.common)
	c.Groups = (*GroupsService)(&c.common)
	c.Fields = (*FieldsService)(&c.common)
	c.Flows = (*FlowsService)(&c.common)
	c.FlowStarts = (*FlowStartsService)(&c.common)
	c.Runs = (*RunsService)(&c.common)
	c.Messages = (*MessagesService)(&c.common)
	c.Broadcasts = (*BroadcastsService)(&c.common)
	c.ContactActions = (*ContactActionsService)(&c.common)
	c.MessageActions = (*MessageActionsService)(&c.common)
	c.Labels = (*LabelsService)(&c.common)
	c.Campaigns = (*CampaignsService)(&c.common)
	c.CampaignEvents = (*CampaignEventsService)(&c.common)
	c.Channels = (*ChannelsService)(&c.common)
	c.ChannelEvents = (*ChannelEventsService)(&c.common)
	c.Globals = (*GlobalsService)(&c.common)
	c.Archives = (*ArchivesService)(&c.common)
	c.Boundaries = (*BoundariesService)(&c.common)
	c.Definitions = (*DefinitionsService)(&c.common)
	c.Workspace = (*WorkspaceService)(&c.common)
	c.Users = (*UsersService)(&c.common)
	c.Topics = (*TopicsService)(&c.common)
	c.Tickets = (*TicketsService)(&c.common)
	c.Resthooks = (*ResthooksService)(&c.common)
	c.Media = (*MediaService)(&c.common)
	c.Classifiers = (*ClassifiersService)(&c.common)
	return c, nil
}

// parseBase accepts a server URL with or without the /api/v2/ path.
func parseBase(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// The parse error quotes the URL, which may hold a password.
		return nil, errors.New("rapidpro: the base URL does not parse")
	}
	if u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("rapidpro: base URL %q must be an absolute http(s) URL", httpx.NewRedactor().URL(u))
	}
	if u.User != nil {
		return nil, errors.New("rapidpro: base URL must not carry credentials; pass the token instead")
	}
	p := strings.TrimRight(u.Path, "/")
	if !strings.HasSuffix(p, "/api/v2") {
		p += "/api/v2"
	}
	u.Path = p + "/"
	u.RawPath, u.RawQuery, u.Fragment = "", "", ""
	return u, nil
}

// BaseURL returns the API root the client sends requests to, ending in
// /api/v2/.
func (c *Client) BaseURL() string { return c.base.String() }

// WorkspaceUUID returns the workspace the client's token belongs to, as given
// by WithWorkspace or learned from a response; "" before it is known.
func (c *Client) WorkspaceUUID() string {
	ws, _ := c.workspace.Load().(string)
	return ws
}

// scope returns RapidPro's throttle scope for an endpoint path.
func scope(endpoint string) string {
	switch endpoint {
	case "contacts.json":
		return "contacts"
	case "messages.json":
		return "messages"
	case "runs.json":
		return "runs"
	}
	return "v2"
}

// pacerFor picks the pacer of the request's server, workspace and scope.
func (c *Client) pacerFor(req *http.Request) *httpx.Pacer {
	owner := c.WorkspaceUUID()
	if owner == "" {
		owner = c.tokenKey
	}
	return c.pacers.Get(c.base.Host + "|" + owner + "|" + scope(endpointOf(req.URL)))
}

// observe learns the workspace and the server clock from a response.
func (c *Client) observe(h http.Header) {
	if ws := h.Get(WorkspaceHeader); ws != "" && c.WorkspaceUUID() != ws {
		c.workspace.Store(ws)
	}
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		c.skew.Store(int64(time.Until(d)))
	}
}

// endpointURL builds the URL of an endpoint such as "contacts.json".
func (c *Client) endpointURL(endpoint string, q url.Values) *url.URL {
	u := *c.base
	u.Path += endpoint
	if len(q) > 0 {
		u.RawQuery = q.Encode()
	}
	return &u
}

// repeat says whether a write may be sent again after it may have reached
// the server.
type repeat bool

const (
	// once: a create, whose second sending would make a second object (or
	// message someone twice). Sent again only when it certainly never left.
	once repeat = false
	// repeatable: an update by key, or an action that changes nothing when
	// done twice. Retried like a read.
	repeatable repeat = true
)

// newRequest builds a request with the token and JSON headers.
func (c *Client) newRequest(method string, u *url.URL, body []byte, contentType string) *httpx.Request {
	req := httpx.NewRequest(method, u, body)
	req.Header.Set("Authorization", "Token "+c.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req
}

// errIncompleteJSON fails an attempt whose 2xx body is not a whole JSON
// document: a body without a length ends where the connection closes, so a
// body cut short may arrive without a transport error.
var errIncompleteJSON = errors.New("the body is not a whole JSON document")

func wholeJSON(body []byte) error {
	if !json.Valid(body) {
		return errIncompleteJSON
	}
	return nil
}

// send sends req and returns the response with its body, or an *Error for
// a non-2xx answer, or a *RequestError when no whole answer came.
func (c *Client) send(ctx context.Context, req *httpx.Request) (*httpx.Response, error) {
	resp, err := c.http.Do(ctx, req)
	if err != nil {
		re := &RequestError{Method: req.Method, Endpoint: endpointOf(req.URL), Err: err}
		var be *httpx.BodyError
		if errors.As(err, &be) {
			re.Status = be.StatusCode
			c.observe(be.Header)
		}
		return nil, re
	}
	c.observe(resp.Header)
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, c.apiError(req, resp)
	}
	return resp, nil
}

// endpointOf returns the endpoint name of a URL, for error messages.
func endpointOf(u *url.URL) string {
	return u.Path[strings.LastIndexByte(u.Path, '/')+1:]
}

// get fetches an endpoint URL into out and returns the body. A body that is
// whole JSON but does not fit out is not retried: the error wraps a
// *DecodeError and the body is returned for a lenient decoding.
func (c *Client) get(ctx context.Context, u *url.URL, out any) ([]byte, error) {
	req := c.newRequest(http.MethodGet, u, nil, "")
	req.Check = wholeJSON
	resp, err := c.send(ctx, req)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(resp.Body, out); err != nil {
		return resp.Body, &DecodeError{Endpoint: endpointOf(u), Index: -1, Err: err}
	}
	return resp.Body, nil
}

// post sends a JSON body to an endpoint and decodes the answer into out
// (nil: ignored). A write that is not repeatable is sent again only when
// it certainly never reached the server.
func (c *Client) post(ctx context.Context, r repeat, endpoint string, q url.Values, body, out any) (*httpx.Response, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("rapidpro: encoding %s body: %w", endpoint, err)
	}
	req := c.newRequest(http.MethodPost, c.endpointURL(endpoint, q), data, "application/json")
	req.Idempotent = bool(r)
	resp, err := c.send(ctx, req)
	if err != nil {
		return resp, err
	}
	if out != nil && resp.StatusCode != http.StatusNoContent && len(resp.Body) > 0 {
		if err := json.Unmarshal(resp.Body, out); err != nil {
			return resp, &RequestError{Method: http.MethodPost, Endpoint: endpoint, Status: resp.StatusCode, Err: fmt.Errorf("decoding response: %w", err)}
		}
	}
	return resp, nil
}

// del deletes the object an endpoint's query names.
func (c *Client) del(ctx context.Context, endpoint string, q url.Values) error {
	_, err := c.send(ctx, c.newRequest(http.MethodDelete, c.endpointURL(endpoint, q), nil, ""))
	return err
}

// getOne fetches a list filtered to one object and returns it, or an
// *Error matching ErrNotFound when the list is empty.
func getOne[T any](ctx context.Context, c *Client, endpoint string, q url.Values) (*T, error) {
	var page pageBody[T]
	if _, err := c.get(ctx, c.endpointURL(endpoint, q), &page); err != nil {
		return nil, err
	}
	if len(page.Results) == 0 {
		return nil, &Error{StatusCode: http.StatusNotFound, Method: http.MethodGet, Endpoint: endpoint, Detail: "Not found."}
	}
	return &page.Results[0], nil
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return context.Cause(ctx)
	case <-t.C:
		return nil
	}
}
