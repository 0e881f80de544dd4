package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"os/signal"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	_ "time/tzdata" // the workspace's time zone, on any system

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

const monitorDoc = `Monitor refreshes the store of the tracked workflows from RapidPro (their
runs, the flow starts and the delivery status of the messages sent for
them), fetching only what changed since the last refresh, and prints each
workflow's headline rates and what changed since then. --flow tracks a
workflow first, and refreshes only it: a flow of the workspace by name or
UUID, or a workflow file or built-in example that was imported there.

The store (--db) is a SQLite file or a postgres:// DSN; give it the one
that mhero target sync uses, so that answers are placed by the district,
facility and cadre each health worker had when the workflow reached them.
mhero report writes the SOP's reports from the store, offline. A refresh
interrupted (Ctrl-C, a kill) loses nothing: run it again.

RapidPro comes from the flags or from RAPIDPRO_URL and RAPIDPRO_TOKEN.
--sandbox runs on in-process servers instead: a generated workforce is
synced, the workflow (--flow, default malaria-stock) is sent to it, and
simulated health workers answer for --days simulated days, 20% of them out
of coverage, 10% never answering, one question misunderstood by half of
them and one district answering far less: what the numbers should show.`

func runMonitor(e *env, args []string) int {
	fs := e.newFlagSet("monitor")
	o := monitorFlags(e, fs)
	flowName := fs.String("flow", "", "track this workflow and refresh only it: a flow name or UUID, or a workflow file or example (--sandbox: the one to send)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	pos, status, ok := e.parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "mhero monitor: unexpected argument %q\n", pos[0])
		commandUsage(e.stderr, fs)
		return exitUsage
	}
	if msg := o.check(fs); msg != "" {
		fmt.Fprintf(e.stderr, "mhero monitor: %s\n", msg)
		return exitUsage
	}
	if !o.sandbox && (o.rpURL == "" || o.rpToken == "") {
		fmt.Fprintf(e.stderr, "mhero monitor: %s\n\n%s", missingRapidPro(o.rpURL, o.rpToken), noRapidProHelp("monitor"))
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	s, err := o.open(ctx, e, "monitor", *flowName)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero monitor: %v\n", explainRapidPro(err, o.rpURL))
		return exitInvalid
	}
	defer s.close()
	var only []string
	if s.world != nil {
		only = []string{s.world.flow}
	} else if *flowName != "" {
		uuid, err := s.track(ctx, *flowName)
		if err != nil {
			fmt.Fprintf(e.stderr, "mhero monitor: %v\n", explainRapidPro(err, o.rpURL))
			return exitInvalid
		}
		only = []string{uuid}
	}
	tracked, err := s.mon.Flows(ctx)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero monitor: %v\n", err)
		return exitInvalid
	}
	if len(tracked) == 0 {
		fmt.Fprintf(e.stderr, "mhero monitor: no workflow is tracked in %s for this workspace yet; name one with --flow NAME|UUID.\n", o.dbName())
		s.listFlows(ctx, e.stderr)
		return exitUsage
	}
	last := map[string]time.Time{}
	for _, f := range tracked {
		last[f.UUID] = f.RefreshedOn
	}

	bar := newRefreshBar(e.stderr)
	s.progress.Store(&bar)
	refreshed, err := s.mon.Refresh(ctx, s.rp, only...)
	bar.done()
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero monitor: %v\n", explainRapidPro(err, o.rpURL))
		if errors.Is(err, context.Canceled) {
			fmt.Fprintln(e.stderr, "The refresh was interrupted; run it again to finish it: nothing is lost or counted twice.")
		}
		return exitInvalid
	}
	// The time the refresh recorded, as the store keeps it (to the
	// microsecond), so that the next refresh's LastRefresh is equal.
	at := time.Time{}
	for _, fr := range refreshed.Flows {
		if fr.Flow.RefreshedOn.After(at) {
			at = fr.Flow.RefreshedOn
		}
	}
	out := monitorResult{Workspace: s.mon.Workspace(), Server: s.server, Sandbox: s.world.truth(), RefreshedAt: at.Truncate(time.Microsecond).UTC(),
		Starts: refreshed.Starts, Messages: refreshed.Messages, Calls: refreshed.Calls, Took: refreshed.Took.Round(time.Millisecond).String(),
		Warnings: refreshed.Warnings}
	for _, fr := range refreshed.Flows {
		a, err := s.mon.Analyze(ctx, fr.Flow.UUID, analytics.Filter{})
		if err != nil {
			fmt.Fprintf(e.stderr, "mhero monitor: %v\n", err)
			return exitInvalid
		}
		sends, err := s.mon.Sends(ctx, fr.Flow.UUID)
		if err != nil {
			fmt.Fprintf(e.stderr, "mhero monitor: %v\n", err)
			return exitInvalid
		}
		st := workflowStatus(fr, a, last[fr.Flow.UUID])
		st.TestStarts, st.TestContacted = testStarts(a, sends)
		out.Workflows = append(out.Workflows, st)
	}
	if *asJSON {
		return e.printJSON("monitor", out)
	}
	out.print(e.stdout, s.loc)
	return exitOK
}

