package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
)

const sandboxDoc = `Sandbox starts an in-process iHRIS (a generated national workforce) and
RapidPro (whose flows simulated health workers answer) on loopback ports,
prints their URLs, the API token and the lines to export, and runs until
stopped (Ctrl-C or SIGTERM). In another terminal, with those lines
exported, every real-server command works against it, so the whole SOP
can be rehearsed by hand (see mhero help usecase).

Simulated people: the Director of the example request
(mhero usecase new malaria-stock) answers approval requests by SMS
(--director); the Requestor's and the Data Manager's phones answer tests
at once (--phone), or not at all when you answer them yourself (--by-hand,
then mhero sandbox sms); every other contact behaves as a generated mix of
health workers (responsive, late, confused, dropping out, silent, out of
coverage).

Simulated time: the sandbox's clock starts on Mon 2 Mar 2026 08:00 UTC
(--start) and runs at --speed times real time: replies, timeouts and the
Director's answer come as it passes. Nothing happens in simulated time
unless it passes, so jump ahead with

  mhero sandbox advance DURATION    (e.g. 1h, 7d: what happens meanwhile
                                     happens, in order)

Commands that wait for a time (usecase activate --wait) advance it too.
Other phones can send the workspace an SMS with

  mhero sandbox sms --from PHONE TEXT

These two talk to the sandbox's control URL (MHERO_SANDBOX), which the
commands also use to read the simulated clock and to import flows as
RapidPro's Settings > Import would (a real RapidPro has no API for that).
The store (MHERO_DB) is a temporary file removed when the sandbox stops:
its servers are new each run.`

// runSandbox is the sandbox command and its advance and sms subcommands.
func runSandbox(e *env, args []string) int {
	if len(args) > 0 {
		switch args[0] {
		case "advance":
			return runSandboxAdvance(e, args[1:])
		case "sms":
			return runSandboxSMS(e, args[1:])
		}
	}
	fs := e.newFlagSet("sandbox")
	cfg := sandboxConfig{}
	fs.IntVar(&cfg.workers, "workers", sandboxWorkers, "health workers in the generated registry")
	fs.Uint64Var(&cfg.seed, "seed", 1, "seed of the registry and of the health workers' behaviour")
	fs.Float64Var(&cfg.speed, "speed", 1, "simulated seconds per real second (0: time passes only with mhero sandbox advance)")
	start := fs.String("start", "2026-03-02T08:00:00Z", "the simulated time the sandbox starts at (RFC 3339)")
	directors := listFlag{vals: []string{"0886 000 001"}}
	fs.Var(&directors, "director", "a simulated Director's phone, who answers approval requests (repeatable; the default is the example request's)")
	fs.DurationVar(&cfg.directorDelay, "director-delay", 10*time.Minute, "how long the simulated Directors take to answer, in simulated time")
	phones := listFlag{vals: []string{"0776 000 002", "0777 000 003"}}
	fs.Var(&phones, "phone", "a test phone that answers every question at once (repeatable; the defaults are the example's Requestor and Data Manager)")
	var byHand listFlag
	fs.Var(&byHand, "by-hand", "a test phone that never answers by itself: answer with mhero sandbox sms (repeatable)")
	pos, status, ok := e.parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "mhero sandbox: unexpected argument %q\n", pos[0])
		commandUsage(e.stderr, fs)
		return exitUsage
	}
	var err error
	if cfg.start, err = time.Parse(time.RFC3339, *start); err != nil {
		fmt.Fprintf(e.stderr, "mhero sandbox: --start %q is not a time like 2026-03-02T08:00:00Z\n", *start)
		return exitUsage
	}
	switch {
	case cfg.workers < 1 || cfg.workers > 1_000_000:
		fmt.Fprintf(e.stderr, "mhero sandbox: --workers %d: want 1 to 1000000 health workers\n", cfg.workers)
		return exitUsage
	case cfg.speed < 0:
		fmt.Fprintf(e.stderr, "mhero sandbox: --speed %g is negative\n", cfg.speed)
		return exitUsage
	}
	for _, list := range []struct {
		flag   string
		phones []string
		urns   *[]string
	}{{"director", directors.vals, &cfg.directors}, {"phone", phones.vals, &cfg.phones}, {"by-hand", byHand.vals, &cfg.byHand}} {
		for _, p := range list.phones {
			urn, err := rapidpro.PhoneURN(p, "LR")
			if err != nil {
				fmt.Fprintf(e.stderr, "mhero sandbox: --%s: %v\n", list.flag, err)
				return exitUsage
			}
			*list.urns = append(*list.urns, urn)
		}
	}

	ctx, stop := signal.NotifyContext(e.context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	fmt.Fprintf(e.stderr, "Generating %d health workers…\n", cfg.workers)
	rs, err := startSandbox(cfg)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero sandbox: %v\n", err)
		return exitInvalid
	}
	defer rs.Close()
	rs.describe(e.stdout, cfg)
	if err := rs.run(ctx, cfg.speed, e.stderr); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(e.stderr, "mhero sandbox: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintln(e.stderr, "Sandbox stopped; its store is removed.")
	return exitOK
}

