package rapidpro

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
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

	perHour, burst int
	paced          bool
	tokenKey       string       // pacing key until the workspace is known
	workspace      atomic.Value // string, from WithWorkspace or X-Temba-Workspace
	skew           atomic.Int64 // server clock minus local clock, in ns, from Date headers
	reconcileWait  time.Duration
	writeAttempts  int
	pageRetries    int
	pageRetryWait  time.Duration

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
	httpClient    *http.Client
	logger        *slog.Logger
	userAgent     string
	maxRetries    int
	waitMin       time.Duration
	waitMax       time.Duration
	perHour       int
	burst         int
	paced         bool
	workspace     string
	reconcileWait time.Duration
}

// Option configures a Client.
type Option func(*config) error

// WithHTTPClient sends the requests with hc (its Transport is wrapped, never
// changed). Use it for proxies, TLS settings or timeouts.
func WithHTTPClient(hc *http.Client) Option {
	return func(c *config) error {
		if hc == nil {
			return errors.New("WithHTTPClient: nil *http.Client")
		}
		c.httpClient = hc
		return nil
	}
}

// WithLogger logs each request, retry and reconciliation at Debug or Warn
// level on l, with the token and phone numbers redacted.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		if l == nil {
			return errors.New("WithLogger: nil *slog.Logger")
		}
		c.logger = l
		return nil
	}
}

// WithUserAgent sets the User-Agent header sent with every request.
func WithUserAgent(ua string) Option {
	return func(c *config) error {
		if strings.TrimSpace(ua) == "" {
			return errors.New("WithUserAgent: empty user agent")
		}
		c.userAgent = ua
		return nil
	}
}

// WithRetry sets how often a failed read (and a write that certainly never
// reached the server) is tried again: at most max retries, waiting between
// waitMin and waitMax (exponential backoff, or the server's Retry-After).
// max 0 disables retries. Flow starts and broadcasts use the same count for
// their reconciled resends.
func WithRetry(max int, waitMin, waitMax time.Duration) Option {
	return func(c *config) error {
		if max < 0 || waitMin < 0 || waitMax < waitMin {
			return fmt.Errorf("WithRetry: invalid values max=%d waitMin=%s waitMax=%s", max, waitMin, waitMax)
		}
		c.maxRetries, c.waitMin, c.waitMax = max, waitMin, waitMax
		return nil
	}
}

// WithRateLimit paces requests to perHour per workspace and throttle scope
// with bursts of up to burst requests (0: a minute's worth). Every client of
// the same workspace in the process shares the pace; the first one created
// sets the rate.
func WithRateLimit(perHour, burst int) Option {
	return func(c *config) error {
		if perHour <= 0 || burst < 0 {
			return fmt.Errorf("WithRateLimit: invalid values perHour=%d burst=%d", perHour, burst)
		}
		c.perHour, c.burst, c.paced = perHour, burst, true
		return nil
	}
}