// monitorOptions are the flags monitor and report share: where the store
// is, which RapidPro, or the sandbox.
type monitorOptions struct {
	db               string
	rpURL, rpToken   string
	sandboxURL       string // a running mhero sandbox's control URL
	rate             int
	sandbox          bool
	workers          int
	seed             uint64
	days             int
	defaultWorkflow  string
	dbFlag           bool // --db was given
	sandboxTmpDBUsed bool
}

func monitorFlags(e *env, fs *flag.FlagSet) *monitorOptions {
	o := sandboxFlags(e, fs, "send a workflow on in-process servers with simulated health workers, then monitor it")
	fs.StringVar(&o.rpURL, "rapidpro-url", e.env("RAPIDPRO_URL"), "RapidPro server (env RAPIDPRO_URL)")
	e.secretVar(fs, &o.rpToken, "rapidpro-token", "RAPIDPRO_TOKEN", "RapidPro API `token` (env RAPIDPRO_TOKEN)")
	fs.IntVar(&o.rate, "rate", rapidpro.DefaultRatePerHour, "the workspace's API budget per throttle scope and hour")
	fs.StringVar(&o.sandboxURL, "sandbox-url", e.env("MHERO_SANDBOX"), "a running mhero sandbox's control URL, whose simulated clock dates the refresh (env MHERO_SANDBOX)")
	return o
}

// sandboxWorkers is the default size of a generated registry, the same
// for every command that makes one, so that their numbers can be compared.
const sandboxWorkers = 5000

// sandboxFlags declares --db and the sandbox's flags.
func sandboxFlags(e *env, fs *flag.FlagSet, doc string) *monitorOptions {
	o := &monitorOptions{defaultWorkflow: "malaria-stock", rate: rapidpro.DefaultRatePerHour}
	fs.StringVar(&o.db, "db", cmp.Or(e.env("MHERO_DB"), "mhero.db"), "the store: a SQLite file or a postgres:// DSN (env MHERO_DB)")
	fs.BoolVar(&o.sandbox, "sandbox", false, doc)
	fs.IntVar(&o.workers, "workers", sandboxWorkers, "--sandbox: health workers in the generated registry")
	fs.Uint64Var(&o.seed, "seed", 1, "--sandbox: seed of the registry and of the health workers' behaviour")
	fs.IntVar(&o.days, "days", 4, "--sandbox: simulated days of answers before the refresh")
	return o
}

// check returns what is wrong with the flags, or "".
func (o *monitorOptions) check(fs *flag.FlagSet) string {
	o.dbFlag = flagSet(fs, "db")
	switch {
	case o.rate <= 0:
		return fmt.Sprintf("--rate %d is not positive", o.rate)
	case o.sandbox && (o.workers < 10 || o.workers > 200_000):
		return fmt.Sprintf("--workers %d: want 10 to 200000 health workers", o.workers)
	case o.sandbox && (o.days < 1 || o.days > 60):
		return fmt.Sprintf("--days %d: want 1 to 60 days", o.days)
	case !o.sandbox && (flagSet(fs, "workers") || flagSet(fs, "seed") || flagSet(fs, "days")):
		return "--workers, --seed and --days go with --sandbox"
	case o.sandbox && (flagSet(fs, "rapidpro-url") || flagSet(fs, "rapidpro-token") || flagSet(fs, "sandbox-url")):
		return "--sandbox runs on in-process servers of its own: leave out --rapidpro-url, --rapidpro-token and --sandbox-url"
	}
	return ""
}