// listFlag is a repeatable string flag whose default is replaced, not
// extended, by the values given.
type listFlag struct {
	vals []string
	set  bool
}

func (l *listFlag) String() string {
	if l == nil {
		return ""
	}
	return strings.Join(l.vals, ", ")
}

func (l *listFlag) Set(s string) error {
	if !l.set {
		l.vals, l.set = nil, true
	}
	l.vals = append(l.vals, s)
	return nil
}

type sandboxConfig struct {
	workers       int
	seed          uint64
	speed         float64
	start         time.Time
	directors     []string // URNs
	directorDelay time.Duration
	phones        []string // URNs of responsive test phones
	byHand        []string // URNs of phones answered by hand
}

// runningSandbox is a sandbox with its control endpoint and its store.
type runningSandbox struct {
	sb      *sandbox.Sandbox
	control *http.Server
	url     string // the control endpoint
	dir     string // holds the store
	token   string

	// mu serialises the passing of simulated time: the ticker's and the
	// control endpoint's.
	mu sync.Mutex
}

// startSandbox starts the servers, the simulated people and the control
// endpoint. It is what mhero sandbox runs, and what the tests start.
func startSandbox(cfg sandboxConfig) (*runningSandbox, error) {
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: cfg.workers, Seed: cfg.seed}, Seed: cfg.seed, Start: cfg.start})
	if err != nil {
		return nil, err
	}
	for _, urn := range cfg.directors {
		sb.AddDirector(sandbox.Director{URN: urn, Delay: cfg.directorDelay})
	}
	for _, urn := range cfg.phones {
		sb.Engine.SetPersona(urn, sandbox.Persona{Kind: sandbox.Responsive})
	}
	for _, urn := range cfg.byHand {
		sb.Engine.SetPersona(urn, sandbox.Persona{Kind: sandbox.Silent})
	}
	dir, err := os.MkdirTemp("", "mhero-sandbox")
	if err != nil {
		sb.Close()
		return nil, err
	}
	rs := &runningSandbox{sb: sb, dir: dir, token: sb.RapidPro.Token()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		rs.Close()
		return nil, err
	}
	rs.url = "http://" + ln.Addr().String()
	rs.control = &http.Server{Handler: rs.handler(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = rs.control.Serve(ln) }()
	return rs, nil
}

// Close stops the servers and removes the store.
func (rs *runningSandbox) Close() {
	if rs.control != nil {
		_ = rs.control.Close()
	}
	rs.sb.Close()
	_ = os.RemoveAll(rs.dir)
}

// dbPath is the store the commands use against this sandbox.
func (rs *runningSandbox) dbPath() string { return filepath.Join(rs.dir, "mhero.db") }

// exports are the environment variables that point the commands at the
// sandbox, in the order they are printed.
func (rs *runningSandbox) exports() [][2]string {
	return [][2]string{
		{"RAPIDPRO_URL", rs.sb.RapidPro.URL()},
		{"RAPIDPRO_TOKEN", rs.token},
		{"IHRIS_URL", rs.sb.IHRIS.URL()},
		{"MHERO_SANDBOX", rs.url},
		{"MHERO_DB", rs.dbPath()},
	}
}

