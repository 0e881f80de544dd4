package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
)

const targetDoc = `Target works with a target group defined in FILE.yaml (name, country,
iHRIS criteria, phone policy, workers and numbers added or excluded):

  preview  how many health workers it reaches, by place and cadre, and
           everyone it cannot reach with the reason
  plan     what a sync would write and what it costs: contacts to create
           and update, group changes, API calls per throttle scope and the
           time they take at the workspace's rate (--rate), the cheaper
           flow-start path, and the query of an equivalent smart group
  sync     make RapidPro match: contacts, fields and the group (--dry-run
           prints the plan instead; --full reconciles every worker)

Servers come from the flags or from RAPIDPRO_URL, RAPIDPRO_TOKEN, IHRIS_URL,
IHRIS_USER and IHRIS_PASSWORD (or IHRIS_TOKEN). --sandbox uses in-process
servers with a generated workforce instead. The sync's state (the contact
mirror, checkpoints, the journal that makes an interrupted sync resumable)
lives in --db: a SQLite file, or a postgres:// DSN shared by several Data
Managers (with --sandbox, a temporary file unless --db is given). A sync
can be interrupted (Ctrl-C, or a kill) and run again.`

func runTarget(e *env, args []string) int {
	fs := e.newFlagSet("target")
	dryRun := fs.Bool("dry-run", false, "sync: print the plan, write nothing")
	full := fs.Bool("full", false, "reconcile every worker, not only iHRIS's changes since the last sync")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	dbDSN := fs.String("db", cmp.Or(e.env("MHERO_DB"), "mhero.db"), "the store: a SQLite file or a postgres:// DSN (env MHERO_DB)")
	rate := fs.Int("rate", rapidpro.DefaultRatePerHour, "the workspace's API budget per throttle scope and hour")
	writeBack := fs.Bool("write-back", false, "sync: write each contact's UUID back to its Practitioner in iHRIS")
	rpURL := fs.String("rapidpro-url", e.env("RAPIDPRO_URL"), "RapidPro server (env RAPIDPRO_URL)")
	rpToken := e.secretFlag(fs, "rapidpro-token", "RAPIDPRO_TOKEN", "RapidPro API `token` (env RAPIDPRO_TOKEN)")
	ihrisURL := fs.String("ihris-url", e.env("IHRIS_URL"), "iHRIS FHIR base URL (env IHRIS_URL)")
	ihrisUser := fs.String("ihris-user", e.env("IHRIS_USER"), "iHRIS user, with --ihris-password (env IHRIS_USER)")
	ihrisPassword := e.secretFlag(fs, "ihris-password", "IHRIS_PASSWORD", "iHRIS `password` (env IHRIS_PASSWORD)")
	ihrisToken := e.secretFlag(fs, "ihris-token", "IHRIS_TOKEN", "iHRIS bearer `token`, instead of a user (env IHRIS_TOKEN)")
	useSandbox := fs.Bool("sandbox", false, "use in-process iHRIS and RapidPro servers with a generated workforce")
	workers := fs.Int("workers", sandboxWorkers, "--sandbox: health workers in the generated registry")
	seed := fs.Uint64("seed", 1, "--sandbox: seed of the generated registry")
	pos, status, ok := e.parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) != 2 || !slices.Contains([]string{"preview", "plan", "sync"}, pos[0]) {
		if len(pos) == 0 {
			fmt.Fprintln(e.stderr, "mhero target: missing preview, plan or sync, and the target file")
		} else if !slices.Contains([]string{"preview", "plan", "sync"}, pos[0]) {
			fmt.Fprintf(e.stderr, "mhero target: unknown action %q (preview, plan or sync)\n", pos[0])
		} else {
			fmt.Fprintf(e.stderr, "mhero target %s: expected one target file\n", pos[0])
		}
		commandUsage(e.stderr, fs)
		return exitUsage
	}
	action, file := pos[0], pos[1]
	if *rate <= 0 {
		fmt.Fprintf(e.stderr, "mhero target: --rate %d is not positive\n", *rate)
		return exitUsage
	}
	g, err := target.ParseGroupFile(file)
	if err != nil {
		// Problems of the file are positioned (file:line:col: ...) and
		// printed as they are; anything else says which command failed.
		if _, ok := errors.AsType[*os.PathError](err); ok {
			fmt.Fprintf(e.stderr, "mhero target: %v\n", err)
		} else {
			fmt.Fprintln(e.stderr, err)
		}
		return exitInvalid
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	srv := servers{rpURL: *rpURL, rpToken: *rpToken, ihrisURL: *ihrisURL, ihrisUser: *ihrisUser, ihrisPassword: *ihrisPassword, ihrisToken: *ihrisToken, rate: *rate}
	if *useSandbox {
		sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: *workers, Seed: *seed}, Seed: *seed})
		if err != nil {
			fmt.Fprintf(e.stderr, "mhero target: %v\n", err)
			return exitInvalid
		}
		defer sb.Close()
		srv = servers{rpURL: sb.RapidPro.URL(), rpToken: sb.RapidPro.Token(), ihrisURL: sb.IHRIS.URL(), rate: *rate, sandbox: true}
		fmt.Fprintf(e.stderr, "Sandbox: iHRIS at %s with %d health workers; RapidPro at %s\n", sb.IHRIS.URL(), *workers, sb.RapidPro.URL())
	} else if msg := srv.missing(); msg != "" {
		fmt.Fprintf(e.stderr, "mhero target: %s\n\n%s", msg, noServersHelp(file))
		return exitUsage
	}
	dsn := *dbDSN
	if *useSandbox && !flagSet(fs, "db") {
		// The sandbox's servers are new each time: a store kept from an
		// earlier run would describe a workspace that is gone.
		dir, err := os.MkdirTemp("", "mhero-sandbox")
		if err != nil {
			fmt.Fprintf(e.stderr, "mhero target: %v\n", err)
			return exitInvalid
		}
		defer os.RemoveAll(dir)
		dsn = dir + "/mhero.db"
	}
	db, err := openStore(ctx, dsn)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero target: %v\n", err)
		return exitInvalid
	}
	defer db.Close()
	bar := newProgressBar(e.stderr)
	opts := []target.Option{target.WithRate(*rate), target.WithProgress(bar.update)}
	if *writeBack {
		opts = append(opts, target.WithWriteBack())
	}
	s, err := srv.syncer(ctx, db, opts...)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero target: %v\n", explain(err, srv))
		return exitInvalid
	}

	var result any
	switch {
	case action == "preview":
		result, err = s.Preview(ctx, *g)
	case action == "plan" || *dryRun:
		result, err = s.Plan(ctx, *g, *full)
	default:
		result, err = s.Sync(ctx, *g, *full)
	}
	bar.done()
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero target %s: %v\n", action, explain(err, srv))
		if errors.Is(err, context.Canceled) && action == "sync" {
			fmt.Fprintln(e.stderr, "The sync was interrupted; run it again to finish it: nothing is lost or written twice.")
		}
		return exitInvalid
	}
	if *asJSON {
		return e.printJSON("target", result)
	}
	switch r := result.(type) {
	case *target.Preview:
		printPreview(e.stdout, g, r)
	case *target.Plan:
		printPlan(e.stdout, g, r)
	case *target.Summary:
		printSummary(e.stdout, r)
	}
	return exitOK
}