// WithoutPacing sends requests as fast as they come, relying on the server's
// 429 answers alone (still honoured, and still shared between the clients of
// a workspace).
func WithoutPacing() Option {
	return func(c *config) error {
		c.paced = false
		return nil
	}
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
		userAgent:     DefaultUserAgent,
		maxRetries:    httpx.DefaultMaxRetries,
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
	red := httpx.NewRedactor(token)
	log := cfg.logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sum := sha256.Sum256([]byte(token))
	c := &Client{
		base:          base,
		token:         token,
		log:           log,
		red:           red,
		perHour:       cfg.perHour,
		burst:         cfg.burst,
		paced:         cfg.paced,
		tokenKey:      "token:" + hex.EncodeToString(sum[:8]),
		reconcileWait: cfg.reconcileWait,
		writeAttempts: 1 + cfg.maxRetries,
		pageRetries:   cfg.maxRetries,
		pageRetryWait: cfg.waitMin,
	}
	if c.pageRetryWait <= 0 {
		c.pageRetryWait = httpx.DefaultRetryWaitMin
	}
	if cfg.workspace != "" {
		c.workspace.Store(cfg.workspace)
	}
	maxRetries := cfg.maxRetries
	if maxRetries == 0 {
		maxRetries = -1 // httpx reads 0 as "default"
	}
	c.http = httpx.New(httpx.Config{
		HTTPClient:   cfg.httpClient,
		UserAgent:    cfg.userAgent,
		Logger:       cfg.logger,
		Redactor:     red,
		MaxRetries:   maxRetries,
		RetryWaitMin: cfg.waitMin,
		RetryWaitMax: cfg.waitMax,
		Pacer:        c.pacerFor,
	})
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

// pacerFor picks the shared pacer of the request's workspace and scope.
func (c *Client) pacerFor(req *http.Request) *httpx.Pacer {
	owner := c.WorkspaceUUID()
	if owner == "" {
		owner = c.tokenKey
	}
	endpoint := req.URL.Path[strings.LastIndexByte(req.URL.Path, '/')+1:]
	key := "rapidpro|" + c.base.Host + "|" + owner + "|" + scope(endpoint)
	if !c.paced {
		return httpx.SharedPacer(key+"|unpaced", 0, 0)
	}
	return httpx.SharedPacer(key, c.perHour, c.burst)
}

// observe learns the workspace and the server clock from a response.
func (c *Client) observe(resp *http.Response) {
	if ws := resp.Header.Get(WorkspaceHeader); ws != "" && c.WorkspaceUUID() != ws {
		c.workspace.Store(ws)
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		c.skew.Store(int64(d.Sub(time.Now())))
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

// newRequest builds a request with the token and JSON headers.
func (c *Client) newRequest(ctx context.Context, method string, u *url.URL, body io.Reader, contentType string) (*http.Request, error) {
	req, err := http.NewRequestWithContext(ctx, method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("rapidpro: %s", c.red.String(err.Error()))
	}
	req.Header.Set("Authorization", "Token "+c.token)
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return req, nil
}

// send sends req and returns its body, read in full into buf, or an *Error
// for a non-2xx answer.
func (c *Client) send(req *http.Request, buf *bytes.Buffer) (*http.Response, error) {
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &RequestError{Method: req.Method, Endpoint: endpointOf(req.URL), Err: err}
	}
	defer resp.Body.Close()
	c.observe(resp)
	buf.Reset()
	if _, err := buf.ReadFrom(resp.Body); err != nil {
		return resp, &RequestError{Method: req.Method, Endpoint: endpointOf(req.URL), Err: fmt.Errorf("reading response: %w", err), Status: resp.StatusCode}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, c.apiError(req, resp, buf.Bytes())
	}
	return resp, nil
}

// endpointOf returns the endpoint name of a URL, for error messages.
func endpointOf(u *url.URL) string {
	return u.Path[strings.LastIndexByte(u.Path, '/')+1:]
}

// get fetches an endpoint URL into out, retrying a response whose body was
// cut short (the httpx layer retries failed requests, but not a body that
// broke while being read). A body that is complete JSON but does not fit
// out is not retried: the error wraps a *DecodeError and buf keeps the body.
func (c *Client) get(ctx context.Context, u *url.URL, buf *bytes.Buffer, out any) error {
	wait := c.pageRetryWait
	for attempt := 0; ; attempt++ {
		req, err := c.newRequest(ctx, http.MethodGet, u, nil, "")
		if err != nil {
			return err
		}
		_, err = c.send(req, buf)
		if err == nil {
			err = json.Unmarshal(buf.Bytes(), out)
			var syntax *json.SyntaxError
			if err == nil {
				return nil
			}
			if !errors.As(err, &syntax) {
				return &DecodeError{Endpoint: endpointOf(u), Index: -1, Err: err}
			}
			err = &RequestError{Method: http.MethodGet, Endpoint: endpointOf(u), Err: fmt.Errorf("decoding response: %w", err), Status: http.StatusOK}
		}
		var re *RequestError
		if !errors.As(err, &re) || re.Status == 0 || attempt >= c.pageRetries || ctx.Err() != nil {
			// Only a broken body (a status was received) is retried here;
			// httpx has already retried failed requests.
			return err
		}
		c.log.DebugContext(ctx, "rapidpro: retrying a broken response", "endpoint", endpointOf(u), "attempt", attempt+2, "error", c.red.String(re.Err.Error()))
		if err := sleep(ctx, wait); err != nil {
			return err
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// post sends a JSON body to an endpoint and decodes the answer into out
// (nil: ignored). Unless ctx is marked with httpx.Idempotent the request is
// retried only when it certainly never reached the server.
func (c *Client) post(ctx context.Context, endpoint string, q url.Values, body, out any) (*http.Response, error) {
	data, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("rapidpro: encoding %s body: %w", endpoint, err)
	}
	req, err := c.newRequest(ctx, http.MethodPost, c.endpointURL(endpoint, q), bytes.NewReader(data), "application/json")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	resp, err := c.send(req, &buf)
	if err != nil {
		return resp, err
	}
	if out != nil && resp.StatusCode != http.StatusNoContent && buf.Len() > 0 {
		if err := json.Unmarshal(buf.Bytes(), out); err != nil {
			return resp, &RequestError{Method: http.MethodPost, Endpoint: endpoint, Status: resp.StatusCode, Err: fmt.Errorf("decoding response: %w", err)}
		}
	}
	return resp, nil
}

// del deletes the object an endpoint's query names.
func (c *Client) del(ctx context.Context, endpoint string, q url.Values) error {
	req, err := c.newRequest(ctx, http.MethodDelete, c.endpointURL(endpoint, q), nil, "")
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	_, err = c.send(req, &buf)
	return err
}

// getOne fetches a list filtered to one object and returns it, or an
// *Error matching ErrNotFound when the list is empty.
func getOne[T any](ctx context.Context, c *Client, endpoint string, q url.Values) (*T, error) {
	var page pageBody[T]
	var buf bytes.Buffer
	if err := c.get(ctx, c.endpointURL(endpoint, q), &buf, &page); err != nil {
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