func (rs *runningSandbox) describe(w io.Writer, cfg sandboxConfig) {
	fmt.Fprintf(w, "Sandbox running on loopback: %d generated health workers (seed %d)\n", cfg.workers, cfg.seed)
	fmt.Fprintf(w, "  RapidPro  %s  (API v2; token %s)\n", rs.sb.RapidPro.URL(), rs.token)
	fmt.Fprintf(w, "  iHRIS     %s  (FHIR R4; no credentials)\n", rs.sb.IHRIS.URL())
	fmt.Fprintf(w, "  control   %s  (simulated clock, flow import, SMS from a phone)\n", rs.url)
	fmt.Fprintf(w, "  store     %s  (removed when the sandbox stops)\n", rs.dbPath())
	for _, urn := range cfg.directors {
		fmt.Fprintf(w, "  simulated Director %s approves requests %s (simulated) after they arrive\n", rapidpro.MaskURN(urn),
			shortDuration(cfg.directorDelay))
	}
	for _, urn := range cfg.phones {
		fmt.Fprintf(w, "  test phone %s answers every question at once\n", rapidpro.MaskURN(urn))
	}
	for _, urn := range cfg.byHand {
		fmt.Fprintf(w, "  test phone %s answers only by hand (mhero sandbox sms --from …)\n", rapidpro.MaskURN(urn))
	}
	speed := "time passes only with mhero sandbox advance"
	if cfg.speed > 0 {
		speed = fmt.Sprintf("running at %g× real time; mhero sandbox advance DURATION jumps ahead", cfg.speed)
	}
	fmt.Fprintf(w, "  simulated time %s, %s\n", showTime(rs.sb.Now(), time.UTC), speed)
	fmt.Fprintln(w)
	fmt.Fprintln(w, "In another terminal:")
	fmt.Fprintln(w)
	for _, kv := range rs.exports() {
		fmt.Fprintf(w, "export %s=%s\n", kv[0], kv[1])
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "then follow the SOP: mhero usecase new malaria-stock (the built-in example request; mhero help usecase).")
	fmt.Fprintln(w, "Stop the sandbox with Ctrl-C.")
}

// run lets simulated time pass at cfg.speed until ctx is done.
func (rs *runningSandbox) run(ctx context.Context, speed float64, log io.Writer) error {
	if speed <= 0 {
		<-ctx.Done()
		return ctx.Err()
	}
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case now := <-tick.C:
			d := time.Duration(float64(now.Sub(last)) * speed)
			last = now
			if _, err := rs.advance(ctx, d); err != nil && ctx.Err() == nil {
				// A failed step of the simulation is reported; the
				// sandbox keeps serving.
				fmt.Fprintf(log, "mhero sandbox: %v\n", err)
			}
		}
	}
}

// advance lets simulated time pass for d.
func (rs *runningSandbox) advance(ctx context.Context, d time.Duration) (sandbox.SettleStats, error) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	return rs.sb.Settle(ctx, d)
}

// The control endpoint's messages.
type (
	clockJSON struct {
		Now      time.Time `json:"now"`
		Replies  int       `json:"replies,omitempty"`
		Timeouts int       `json:"timeouts,omitempty"`
	}
	advanceJSON struct {
		By string `json:"by"`
	}
	smsJSON struct {
		From string `json:"from"`
		Text string `json:"text"`
	}
	importJSON struct {
		Flows []string `json:"flows"`
	}
	errorJSON struct {
		Error string `json:"error"`
	}
)

// handler serves the control endpoint. It asks for the workspace's token,
// as the RapidPro API does, so that a program pointed at another
// sandbox's control URL by mistake is refused rather than obeyed.
func (rs *runningSandbox) handler() http.Handler {
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, code int, v any) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(v)
	}
	fail := func(w http.ResponseWriter, code int, err error) { reply(w, code, errorJSON{err.Error()}) }
	mux.HandleFunc("GET /clock", func(w http.ResponseWriter, r *http.Request) {
		reply(w, http.StatusOK, clockJSON{Now: rs.sb.Now()})
	})
	mux.HandleFunc("POST /advance", func(w http.ResponseWriter, r *http.Request) {
		var in advanceJSON
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			fail(w, http.StatusBadRequest, err)
			return
		}
		d, err := parseDuration(in.By)
		if err != nil || d < 0 {
			fail(w, http.StatusBadRequest, fmt.Errorf("by: %q is not a duration like 90m, 6h or 7d", in.By))
			return
		}
		st, err := rs.advance(r.Context(), d)
		if err != nil {
			fail(w, http.StatusInternalServerError, err)
			return
		}
		reply(w, http.StatusOK, clockJSON{Now: st.Until, Replies: st.Replies, Timeouts: st.Timeouts})
	})
	mux.HandleFunc("POST /import", func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(io.LimitReader(r.Body, 32<<20))
		if err != nil {
			fail(w, http.StatusBadRequest, err)
			return
		}
		flows, err := rs.sb.RapidPro.ImportFlows(data)
		if err != nil {
			fail(w, http.StatusBadRequest, err)
			return
		}
		reply(w, http.StatusOK, importJSON{Flows: flows})
	})
	mux.HandleFunc("POST /sms", func(w http.ResponseWriter, r *http.Request) {
		var in smsJSON
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			fail(w, http.StatusBadRequest, err)
			return
		}
		if err := rs.sb.RapidPro.Receive(r.Context(), in.From, in.Text); err != nil {
			fail(w, http.StatusBadRequest, err)
			return
		}
		reply(w, http.StatusOK, clockJSON{Now: rs.sb.Now()})
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Token "+rs.token {
			fail(w, http.StatusUnauthorized, errors.New("the sandbox's control endpoint needs its RapidPro token (Authorization: Token …)"))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

// shortDuration formats d as time.Duration does without its zero tail:
// 10m, 1h30m, not 10m0s, 1h30m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if t, ok := strings.CutSuffix(s, "m0s"); ok {
		s = t + "m"
	}
	if t, ok := strings.CutSuffix(s, "h0m"); ok {
		s = t + "h"
	}
	return s
}