func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// servers are the iHRIS and RapidPro the command works with.
type servers struct {
	rpURL, rpToken                                 string
	ihrisURL, ihrisUser, ihrisPassword, ihrisToken string
	rate                                           int
	sandbox                                        bool
}

func (s servers) missing() string {
	var miss []string
	if s.rpURL == "" {
		miss = append(miss, "RAPIDPRO_URL")
	}
	if s.rpToken == "" {
		miss = append(miss, "RAPIDPRO_TOKEN")
	}
	if s.ihrisURL == "" {
		miss = append(miss, "IHRIS_URL")
	}
	if len(miss) == 0 {
		return ""
	}
	return "no servers to work with: " + strings.Join(miss, ", ") + " not set"
}

func noServersHelp(file string) string {
	return fmt.Sprintf(`Give the servers as flags (--rapidpro-url, --rapidpro-token, --ihris-url and
--ihris-user/--ihris-password or --ihris-token) or in the environment:

  export RAPIDPRO_URL=https://rapidpro.example.org RAPIDPRO_TOKEN=...
  export IHRIS_URL=https://ihris.example.org/fhir IHRIS_USER=... IHRIS_PASSWORD=...

or try it on in-process servers with a generated workforce (the sandbox):

  go run ./examples/mhero target preview %s --sandbox
`, file)
}