// dbName is the store as messages name it (a DSN without its password).
func (o *monitorOptions) dbName() string {
	if o.sandboxTmpDBUsed {
		return "the sandbox's temporary store"
	}
	if isPostgres(o.db) {
		if u, err := url.Parse(o.db); err == nil {
			return u.Redacted()
		}
		return "the PostgreSQL store"
	}
	return o.db
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// monitorSession is an open store and Monitor, with the RapidPro they
// refresh from (or the sandbox world standing in for it).
type monitorSession struct {
	db     *store.DB
	mon    *analytics.Monitor
	rp     *rapidpro.Client
	server string // RapidPro's URL
	loc    *time.Location
	now    func() time.Time
	world  *sandboxWorld
	// progress is where the refresh reports (set once the bar exists).
	progress atomic.Pointer[*refreshBar]
	cleanup  []func()
}

func (s *monitorSession) close() {
	for _, f := range slices.Backward(s.cleanup) {
		f()
	}
}

// open connects to RapidPro (or builds the sandbox world, sending
// workflow there), opens the store and makes the Monitor of the
// workspace.
func (o *monitorOptions) open(ctx context.Context, e *env, holder, workflowName string) (_ *monitorSession, err error) {
	s := &monitorSession{now: time.Now, server: o.rpURL}
	defer func() {
		if err != nil {
			s.close()
		}
	}()
	dsn := o.db
	if o.sandbox && !o.dbFlag {
		// The sandbox's servers are new each time: a store kept from an
		// earlier run would describe a workspace that is gone.
		dir, err := os.MkdirTemp("", "mhero-sandbox")
		if err != nil {
			return nil, err
		}
		s.cleanup = append(s.cleanup, func() { os.RemoveAll(dir) })
		dsn = filepath.Join(dir, "mhero.db")
		o.sandboxTmpDBUsed = true
	}
	if s.db, err = openStore(ctx, dsn); err != nil {
		return nil, err
	}
	s.cleanup = append(s.cleanup, func() { s.db.Close() })
	if o.sandbox {
		s.world, err = startSandboxWorld(ctx, e, sandboxWorldConfig{workers: o.workers, seed: o.seed, days: o.days,
			workflow: cmp.Or(workflowName, o.defaultWorkflow)}, s.db)
		if err != nil {
			return nil, err
		}
		s.cleanup = append(s.cleanup, s.world.sb.Close)
		s.rp, s.server, s.now = s.world.rp, s.world.sb.RapidPro.URL(), s.world.sb.Now
	} else {
		if s.rp, err = rapidpro.NewClient(o.rpURL, o.rpToken, rapidpro.WithRateLimit(o.rate, 1)); err != nil {
			return nil, fmt.Errorf("RapidPro: %w", err)
		}
	}
	ws, err := s.rp.Workspace.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("RapidPro: %w", err)
	}
	if o.sandboxURL != "" && !o.sandbox {
		// A running mhero sandbox: its time is simulated, and the
		// refreshes are dated by it, as the runs are.
		c := newSandboxClient(o.sandboxURL, o.rpToken)
		if _, err := c.readClock(ctx); err != nil {
			return nil, err
		}
		s.now = c.now
	}
	s.loc = time.UTC
	if ws.Timezone != "" {
		if loc, err := time.LoadLocation(ws.Timezone); err == nil {
			s.loc = loc
		}
	}
	attrs, err := target.NewAttributeStore(ctx, s.db, ws.UUID)
	if err != nil {
		return nil, err
	}
	s.mon, err = analytics.New(ctx, s.db, ws.UUID, analytics.WithDirectory(analytics.TargetDirectory(attrs)),
		analytics.WithLocation(s.loc), analytics.WithClock(s.now), analytics.WithHolder(holderName(holder)),
		analytics.WithProgress(func(p analytics.Progress) {
			if b := s.progress.Load(); b != nil {
				(*b).update(p)
			}
		}))
	if err != nil {
		return nil, err
	}
	if s.world != nil {
		if err := s.mon.TrackRapidPro(ctx, s.rp, s.world.flow); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// holderName names this process in the store's refresh lock, so that a
// Data Manager kept waiting is told who refreshes.
func holderName(cmd string) string {
	who := "someone"
	if u, err := user.Current(); err == nil && u.Username != "" {
		who = u.Username
	}
	host, _ := os.Hostname()
	return strings.TrimSuffix(fmt.Sprintf("mhero %s by %s@%s", cmd, who, host), "@")
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// track tracks the flow name names and returns its UUID: a UUID, a flow
// name of the workspace, or a workflow file or built-in example whose
// compiled flow was imported there.
func (s *monitorSession) track(ctx context.Context, name string) (string, error) {
	uuid := ""
	if uuidPattern.MatchString(name) {
		uuid = strings.ToLower(name)
	} else {
		var names []string
		for f, err := range s.rp.Flows.List(ctx, nil) {
			if err != nil {
				return "", fmt.Errorf("RapidPro: listing flows: %w", err)
			}
			if strings.EqualFold(f.Name, name) {
				uuid = f.UUID
				break
			}
			names = append(names, f.Name)
		}
		if uuid == "" {
			w, err := parseWorkflow(name)
			if err != nil {
				return "", fmt.Errorf("no flow named %q in the workspace (it has: %s), and %v", name, listNames(names, 8), err)
			}
			exp, err := workflow.Compile(w)
			if err != nil {
				return "", err
			}
			uuid = exp.Flows[0].UUID
		}
	}
	if _, err := s.rp.Flows.Get(ctx, uuid); err != nil {
		if errors.Is(err, rapidpro.ErrNotFound) {
			return "", fmt.Errorf("flow %s (%s) is not in the workspace: compile the workflow (mhero compile FILE -o export.json) and import it in RapidPro under Settings > Import", name, uuid)
		}
		return "", fmt.Errorf("RapidPro: %w", err)
	}
	return uuid, s.mon.TrackRapidPro(ctx, s.rp, uuid)
}

// listFlows prints the workspace's flows, to choose one to track.
func (s *monitorSession) listFlows(ctx context.Context, w io.Writer) {
	var lines []string
	for f, err := range s.rp.Flows.List(ctx, nil) {
		if err != nil {
			return
		}
		if !f.Archived && f.Type != "background" {
			lines = append(lines, fmt.Sprintf("  %s  %s", f.UUID, f.Name))
		}
	}
	if len(lines) == 0 {
		fmt.Fprintln(w, "The workspace has no flow yet: compile a workflow (mhero compile FILE -o export.json) and import it under Settings > Import.")
		return
	}
	fmt.Fprintln(w, "The workspace's flows:")
	for i, l := range lines {
		if i == 20 {
			fmt.Fprintf(w, "  and %d more\n", len(lines)-20)
			break
		}
		fmt.Fprintln(w, l)
	}
}

func listNames(names []string, n int) string {
	if len(names) == 0 {
		return "none"
	}
	if len(names) > n {
		return strings.Join(names[:n], ", ") + fmt.Sprintf(" and %d more", len(names)-n)
	}
	return strings.Join(names, ", ")
}

func missingRapidPro(u, token string) string {
	var miss []string
	if u == "" {
		miss = append(miss, "RAPIDPRO_URL")
	}
	if token == "" {
		miss = append(miss, "RAPIDPRO_TOKEN")
	}
	return "no RapidPro to work with: " + strings.Join(miss, " and ") + " not set"
}

func noRapidProHelp(cmd string) string {
	return fmt.Sprintf(`Give the server as flags (--rapidpro-url, --rapidpro-token) or in the
environment:

  export RAPIDPRO_URL=https://rapidpro.example.org RAPIDPRO_TOKEN=...

or start the sandbox, in-process iHRIS and RapidPro servers with simulated
health workers, in another terminal and export the lines it prints:

  go run ./examples/mhero sandbox

or run once on a sandbox that sends a workflow and lets simulated days pass:

  go run ./examples/mhero %s --sandbox
`, cmd)
}

// explainRapidPro turns the errors met first into advice.
func explainRapidPro(err error, rpURL string) error {
	var opErr *net.OpError
	var urlErr *url.Error
	var rpErr *rapidpro.Error
	var locked *store.LockedError
	switch {
	case errors.As(err, &rpErr) && rpErr.IsInvalidToken():
		return errors.New("RapidPro refused the token: check RAPIDPRO_TOKEN (an API token of a workspace user, from RapidPro's account page)")
	case errors.As(err, &locked):
		return fmt.Errorf("%v\nAnother refresh of this workspace holds the store's lock; wait for it, or stop it", err)
	case errors.As(err, &opErr) || errors.As(err, &urlErr):
		return fmt.Errorf("%v\nIs RapidPro running, and is RAPIDPRO_URL (%s) right?", err, rpURL)
	}
	return err
}

// monitorResult is what monitor prints (and --json writes).
type monitorResult struct {
	Workspace string `json:"workspace"`
	Server    string `json:"server"`
	// Sandbox says how the simulated health workers were set to behave.
	Sandbox     *sandboxTruth  `json:"sandbox,omitempty"`
	RefreshedAt time.Time      `json:"refreshedAt"`
	Starts      int            `json:"starts"`
	Messages    int            `json:"messages"`
	Calls       map[string]int `json:"calls"`
	Took        string         `json:"took"`
	Warnings    []string       `json:"warnings,omitempty"`
	Workflows   []flowStatus   `json:"workflows"`
}

// flowStatus is one workflow's headline numbers after a refresh.
type flowStatus struct {
	UUID string `json:"uuid"`
	Name string `json:"name"`
	// LastRefresh is when the refresh before this one was made (zero for
	// the first).
	LastRefresh time.Time `json:"lastRefresh,omitzero"`
	// Runs counts the runs fetched (new or changed), NewRuns those new.
	Runs    int              `json:"runs"`
	NewRuns int              `json:"newRuns"`
	Counts  analytics.Counts `json:"counts"`
	Before  analytics.Counts `json:"before"`
	// Rates are the headline rates, now and at the last refresh.
	Rates         []headlineRate          `json:"rates"`
	NonResponders []analytics.ReasonCount `json:"nonResponders"`
	// Flags are the analyses' findings: misunderstood questions, groups
	// that answer far less, changes between sends; in plain sentences.
	Flags []string `json:"flags,omitempty"`
	// TestStarts counts the flow starts that name contacts but no group
	// (tests on phones), TestContacted the health workers they contacted:
	// Counts include them, usecase monitor (one send) does not.
	TestStarts    int `json:"testStarts,omitempty"`
	TestContacted int `json:"testContacted,omitempty"`
}

// testStarts counts a workflow's flow starts that name no group, and the
// contacts their runs reached.
func testStarts(a *analytics.Analysis, sends []analytics.Send) (starts, contacted int) {
	direct := map[string]bool{}
	for _, s := range sends {
		if len(s.Groups) == 0 {
			direct[s.UUID] = true
		}
	}
	if b, ok := a.Breakdown(analytics.BySend); ok {
		for _, g := range b.Groups {
			if direct[g.Key] {
				contacted += g.Contacted
			}
		}
	}
	return len(direct), contacted
}

// headlineRate is a rate now and at the last refresh.
type headlineRate struct {
	Name    string  `json:"name"`
	N       int     `json:"n"`
	Of      int     `json:"of"`
	Percent float64 `json:"percent"`
	// Before is the rate at the last refresh (in percent), Change the
	// difference in percentage points.
	Before float64 `json:"before"`
	Change float64 `json:"change"`
}

func workflowStatus(fr analytics.FlowRefresh, a *analytics.Analysis, last time.Time) flowStatus {
	st := flowStatus{UUID: fr.Flow.UUID, Name: fr.Flow.Name, LastRefresh: last, Runs: fr.Runs, NewRuns: fr.NewRuns,
		Counts: fr.After, Before: fr.Before, NonResponders: a.NonResponders}
	rates := []struct {
		name string
		of   func(analytics.Counts) analytics.Rate
	}{
		{"delivered", analytics.Counts.DeliveryRate},
		{"failed (likely out of coverage)", analytics.Counts.FailureRate},
		{"responded", analytics.Counts.ResponseRate},
		{"answered every question", analytics.Counts.CompletionRate},
		{"completed the workflow", func(c analytics.Counts) analytics.Rate { return analytics.Rate{N: c.Completed, Of: c.Contacted} }},
	}
	for _, r := range rates {
		now, before := r.of(fr.After), r.of(fr.Before)
		st.Rates = append(st.Rates, headlineRate{Name: r.name, N: now.N, Of: now.Of, Percent: round1(now.Percent()),
			Before: round1(before.Percent()), Change: round1(now.Percent() - before.Percent())})
	}
	for _, q := range a.Misunderstood {
		if q.Misunderstood != nil {
			st.Flags = append(st.Flags, q.Misunderstood.Statement)
		}
	}
	for _, g := range a.Low {
		st.Flags = append(st.Flags, g.Statement)
	}
	for _, c := range a.Trends {
		if c.Test.Significant {
			st.Flags = append(st.Flags, c.Statement)
		}
	}
	return st
}

func round1(v float64) float64 { return math.Round(v*10) / 10 }

func (r *monitorResult) print(w io.Writer, loc *time.Location) {
	runs, fresh := 0, 0
	for _, f := range r.Workflows {
		runs += f.Runs
		fresh += f.NewRuns
	}
	calls := 0
	for _, n := range r.Calls {
		calls += n
	}
	fmt.Fprintf(w, "Refreshed %s from %s in %s: %s (%d new), %s, %s; API calls: %s\n",
		plural(len(r.Workflows), "1 workflow", fmt.Sprintf("%d workflows", len(r.Workflows))), r.Server, r.Took,
		plural(runs, "1 run", fmt.Sprintf("%s runs", thousands(runs))), fresh,
		plural(r.Starts, "1 flow start", fmt.Sprintf("%d flow starts", r.Starts)),
		plural(r.Messages, "1 message", fmt.Sprintf("%s messages", thousands(r.Messages))), scopes(r.Calls))
	for _, warn := range r.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", warn)
	}
	for _, f := range r.Workflows {
		fmt.Fprintln(w)
		since := "since the last refresh"
		if f.LastRefresh.IsZero() {
			since = "(first refresh)"
		} else {
			since = "since " + showTime(f.LastRefresh, loc)
		}
		fmt.Fprintf(w, "%s (%s), as of %s\n", f.Name, f.UUID, showTime(r.RefreshedAt, loc))
		fmt.Fprintf(w, "  %-33s %-22s %s\n", "", "now", since)
		change := fmt.Sprintf("%+d", f.Counts.Contacted-f.Before.Contacted)
		if f.LastRefresh.IsZero() {
			change = ""
		}
		fmt.Fprintf(w, "  %-33s %-22s %s\n", "contacted", thousands(f.Counts.Contacted), change)
		if f.TestStarts > 0 {
			fmt.Fprintf(w, "  (of whom %s by %s naming contacts, not a group: tests; usecase monitor counts only the send)\n",
				thousands(f.TestContacted), plural(f.TestStarts, "1 flow start", fmt.Sprintf("%d flow starts", f.TestStarts)))
		}
		for _, hr := range f.Rates {
			rate := analytics.Rate{N: hr.N, Of: hr.Of}.String()
			change := ""
			if !f.LastRefresh.IsZero() {
				change = points(hr.Change)
			}
			fmt.Fprintf(w, "  %-33s %-22s %s\n", hr.Name, rate, change)
		}
		c := f.Counts
		fmt.Fprintf(w, "  runs: %s completed, %s expired, %s interrupted, %s errored, %s still active\n",
			thousands(c.Completed), thousands(c.Expired), thousands(c.Interrupted), thousands(c.Errored), thousands(c.Active))
		if !f.LastRefresh.IsZero() {
			fmt.Fprintf(w, "  since the last refresh: %s, %s updated\n",
				plural(f.NewRuns, "1 new run", fmt.Sprintf("%s new runs", thousands(f.NewRuns))), thousands(f.Runs-f.NewRuns))
		}
		var parts []string
		for _, rc := range f.NonResponders {
			parts = append(parts, fmt.Sprintf("%s %s", thousands(rc.Count), rc.Reason.Label()))
		}
		fmt.Fprintf(w, "  non-responders: %s\n", strings.Join(parts, ", "))
		for _, fl := range f.Flags {
			fmt.Fprintf(w, "  ! %s\n", fl)
		}
	}
	if r.Sandbox != nil {
		fmt.Fprintf(w, "\nSandbox ground truth: %s\n", r.Sandbox.Summary)
	}
	fmt.Fprintln(w, "\nReports: mhero report overview|analysis|monitoring|monthly|floip (from the same --db).")
}

// points formats a change of a rate in percentage points.
func points(v float64) string {
	if v > -0.05 && v < 0.05 {
		return "no change"
	}
	return fmt.Sprintf("%+.1f pts", v)
}

// thousands formats n with comma thousands separators, as reports do.
func thousands(n int) string {
	s := fmt.Sprint(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// refreshBar draws a refresh's progress on a terminal: the stage, the
// records read and the API calls made. It draws nothing when stderr is
// not a terminal.
type refreshBar struct{ statusLine }

func newRefreshBar(w io.Writer) *refreshBar { return &refreshBar{newStatusLine(w)} }

func (b *refreshBar) update(p analytics.Progress) {
	if !b.due(p.Stage == analytics.StageDone) {
		return
	}
	calls := 0
	for _, n := range p.Calls {
		calls += n
	}
	b.draw(fmt.Sprintf("Refreshing: %s %s · %d API calls", p.Stage, thousands(p.Done), calls))
}

// The sandbox world: a generated workforce synced to RapidPro, a workflow
// sent to all of it, and simulated health workers who answer as the
// ground-truth mix says.

// sandboxMix is the field picture the ground truth sets: 20% out
// of coverage, 10% who never answer; lowMix that of the district that
// answers far less.
var (
	sandboxMix = sandbox.Mix{sandbox.Responsive: 0.60, sandbox.OutOfCoverage: 0.20, sandbox.Silent: 0.10, sandbox.Confused: 0.05, sandbox.DropsOut: 0.05}
	lowMix     = sandbox.Mix{sandbox.Responsive: 0.15, sandbox.OutOfCoverage: 0.20, sandbox.Silent: 0.55, sandbox.Confused: 0.05, sandbox.DropsOut: 0.05}
)

type sandboxWorldConfig struct {
	workers  int
	seed     uint64
	days     int
	workflow string
}

type sandboxWorld struct {
	sb   *sandbox.Sandbox
	rp   *rapidpro.Client
	flow string    // the flow's UUID
	sent time.Time // when it was sent
	// the ground truth set
	truthInfo sandboxTruth
}

// sandboxTruth is how the sandbox's health workers were set to behave.
type sandboxTruth struct {
	Workers       int     `json:"workers"`
	Sent          int     `json:"sent"`
	OutOfCoverage float64 `json:"outOfCoverage"`
	NeverAnswer   float64 `json:"neverAnswer"`
	// Misunderstood is the result key of the question half the workers
	// misunderstand at first; LowDistrict the district that answers far
	// less.
	Misunderstood string `json:"misunderstood,omitempty"`
	LowDistrict   string `json:"lowDistrict,omitempty"`
	Days          int    `json:"days"`
	Summary       string `json:"summary"`
}

func (w *sandboxWorld) truth() *sandboxTruth {
	if w == nil {
		return nil
	}
	t := w.truthInfo
	return &t
}

// startSandboxWorld starts the sandbox with the ground-truth behaviour,
// syncs its whole workforce to RapidPro as a target group (recording their
// attributes in db, as mhero target sync does), imports and sends the
// workflow, and lets cfg.days of simulated time pass.
func startSandboxWorld(ctx context.Context, e *env, cfg sandboxWorldConfig, db *store.DB) (_ *sandboxWorld, err error) {
	w, err := parseWorkflow(cfg.workflow)
	if err != nil {
		return nil, err
	}
	// The question misunderstood: the second that can be (one that takes
	// any text cannot), or the first.
	confusing := ""
	n := 0
	for _, q := range w.Questions {
		if q.Type == workflow.TypeText || q.Type == workflow.TypeAny {
			continue
		}
		if n++; n <= 2 {
			confusing = q.Result
		}
	}
	var low atomic.Pointer[string]
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: cfg.workers, Seed: cfg.seed}, Seed: cfg.seed, Mix: sandboxMix,
		MixFor: func(fields map[string]string) sandbox.Mix {
			if l := low.Load(); l != nil && fields["district"] == *l {
				return lowMix
			}
			return nil
		},
		Misunderstood: map[string]float64{confusing: 0.5}})
	if err != nil {
		return nil, err
	}
	world, err := sendInSandbox(ctx, sb, db, w, cfg.days, func(d string) { low.Store(&d) })
	if err != nil {
		sb.Close()
		return nil, err
	}
	t := &world.truthInfo
	t.Workers, t.OutOfCoverage, t.NeverAnswer, t.Misunderstood = cfg.workers, sandboxMix[sandbox.OutOfCoverage], sandboxMix[sandbox.Silent], confusing
	t.Summary = fmt.Sprintf("%q sent on %s to the %s reachable of %s generated health workers, %s of simulated answers; "+
		"%.0f%% set out of coverage and %.0f%% never to answer", w.Name, showTime(world.sent, time.UTC), thousands(t.Sent), thousands(cfg.workers),
		plural(cfg.days, "1 day", fmt.Sprintf("%d days", cfg.days)), 100*t.OutOfCoverage, 100*t.NeverAnswer)
	if confusing != "" {
		t.Summary += fmt.Sprintf(", question %s misunderstood by half of them", confusing)
	}
	if t.LowDistrict != "" {
		t.Summary += fmt.Sprintf(", district %s set to answer far less (%.0f%% never answer there)", t.LowDistrict, 100*lowMix[sandbox.Silent])
	}
	t.Summary += "."
	fmt.Fprintf(e.stderr, "Sandbox: iHRIS at %s, RapidPro at %s\n", sb.IHRIS.URL(), sb.RapidPro.URL())
	return world, nil
}

// sendInSandbox syncs the sandbox's whole workforce to its RapidPro as a
// target group, recording their attributes in db; names the largest
// district to setLow (which may make it answer less) before the first
// flow reaches anyone; imports and sends the workflow, and lets days of
// simulated time pass.
func sendInSandbox(ctx context.Context, sb *sandbox.Sandbox, db *store.DB, w *workflow.Workflow, days int, setLow func(district string)) (*sandboxWorld, error) {
	exp, err := workflow.Compile(w)
	if err != nil {
		return nil, err
	}
	fc, err := fhir.NewClient(sb.IHRIS.URL())
	if err != nil {
		return nil, err
	}
	reg, err := ihris.NewRegistry(fc, ihris.WithPageSize(500))
	if err != nil {
		return nil, err
	}
	rp, err := rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing(), rapidpro.WithWorkspace(sb.RapidPro.WorkspaceUUID()))
	if err != nil {
		return nil, err
	}
	syncer, err := target.New(ctx, reg, rp, db, target.WithClock(sb.Now))
	if err != nil {
		return nil, err
	}
	sum, err := syncer.Sync(ctx, target.Group{Name: w.Name + " (sandbox)", Country: "LR"}, false)
	if err != nil {
		return nil, err
	}
	// The district that answers far less: the largest, so that the
	// finding rests on many workers.
	attrs, err := target.NewAttributeStore(ctx, db, sb.RapidPro.WorkspaceUUID())
	if err != nil {
		return nil, err
	}
	byDistrict := map[string]int{}
	for a, err := range attrs.All(ctx, sb.Now()) {
		if err != nil {
			return nil, err
		}
		if a.District != "" {
			byDistrict[a.District]++
		}
	}
	lowDistrict := largest(byDistrict)
	if setLow != nil {
		setLow(lowDistrict)
	} else {
		lowDistrict = ""
	}

	data, err := flow.MarshalExport(exp)
	if err != nil {
		return nil, err
	}
	if _, err := sb.RapidPro.ImportFlows(data); err != nil {
		return nil, err
	}
	if _, err := rp.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: exp.Flows[0].UUID, Groups: []string{sum.GroupUUID},
		RestartParticipants: rapidpro.Ptr(false)}); err != nil {
		return nil, err
	}
	sent := sb.Now()
	if _, err := sb.Settle(ctx, time.Duration(days)*24*time.Hour); err != nil {
		return nil, err
	}
	return &sandboxWorld{sb: sb, rp: rp, flow: exp.Flows[0].UUID, sent: sent,
		truthInfo: sandboxTruth{Sent: sum.Reachable, LowDistrict: lowDistrict, Days: days}}, nil
}