// parseDuration reads a Go duration, or a number of days ("7d").
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.ParseFloat(n, 64)
		if err != nil || math.IsNaN(days) || math.IsInf(days, 0) || days > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(days * float64(24*time.Hour)), nil
	}
	return time.ParseDuration(s)
}

// sandboxClient talks to a sandbox's control endpoint (MHERO_SANDBOX).
type sandboxClient struct {
	url, token string
	hc         *http.Client

	mu        sync.Mutex
	base      time.Time // the sandbox's time when read
	readAt    time.Time // the wall clock then
	haveClock bool
}

func newSandboxClient(url, token string) *sandboxClient {
	return &sandboxClient{url: strings.TrimRight(url, "/"), token: token, hc: &http.Client{}}
}

func (c *sandboxClient) call(ctx context.Context, method, path string, body []byte, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, c.url+path, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Token "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.hc.Do(req)
	if err != nil {
		return fmt.Errorf("the sandbox's control endpoint (MHERO_SANDBOX=%s): %w; is mhero sandbox still running?", c.url, unwrapURLError(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e errorJSON
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("the sandbox: %s", e.Error)
		}
		return fmt.Errorf("the sandbox answered %s", resp.Status)
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

// unwrapURLError drops the url.Error's "Post \"…\":" prefix, which repeats
// the URL the message gives already.
func unwrapURLError(err error) error {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner
		}
	}
	return err
}

// readClock reads the sandbox's simulated time.
func (c *sandboxClient) readClock(ctx context.Context) (time.Time, error) {
	var cj clockJSON
	if err := c.call(ctx, http.MethodGet, "/clock", nil, &cj); err != nil {
		return time.Time{}, err
	}
	c.setClock(cj.Now)
	return cj.Now, nil
}

func (c *sandboxClient) setClock(t time.Time) {
	c.mu.Lock()
	c.base, c.readAt, c.haveClock = t, time.Now(), true
	c.mu.Unlock()
}

// now is the sandbox's time as last read, plus the real time since: a
// command's steps are recorded in the sandbox's time.
func (c *sandboxClient) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.haveClock {
		return time.Now()
	}
	return c.base.Add(time.Since(c.readAt))
}

// advance lets the sandbox's time pass for d.
func (c *sandboxClient) advance(ctx context.Context, d time.Duration) (clockJSON, error) {
	body, _ := json.Marshal(advanceJSON{By: d.String()})
	var cj clockJSON
	if err := c.call(ctx, http.MethodPost, "/advance", body, &cj); err != nil {
		return cj, err
	}
	c.setClock(cj.Now)
	return cj, nil
}

// sleep waits for d of simulated time by making it pass.
func (c *sandboxClient) sleep(ctx context.Context, d time.Duration) error {
	_, err := c.advance(ctx, d)
	return err
}

// importFlows imports an export as RapidPro's Settings > Import does.
func (c *sandboxClient) importFlows(ctx context.Context, export []byte) error {
	return c.call(ctx, http.MethodPost, "/import", export, &importJSON{})
}

func (c *sandboxClient) sms(ctx context.Context, from, text string) error {
	body, _ := json.Marshal(smsJSON{From: from, Text: text})
	return c.call(ctx, http.MethodPost, "/sms", body, nil)
}