func (s servers) syncer(ctx context.Context, db *store.DB, opts ...target.Option) (*target.Syncer, error) {
	var fopts []fhir.Option
	switch {
	case s.ihrisToken != "":
		fopts = append(fopts, fhir.WithBearerToken(s.ihrisToken))
	case s.ihrisUser != "":
		fopts = append(fopts, fhir.WithBasicAuth(s.ihrisUser, s.ihrisPassword))
	}
	fc, err := fhir.NewClient(s.ihrisURL, fopts...)
	if err != nil {
		return nil, fmt.Errorf("iHRIS: %w", err)
	}
	reg, err := ihris.NewRegistry(fc, ihris.WithPageSize(500))
	if err != nil {
		return nil, err
	}
	ropts := []rapidpro.Option{rapidpro.WithRateLimit(s.rate, 1)}
	if s.sandbox {
		ropts = []rapidpro.Option{rapidpro.WithoutPacing()}
	}
	rp, err := rapidpro.NewClient(s.rpURL, s.rpToken, ropts...)
	if err != nil {
		return nil, fmt.Errorf("RapidPro: %w", err)
	}
	return target.New(ctx, reg, rp, db, opts...)
}

// explain turns the errors a Data Manager meets first into advice.
func explain(err error, s servers) error {
	var opErr *net.OpError
	var urlErr *url.Error
	var rpErr *rapidpro.Error
	switch {
	case errors.As(err, &rpErr) && rpErr.IsInvalidToken():
		return fmt.Errorf("RapidPro refused the token: check RAPIDPRO_TOKEN (an API token of a workspace user, from RapidPro's account page)")
	case errors.As(err, &opErr) || errors.As(err, &urlErr):
		return fmt.Errorf("%v\nIs the server running, and are RAPIDPRO_URL (%s) and IHRIS_URL (%s) right?", err, s.rpURL, s.ihrisURL)
	}
	return err
}

// openStore opens the store: a postgres:// DSN, or a SQLite file.
func openStore(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("the store: %w", err)
	}
	return db, nil
}

func printPreview(w io.Writer, g *target.Group, p *target.Preview) {
	fmt.Fprintf(w, "Target %q: %s\n", g.Name, g.Criteria)
	fmt.Fprintf(w, "  %d selected, %d reachable, %d not reachable\n", p.Selected, p.Reachable, len(p.Unreachable))
	for _, level := range []string{"region", "district"} {
		if m := p.ByPlace[level]; len(m) > 0 {
			fmt.Fprintf(w, "  by %s: %s\n", level, tally(m, 8))
		}
	}
	if len(p.ByCadre) > 0 {
		fmt.Fprintf(w, "  by cadre: %s\n", tally(p.ByCadre, 8))
	}
	if p.Smart != nil {
		fmt.Fprintf(w, "  smart group %q (%s): %d members; %d reachable workers not in it, %d in it not selected\n",
			p.Smart.Group, p.Smart.Query, p.Smart.Members, len(p.Smart.Missing), len(p.Smart.Extra))
	}
	printSkips(w, "Not reachable", p.Unreachable)
}

func printSkips(w io.Writer, title string, skips []target.Skip) {
	if len(skips) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%s (%d):\n", title, len(skips))
	var last target.Reason
	for _, s := range skips {
		if s.Reason != last {
			n := 0
			for _, o := range skips {
				if o.Reason == s.Reason {
					n++
				}
			}
			fmt.Fprintf(w, "  %s (%d)\n", s.Reason, n)
			last = s.Reason
		}
		line := s.WorkerID
		if s.Name != "" {
			line += " (" + s.Name + ")"
		}
		if s.Detail != "" {
			line += ": " + s.Detail
		}
		fmt.Fprintf(w, "    %s\n", line)
	}
}