// sandboxFlags are the flags of the commands that talk to a running
// sandbox.
func (e *env) sandboxTarget(name string) (*flag.FlagSet, *string, *string) {
	fs := e.newFlagSet(name)
	url := fs.String("sandbox-url", e.env("MHERO_SANDBOX"), "the sandbox's control URL (env MHERO_SANDBOX)")
	token := e.secretFlag(fs, "rapidpro-token", "RAPIDPRO_TOKEN", "the sandbox's RapidPro `token` (env RAPIDPRO_TOKEN)")
	return fs, url, token
}

func (e *env) noSandbox(name string) int {
	fmt.Fprintf(e.stderr, "mhero %s: no sandbox to talk to: MHERO_SANDBOX and RAPIDPRO_TOKEN must be set\n\n%s", name, startSandboxHelp)
	return exitUsage
}

const startSandboxHelp = `Start one in another terminal and export the lines it prints:

  go run ./examples/mhero sandbox
`

const sandboxAdvanceDoc = `Advance lets the running sandbox's simulated time pass for DURATION (90m,
6h, 7d): the health workers' replies arrive, questions time out and the
Director answers as they would meanwhile, in order. It prints the new
simulated time and what happened.`

func runSandboxAdvance(e *env, args []string) int {
	fs, url, token := e.sandboxTarget("sandbox advance")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, status, ok := e.parseSub(fs, args, "DURATION", sandboxAdvanceDoc)
	if !ok {
		return status
	}
	if len(pos) != 1 {
		fmt.Fprintln(e.stderr, "mhero sandbox advance: give one duration, such as 1h or 7d")
		e.subUsage(e.stderr, fs, "DURATION", sandboxAdvanceDoc)
		return exitUsage
	}
	d, err := parseDuration(pos[0])
	if err != nil || d < 0 {
		fmt.Fprintf(e.stderr, "mhero sandbox advance: %q is not a duration like 90m, 6h or 7d\n", pos[0])
		return exitUsage
	}
	if *url == "" || *token == "" {
		return e.noSandbox("sandbox advance")
	}
	ctx, stop := signal.NotifyContext(e.context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cj, err := newSandboxClient(*url, *token).advance(ctx, d)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero sandbox advance: %v\n", err)
		return exitInvalid
	}
	if *asJSON {
		return e.printJSON("sandbox advance", cj)
	}
	fmt.Fprintf(e.stdout, "Sandbox time is now %s: %s delivered, %s timed out.\n", showTime(cj.Now, time.UTC),
		plural(cj.Replies, "1 reply", fmt.Sprintf("%d replies", cj.Replies)),
		plural(cj.Timeouts, "1 question", fmt.Sprintf("%d questions", cj.Timeouts)))
	return exitOK
}

const sandboxSMSDoc = `Sms makes the running sandbox's RapidPro receive TEXT from the phone PHONE,
as if its owner had sent it: to answer a test by hand (a phone started
with --by-hand), to approve or reject as the Director would ("APPROVE
123456"), or to try an approval from the wrong phone.`

func runSandboxSMS(e *env, args []string) int {
	fs, url, token := e.sandboxTarget("sandbox sms")
	from := fs.String("from", "", "the phone the SMS comes from (local numbers are read as Liberian)")
	pos, status, ok := e.parseSub(fs, args, "--from PHONE TEXT", sandboxSMSDoc)
	if !ok {
		return status
	}
	if *from == "" || len(pos) == 0 {
		fmt.Fprintln(e.stderr, "mhero sandbox sms: give the phone (--from) and the text")
		e.subUsage(e.stderr, fs, "--from PHONE TEXT", sandboxSMSDoc)
		return exitUsage
	}
	urn, err := rapidpro.PhoneURN(*from, "LR")
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero sandbox sms: --from: %v\n", err)
		return exitUsage
	}
	if *url == "" || *token == "" {
		return e.noSandbox("sandbox sms")
	}
	ctx, stop := signal.NotifyContext(e.context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	text := strings.Join(pos, " ")
	if err := newSandboxClient(*url, *token).sms(ctx, urn, text); err != nil {
		fmt.Fprintf(e.stderr, "mhero sandbox sms: %v\n", err)
		return exitInvalid
	}
	fmt.Fprintf(e.stdout, "SMS from %s received: %q\n", rapidpro.MaskURN(urn), text)
	return exitOK
}