func printPlan(w io.Writer, g *target.Group, p *target.Plan) {
	kind := "incremental: iHRIS's changes since the last sync"
	if p.Full {
		kind = "full: every selected worker"
	}
	fmt.Fprintf(w, "Plan for %q (%s)\n", g.Name, kind)
	fmt.Fprintf(w, "  %d selected, %d reachable, %d not reachable\n", p.Selected, p.Reachable, len(p.Unreachable))
	fmt.Fprintf(w, "  contacts: %d to create, %d to update, %d to adopt, %d unchanged\n", p.Creates, p.Updates, p.Adopts, p.Unchanged)
	group := "exists"
	if p.GroupUUID == "" {
		group = "to be created"
	}
	fmt.Fprintf(w, "  group %q (%s): %d to add, %d to remove\n", p.Group, group, p.Adds, p.Removes)
	if len(p.CreateFields) > 0 {
		fmt.Fprintf(w, "  contact fields to create: %s\n", strings.Join(p.CreateFields, ", "))
	}
	fmt.Fprintf(w, "  API calls: %s; %s at %d/hour per scope\n", scopes(p.Calls), roundDuration(p.Duration), p.RatePerHour)
	if p.FlowStart != nil {
		fmt.Fprintf(w, "  cheaper first send: starting the flow for the %d numbers takes %s (%s) and creates the %d missing contacts;\n    their names and fields follow with a sync afterwards\n",
			p.Reachable, scopes(p.FlowStart.Calls), roundDuration(p.FlowStart.Duration), p.FlowStart.NewContacts)
	}
	if p.SmartQuery != "" {
		fmt.Fprintf(w, "  equivalent smart group: create it in RapidPro with this query, then give its name as smart_group in the target file:\n    %s\n", p.SmartQuery)
	} else if p.SmartQueryNote != "" {
		fmt.Fprintf(w, "  no equivalent smart group: %s\n", p.SmartQueryNote)
	}
	printSkips(w, "Not reachable", p.Unreachable)
}

func printSummary(w io.Writer, s *target.Summary) {
	kind := "incremental"
	if s.Full {
		kind = "full"
	}
	fmt.Fprintf(w, "Synced %q to group %q (%s, %s)\n", s.Target, s.Group, kind, roundDuration(s.Duration))
	fmt.Fprintf(w, "  %d selected, %d reachable\n", s.Selected, s.Reachable)
	fmt.Fprintf(w, "  contacts: %d created, %d updated, %d adopted, %d unchanged\n", s.Created, s.Updated, s.Adopted, s.Unchanged)
	fmt.Fprintf(w, "  group: %d added, %d removed\n", s.Added, s.Removed)
	if s.WrittenBack > 0 {
		fmt.Fprintf(w, "  contact UUIDs written back to iHRIS: %d\n", s.WrittenBack)
	}
	if s.Resumed > 0 {
		fmt.Fprintf(w, "  finished an interrupted sync (%d writes it had planned)\n", s.Resumed)
	}
	fmt.Fprintf(w, "  API calls: %s\n", scopes(s.Calls))
	printSkips(w, "Not reached", s.Skipped)
}

func scopes(calls map[string]int) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(calls)) {
		parts = append(parts, fmt.Sprintf("%d %s", calls[k], scopeName(k)))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// scopeName is what a Data Manager calls a RapidPro throttle scope: its
// endpoint, or "other" for the scope RapidPro names v2, which every
// other endpoint (groups, fields, flow starts) shares.
func scopeName(scope string) string {
	if scope == target.ScopeV2 {
		return "other"
	}
	return scope
}

func roundDuration(d time.Duration) string {
	switch {
	case d >= time.Hour:
		return d.Round(time.Minute).String()
	case d >= time.Second:
		return d.Round(time.Second).String()
	}
	return d.Round(time.Millisecond).String()
}

// tally formats counts as "a 3, b 2", largest first, at most n of them.
func tally(m map[string]int, n int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	var parts []string
	for i, k := range keys {
		if i == n {
			parts = append(parts, fmt.Sprintf("and %d more", len(keys)-n))
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// progressBar draws the sync's progress on a terminal: the stage, a bar,
// the API calls made and an ETA from the calls left at the workspace's
// rate (the limit, not the network, is what a sync waits for). It draws
// nothing when stderr is not a terminal.
type progressBar struct{ statusLine }

func newProgressBar(w io.Writer) *progressBar { return &progressBar{newStatusLine(w)} }

func (b *progressBar) update(p target.Progress) {
	if !b.due(p.Done == p.Total) {
		return
	}
	const width = 30
	bar := strings.Repeat("·", width)
	pct := ""
	if p.Total > 0 {
		n := min(width, p.Done*width/p.Total)
		bar = strings.Repeat("█", n) + strings.Repeat("·", width-n)
		pct = fmt.Sprintf(" %3d%%", p.Done*100/p.Total)
	}
	line := fmt.Sprintf("%-26s [%s]%s %d", p.Stage, bar, pct, p.Done)
	if p.Total > 0 {
		line += fmt.Sprintf("/%d", p.Total)
	}
	if calls := p.Calls[target.ScopeContacts] + p.Calls[target.ScopeV2]; calls > 0 {
		line += fmt.Sprintf(" · %d calls", calls)
	}
	if p.ETA > 0 {
		line += " · ETA " + roundDuration(p.ETA)
	}
	b.draw(line)
}
