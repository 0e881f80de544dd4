package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/url"
	"os"
	"os/signal"
	"path"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/examples/usecases"
	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/usecase"
)

// Exit status of a step that cannot be taken yet but will: the approver
// has not answered, or the approved send time has not come. Scripts poll
// on it.
const exitPending = 3

const usecaseDoc = `Usecase follows a use case through the Standard Operating Procedure, each
step allowed only in order and recorded in a hash-chained audit log:

  new FORM.yaml|EXAMPLE         record a Use Case Request Form (a request filed
                                less than a week before its send date is flagged)
  review ID --phone PHONE       you reviewed it with the Requestor and develop
                                it; PHONE is your test phone
  test ID --sim                 test in the simulator: transcripts, and the
                                categories and exits never tried
  test ID --phone dm            start the flow on your phone, and nothing else
  notify ID                     tell the Requestor, in one SMS, a test is coming
  test ID --phone requestor     start the flow on the Requestor's phone only
  test ID --transcript          read the last phone test's conversation back
  feedback ID [--accept] TEXT   the Requestor's verdict: accepted, or changes
                                to make (back to development)
  edit ID [--workflow FILE] [--target FILE] [--send-date DATE] --reason TEXT
                                a new version: the tests start again, and an
                                approval of an earlier version is void
  request-approval ID           show the approver the questions, the health
                                workers reached and the cost, and send their
                                registered phone a one-time code
  approve ID [--scan FILE]      read the approver's reply (only their own phone
                                counts), or record a scan of the initialled form
  activate ID [--wait]          refused without a valid approval; syncs the
                                target group and starts the flow exactly once
                                at the approved time (--wait waits for it)
  monitor ID                    fetch the runs from RapidPro: who responded,
                                their answers (again as often as wanted)
  report ID [-o DIR]            write the Overview and Analysis Reports and the
                                Monitoring Tool
  send-report ID [--where TEXT] tell the Requestor the report is ready; closes
                                the use case

At any step:

  show ID, list [--open], cancel ID --reason TEXT, audit [ID] [--verify],
  register [-o FILE.xlsx] (the Planning, Implementation and Monitoring Tool),
  export ID [-o FILE.json] (the RapidPro export of the current version)

ID is UC-0001, or just 1. Use cases live in --db (env MHERO_DB; a SQLite
file, mhero.db by default, or a postgres:// DSN shared by several Data
Managers). The steps that message anyone use the servers given as flags or
in RAPIDPRO_URL, RAPIDPRO_TOKEN, IHRIS_URL, IHRIS_USER and IHRIS_PASSWORD
(or IHRIS_TOKEN); to rehearse on simulated ones, run mhero sandbox and
export the lines it prints. --by (env MHERO_USER, else USER, else your
system account's name) names you in the audit log. --json prints a
step's result for scripts.

Exit status: 0 done; 1 invalid input or refused (a step out of order, no
valid approval, a reply from a phone that is not the approver's, a
rejection, a broken audit chain); 2 usage error (wrong arguments, no
servers); 3 not yet (no reply from the approver so far, or before the
approved send time): run the step again later.`

// ucSub is a subcommand of mhero usecase.
type ucSub struct {
	name     string
	synopsis string
	doc      string
	// access says what the subcommand works with: read-only ones need
	// the store alone and take no server flags.
	access ucAccess
	run    func(c *ucCmd, pos []string) int
}

type ucAccess int

const (
	readOnly ucAccess = iota // the store
	noServer                 // the store and a clock (the sandbox's, when there is one)
	rapidPro                 // and RapidPro
	both                     // and iHRIS, for the target group
)

func ucSubs() []*ucSub {
	return []*ucSub{
		{"new", "FORM.yaml|EXAMPLE", ucNewDoc, noServer, ucNew},
		{"show", "ID", "Show prints a use case: where it is in the SOP, its people, target, send\nwindow, tests and approvals, and the next step.", readOnly, ucShow},
		{"list", "", "List prints every use case, oldest first.", readOnly, ucList},
		{"review", "ID --phone PHONE [--notes TEXT]", "Review records that you (--by, the Data Manager) reviewed the request with\nthe Requestor and take it on. PHONE is your test phone, the first the flow\nis tried on. You may not be the approver.", noServer, ucReview},
		{"test", "ID --sim | --phone dm|requestor | --transcript", ucTestDoc, rapidPro, ucTest},
		{"notify", "ID", "Notify tells the Requestor, in one SMS, that a test of the workflow is\ncoming to their phone.", rapidPro, ucNotify},
		{"feedback", "ID [--accept] TEXT", "Feedback records the Requestor's verdict after the test on their phone:\nwith --accept they are satisfied and the use case can go for approval;\nwithout, TEXT says what to change and it goes back to development.", noServer, ucFeedback},
		{"edit", "ID [--workflow FILE] [--target FILE] [--send-date DATE] [--send-time HH:MM] [--at-once] --reason TEXT", ucEditDoc, noServer, ucEdit},
		{"request-approval", "ID", ucRequestDoc, both, ucRequestApproval},
		{"approve", "ID [--scan FILE]", ucApproveDoc, rapidPro, ucApprove},
		{"activate", "ID [--wait] [--full-sync]", ucActivateDoc, both, ucActivate},
		{"monitor", "ID", ucMonitorDoc, rapidPro, ucMonitor},
		{"report", "ID [-o DIR] [--no-pdf] [--show-phones]", ucReportDoc, rapidPro, ucReport},
		{"send-report", "ID [--where TEXT]", ucSendDoc, rapidPro, ucSendReport},
		{"cancel", "ID --reason TEXT", "Cancel closes a use case at any step before it is reported, with a reason.\nA pending approval request is withdrawn; a flow already started is not\nstopped.", noServer, ucCancel},
		{"audit", "[ID] [--verify]", ucAuditDoc, readOnly, ucAudit},
		{"register", "[-o FILE.xlsx]", "Register writes the Use Case Planning, Implementation and Monitoring Tool:\nan Excel register of every use case with its dates, people, state, target\nsize, cost and response rate (default use-cases.xlsx).", readOnly, ucRegister},
		{"export", "ID [-o FILE.json] [--version N]", "Export writes the RapidPro export of a use case's current version (or\nversion N), to import in RapidPro under Settings > Import: RapidPro has no\nAPI to create flows. The sandbox imports it by itself.", readOnly, ucExport},
	}
}

const ucNewDoc = `New records a Use Case Request Form (YAML; see examples/usecases) as a new
use case, and prints its ID. EXAMPLE names a built-in example form instead
of a file (malaria-stock, with the built-in workflow it names). Every
problem of the form, its target and its workflow is listed at once with
its position. A request filed less than a week before its send date is
recorded and flagged. People named by their iHRIS id only are looked up
in iHRIS (IHRIS_URL) for their phone.`

const ucTestDoc = `Test tests the current version, in the SOP's order:

  --sim                in the simulator, with a health worker who answers
                       everything, one who never answers and one whose every
                       reply fits nothing; prints the transcripts and the
                       path coverage (the categories and exits never tried)
  --phone dm           starts the flow on the Data Manager's phone only
  --phone requestor    starts it on the Requestor's phone only (after notify)
  --transcript         reads the last phone test's conversation back from
                       RapidPro

A phone test never reaches anyone else: the start names that one phone.
The flow must be in RapidPro as compiled; on real servers import it first
(mhero usecase export ID), the sandbox imports it by itself.`

const ucEditDoc = `Edit makes a new version of the use case: a changed workflow (--workflow),
target group (--target, a target file) or send plan (--send-date,
--send-time, --at-once). It prints what changed. The use case goes back to
development: every test starts again, the Requestor must accept the new
version, and an approval of an earlier version is void.`

const ucRequestDoc = `Request-approval prepares what the approver sees — the workflow's
questions in every language, the health workers reached by place and
cadre, the cost in SMS parts (GSM-7 or UCS-2) on the expected and the
longest path, the send window, the tests done, what changed since a
version approved before — and sends the approver's registered phone one
SMS with a one-time code ("Reply APPROVE 482113 or REJECT 482113 with a
reason"). The approval will be bound to the hash of exactly this content,
target and send window.`

const ucApproveDoc = `Approve reads the approver's reply to the pending approval request back from
RapidPro. Only a reply carrying the code from the approver's registered
phone counts: APPROVE approves, REJECT sends the use case back to
development with their reason. A reply with the code from any other phone
is refused and recorded. With --scan, a scan of the approval request the
approver initialled is the evidence instead; its SHA-256 is recorded.

Exit status 0 when approved, 1 when rejected, refused or expired, 3 when
no reply has come yet.`

const ucActivateDoc = `Activate sends the use case to its target group: it checks the approval
again (the hash of the content as stored now must be the one approved, and
the flow in RapidPro the approved one), refusing without a valid approval,
then syncs the target group and starts the flow for it exactly once. An
activation interrupted at any point can be run again: it finds the start
it made instead of making another. Before the approved send time it exits
3, unless --wait makes it wait (in the sandbox, simulated time passes).`

const ucMonitorDoc = `Monitor fetches the runs and messages of the use case's flow from RapidPro
(only what changed since the last time) and prints how its send is going:
health workers reached, responded, answered everything, failed (likely
out of coverage), each question's answers. The test sends are not
counted. Run it as often as wanted while the flow runs.`

const ucReportDoc = `Report writes the use case's reports into -o DIR (default UC-0001-reports):
the Use Case Overview Report for the Requestor (HTML, Markdown, and PDF
when Chromium is installed), the Analysis Report, and the Monitoring Tool
(XLSX and CSV, with the non-responders to follow up; phones masked unless
--show-phones). They cover the activation's send as of the last monitor.
Each file's SHA-256 is recorded.`

const ucSendDoc = `Send-report closes the use case: it checks the Overview Report's files are
still those report wrote, and tells the Requestor in one SMS that the
report is ready, with the response rate and where to find it (--where:
a shared folder, a web address; the files themselves go by that channel,
an SMS cannot carry them).`

const ucAuditDoc = `Audit prints the audit log of one use case, or of all: who did what, when
and why. With --verify it checks the whole log's hash chain instead: an
entry changed, deleted or inserted, or a state changed behind the log's
back, is reported, and the exit status is 1.`

func lookupUCSub(name string) *ucSub {
	for _, s := range ucSubs() {
		if s.name == name {
			return s
		}
	}
	return nil
}

func runUsecase(e *env, args []string) int {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		fs := e.newFlagSet("usecase")
		pos, status, ok := e.parse(fs, args)
		if !ok {
			return status
		}
		if len(pos) == 0 {
			fmt.Fprintln(e.stderr, "mhero usecase: missing the step (new, show, list, review, test, …)")
			commandUsage(e.stderr, fs)
			return exitUsage
		}
		args = pos
	}
	sub := lookupUCSub(args[0])
	if sub == nil {
		fmt.Fprintf(e.stderr, "mhero usecase: unknown step %q\n", args[0])
		commandUsage(e.stderr, e.newFlagSet("usecase"))
		return exitUsage
	}
	c := e.newUCCmd(sub)
	return c.exec(args[1:])
}

// ucCmd is one run of a usecase subcommand: its flags, then what it works
// with once opened.
type ucCmd struct {
	e   *env
	sub *ucSub
	fs  *flag.FlagSet

	dsn    *string
	by     *string
	asJSON *bool
	srv    struct {
		rpURL, rpToken, ihrisURL, ihrisUser, ihrisPassword, ihrisToken, sandboxURL *string
		rate                                                                       *int
	}

	ctx context.Context
	db  *store.DB
	m   *usecase.Manager
	sb  *sandboxClient // nil on real servers
	bar *progressBar
	// servers are those the step works with, for error advice.
	servers servers
	flags   *stepFlags
}

func (e *env) newUCCmd(sub *ucSub) *ucCmd {
	c := &ucCmd{e: e, sub: sub, fs: e.newFlagSet("usecase " + sub.name)}
	fs := c.fs
	c.dsn = fs.String("db", cmp.Or(e.env("MHERO_DB"), "mhero.db"), "the store: a SQLite file or a postgres:// DSN (env MHERO_DB)")
	c.asJSON = fs.Bool("json", false, "print the result as JSON")
	if sub.access == readOnly {
		return c
	}
	var osUser string
	if e.osUser != nil {
		osUser = e.osUser()
	}
	c.by = fs.String("by", cmp.Or(e.env("MHERO_USER"), e.env("USER"), osUser), "who takes the step, as the audit log records it (env MHERO_USER, else USER, else your system account's name)")
	c.srv.rpURL = fs.String("rapidpro-url", e.env("RAPIDPRO_URL"), "RapidPro server (env RAPIDPRO_URL)")
	c.srv.rpToken = e.secretFlag(fs, "rapidpro-token", "RAPIDPRO_TOKEN", "RapidPro API `token` (env RAPIDPRO_TOKEN)")
	c.srv.ihrisURL = fs.String("ihris-url", e.env("IHRIS_URL"), "iHRIS FHIR base URL (env IHRIS_URL)")
	c.srv.ihrisUser = fs.String("ihris-user", e.env("IHRIS_USER"), "iHRIS user, with --ihris-password (env IHRIS_USER)")
	c.srv.ihrisPassword = e.secretFlag(fs, "ihris-password", "IHRIS_PASSWORD", "iHRIS `password` (env IHRIS_PASSWORD)")
	c.srv.ihrisToken = e.secretFlag(fs, "ihris-token", "IHRIS_TOKEN", "iHRIS bearer `token`, instead of a user (env IHRIS_TOKEN)")
	c.srv.sandboxURL = fs.String("sandbox-url", e.env("MHERO_SANDBOX"), "a running mhero sandbox's control URL: its clock, flow import (env MHERO_SANDBOX)")
	c.srv.rate = fs.Int("rate", rapidpro.DefaultRatePerHour, "the workspace's API budget per throttle scope and hour")
	return c
}

// name is "usecase STEP", as messages start.
func (c *ucCmd) name() string { return c.fs.Name() }

func (c *ucCmd) usage() { c.e.subUsage(c.e.stderr, c.fs, c.sub.synopsis, c.sub.doc) }

// exec parses the arguments, opens what the step works with, runs it and
// closes everything.
func (c *ucCmd) exec(args []string) int {
	c.declare()
	pos, status, ok := c.e.parseSub(c.fs, args, c.sub.synopsis, c.sub.doc)
	if !ok {
		return status
	}
	if c.by != nil && strings.TrimSpace(*c.by) == "" {
		fmt.Fprintf(c.e.stderr, "mhero %s: who takes this step? The audit log records a name: give --by \"YOUR NAME\", or export MHERO_USER=\"YOUR NAME\" once\n", c.name())
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(c.e.context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	c.ctx = ctx
	return c.sub.run(c, pos)
}

// stepFlags holds the flags of each step, declared before parsing.
type stepFlags struct {
	phone, notes, reason, workflowFile, targetFile, sendDate, sendTime, scan, out *string
	dir, where, chromium                                                          *string
	noPDF, showPhones                                                             *bool
	sim, transcript, accept, atOnce, wait, fullSync, verify, open                 *bool
	version                                                                       *int
	state                                                                         *string
}

// declare adds the step's own flags to its flag set.
func (c *ucCmd) declare() {
	f := &stepFlags{}
	fs := c.fs
	switch c.sub.name {
	case "review":
		f.phone = fs.String("phone", c.e.env("MHERO_PHONE"), "your test phone, the Data Manager's (env MHERO_PHONE)")
		f.notes = fs.String("notes", "", "the review's conclusions")
	case "test":
		f.sim = fs.Bool("sim", false, "test in the simulator")
		f.phone = fs.String("phone", "", "test on a phone: dm (the Data Manager's) or requestor")
		f.transcript = fs.Bool("transcript", false, "read the last phone test's conversation back from RapidPro")
	case "feedback":
		f.accept = fs.Bool("accept", false, "the Requestor is satisfied: the use case can go for approval")
	case "edit":
		f.workflowFile = fs.String("workflow", "", "the new workflow (YAML) file")
		f.targetFile = fs.String("target", "", "the new target group file")
		f.sendDate = fs.String("send-date", "", "the new send date (2026-03-16)")
		f.sendTime = fs.String("send-time", "", "the new send time (08:00)")
		f.atOnce = fs.Bool("at-once", false, "send as soon as it is activated")
		f.reason = fs.String("reason", "", "why the use case changes")
	case "approve":
		f.scan = fs.String("scan", "", "a scan of the approval request the approver initialled (PDF or image)")
	case "activate":
		f.wait = fs.Bool("wait", false, "wait for the approved send time")
		f.fullSync = fs.Bool("full-sync", false, "reconcile every worker of the target, not only iHRIS's changes")
	case "report":
		f.dir = fs.String("dir", "", "the directory the reports go in (default ID-reports)")
		fs.StringVar(f.dir, "o", "", "the same as --dir, as in mhero report -o DIR")
		f.noPDF = fs.Bool("no-pdf", false, "skip the PDF copies (they need Chromium)")
		f.chromium = chromiumFlag(fs)
		f.showPhones = fs.Bool("show-phones", false, "show phone numbers in full in the list of non-responders")
	case "send-report":
		f.where = fs.String("where", "", "where the Requestor finds the report (a shared folder, a web address)")
	case "cancel":
		f.reason = fs.String("reason", "", "why the use case is cancelled")
	case "audit":
		f.verify = fs.Bool("verify", false, "check the whole log's hash chain")
	case "list":
		f.open = fs.Bool("open", false, "only the use cases neither reported nor cancelled")
		f.state = fs.String("state", "", "only the use cases in this state (requested, reviewed, …, approved, active, …)")
	case "register":
		f.out = fs.String("o", "use-cases.xlsx", "the register file to write")
	case "export":
		f.out = fs.String("o", "", "the file to write (stdout by default)")
		f.version = fs.Int("version", 0, "the version to export (the current one by default)")
	}
	c.flags = f
}

// id checks that the step was given exactly one use case ID (and, with
// rest, more words) and returns it.
func (c *ucCmd) id(pos []string, rest bool) (string, bool) {
	if len(pos) == 0 {
		fmt.Fprintf(c.e.stderr, "mhero %s: missing the use case ID (UC-0001)\n", c.name())
		c.usage()
		return "", false
	}
	if len(pos) > 1 && !rest {
		fmt.Fprintf(c.e.stderr, "mhero %s: unexpected argument %q\n", c.name(), pos[1])
		c.usage()
		return "", false
	}
	return pos[0], true
}

// open opens the store, and the servers the step needs, and makes the
// Manager. When ok is false the step stops with status (the reason is
// printed).
func (c *ucCmd) open() (status int, ok bool) {
	ctx := c.ctx
	var err error
	var opts []usecase.Option
	if c.sub.access == readOnly {
		if c.db, err = store.Open(ctx, *c.dsn); err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
			return exitInvalid, false
		}
		if c.m, err = usecase.New(ctx, c.db); err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
			return exitInvalid, false
		}
		return exitOK, true
	}
	srv := servers{rpURL: *c.srv.rpURL, rpToken: *c.srv.rpToken, ihrisURL: *c.srv.ihrisURL, ihrisUser: *c.srv.ihrisUser,
		ihrisPassword: *c.srv.ihrisPassword, ihrisToken: *c.srv.ihrisToken, rate: *c.srv.rate}
	c.servers = srv
	if msg := c.missing(srv, c.sub.access >= rapidPro, c.sub.access == both); msg != "" {
		fmt.Fprintf(c.e.stderr, "mhero %s: %s\n\n%s", c.name(), msg, noServersUsecase)
		return exitUsage, false
	}
	now := time.Now
	if u := *c.srv.sandboxURL; u != "" {
		if srv.rpToken == "" {
			fmt.Fprintf(c.e.stderr, "mhero %s: MHERO_SANDBOX is set but not RAPIDPRO_TOKEN: export every line mhero sandbox printed\n", c.name())
			return exitUsage, false
		}
		c.sb = newSandboxClient(u, srv.rpToken)
		if _, err := c.sb.readClock(ctx); err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
			return exitInvalid, false
		}
		now = c.sb.now
		srv.sandbox = true
		opts = append(opts, usecase.WithSleep(c.sb.sleep), usecase.WithImporter(c.sb.importFlows))
	}
	opts = append(opts, usecase.WithClock(now))
	c.bar = newProgressBar(c.e.stderr)
	opts = append(opts, usecase.WithProgress(func(p usecase.Progress) {
		c.bar.update(target.Progress{Stage: target.Stage(p.Stage), Done: p.Done, Total: p.Total, ETA: p.ETA})
	}))
	if c.db, err = store.Open(ctx, *c.dsn); err != nil {
		fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
		return exitInvalid, false
	}
	var rp *rapidpro.Client
	if srv.rpURL != "" && srv.rpToken != "" {
		ropts := []rapidpro.Option{rapidpro.WithRateLimit(srv.rate, 1)}
		if srv.sandbox {
			ropts = []rapidpro.Option{rapidpro.WithoutPacing()}
		}
		if rp, err = rapidpro.NewClient(srv.rpURL, srv.rpToken, ropts...); err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: RapidPro: %v\n", c.name(), err)
			return exitUsage, false
		}
		opts = append(opts, usecase.WithRapidPro(rp))
	}
	var reg *ihris.Registry
	if srv.ihrisURL != "" {
		var fopts []fhir.Option
		switch {
		case srv.ihrisToken != "":
			fopts = append(fopts, fhir.WithBearerToken(srv.ihrisToken))
		case srv.ihrisUser != "":
			fopts = append(fopts, fhir.WithBasicAuth(srv.ihrisUser, srv.ihrisPassword))
		}
		fc, err := fhir.NewClient(srv.ihrisURL, fopts...)
		if err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: iHRIS: %v\n", c.name(), err)
			return exitUsage, false
		}
		if reg, err = ihris.NewRegistry(fc, ihris.WithPageSize(500)); err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: iHRIS: %v\n", c.name(), err)
			return exitInvalid, false
		}
		opts = append(opts, usecase.WithRegistry(reg))
	}
	if rp != nil && reg != nil {
		s, err := c.syncer(reg, rp, now)
		if err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), explain(err, srv))
			return exitInvalid, false
		}
		opts = append(opts, usecase.WithSyncer(s))
	}
	if rp != nil && (c.sub.name == "monitor" || c.sub.name == "report") {
		an, err := c.analytics(rp, now)
		if err != nil {
			fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), explain(err, srv))
			return exitInvalid, false
		}
		opts = append(opts, usecase.WithAnalytics(an))
	}
	if c.m, err = usecase.New(ctx, c.db, opts...); err != nil {
		fmt.Fprintf(c.e.stderr, "mhero %s: %v\n", c.name(), err)
		return exitInvalid, false
	}
	return exitOK, true
}

// analytics makes the workspace's analytics, with the directory of the
// target syncs, so that reports break the answers down by district and
// cadre.
func (c *ucCmd) analytics(rp *rapidpro.Client, now func() time.Time) (*analytics.Monitor, error) {
	ws := rp.WorkspaceUUID()
	if ws == "" {
		w, err := rp.Workspace.Get(c.ctx)
		if err != nil {
			return nil, fmt.Errorf("reading the RapidPro workspace: %w", err)
		}
		ws = w.UUID
	}
	attrs, err := target.NewAttributeStore(c.ctx, c.db, ws)
	if err != nil {
		return nil, err
	}
	return analytics.New(c.ctx, c.db, ws, analytics.WithDirectory(analytics.TargetDirectory(attrs)), analytics.WithClock(now))
}

// syncer makes the target syncer, on the use cases' store.
func (c *ucCmd) syncer(reg *ihris.Registry, rp *rapidpro.Client, now func() time.Time) (*target.Syncer, error) {
	return target.New(c.ctx, reg, rp, c.db, target.WithRate(c.servers.rate), target.WithClock(now), target.WithProgress(c.bar.update))
}

func (c *ucCmd) missing(s servers, rp, ih bool) string {
	var miss []string
	if rp && s.rpURL == "" {
		miss = append(miss, "RAPIDPRO_URL")
	}
	if rp && s.rpToken == "" {
		miss = append(miss, "RAPIDPRO_TOKEN")
	}
	if ih && s.ihrisURL == "" {
		miss = append(miss, "IHRIS_URL")
	}
	if len(miss) == 0 {
		return ""
	}
	return "this step needs the servers: " + strings.Join(miss, ", ") + " not set"
}

const noServersUsecase = `Give the servers as flags (--rapidpro-url, --rapidpro-token, --ihris-url and
--ihris-user/--ihris-password or --ihris-token) or in the environment:

  export RAPIDPRO_URL=https://rapidpro.example.org RAPIDPRO_TOKEN=...
  export IHRIS_URL=https://ihris.example.org/fhir IHRIS_USER=... IHRIS_PASSWORD=...

or rehearse on simulated servers: start the sandbox in another terminal
and export the lines it prints,

  go run ./examples/mhero sandbox
`

// close releases what open opened.
func (c *ucCmd) close() {
	if c.bar != nil {
		c.bar.done()
	}
	if c.db != nil {
		c.db.Close()
	}
}

// fail reports a step's error as advice, and returns the exit status.
func (c *ucCmd) fail(err error) int {
	if c.bar != nil {
		c.bar.done()
	}
	name := c.name()
	msg := strings.TrimPrefix(explain(err, c.servers).Error(), "usecase: ")
	var (
		ps       usecase.Problems
		tooEarly *usecase.TooEarlyError
		mismatch *usecase.FlowMismatchError
		void     *usecase.ApprovalVoidError
		opErr    *net.OpError
		urlErr   *url.Error
	)
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintln(c.e.stderr, p)
		}
		n := len(ps.Errors())
		fmt.Fprintf(c.e.stderr, "mhero %s: %d %s\n", name, n, plural(n, "problem", "problems"))
		return exitInvalid
	case errors.As(err, &tooEarly):
		fmt.Fprintf(c.e.stderr, "mhero %s: not yet: %s\n", name, strings.TrimPrefix(msg, "usecase "))
		fmt.Fprintln(c.e.stderr, "Run it again then, or with --wait.")
		return exitPending
	case errors.As(err, &void):
		fmt.Fprintf(c.e.stderr, "mhero %s: refused: %s\n", name, strings.TrimPrefix(msg, "usecase "))
		fmt.Fprintln(c.e.stderr, "The changed version must be tested and approved again (mhero usecase show shows the next step).")
		return exitInvalid
	case errors.Is(err, usecase.ErrNotApproved), errors.Is(err, usecase.ErrWindowPassed):
		fmt.Fprintf(c.e.stderr, "mhero %s: refused: %s\n", name, strings.TrimPrefix(msg, "usecase "))
		fmt.Fprintln(c.e.stderr, "Nothing was sent. A use case reaches health workers only with the approver's approval of exactly this version: mhero usecase request-approval, then approve.")
		return exitInvalid
	case errors.As(err, &mismatch):
		fmt.Fprintf(c.e.stderr, "mhero %s: %s\n", name, strings.TrimPrefix(msg, "usecase "))
		fmt.Fprintf(c.e.stderr, "Write the export with: mhero usecase export %s -o %s-v%d.json\n", mismatch.Case, mismatch.Case, mismatch.Version)
		return exitInvalid
	case errors.Is(err, usecase.ErrState):
		fmt.Fprintf(c.e.stderr, "mhero %s: %s\n", name, strings.TrimPrefix(msg, "usecase "))
		return exitInvalid
	case errors.Is(err, usecase.ErrNotFound):
		fmt.Fprintf(c.e.stderr, "mhero %s: %s (mhero usecase list shows them)\n", name, msg)
		return exitInvalid
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(c.e.stderr, "mhero %s: interrupted; run it again: every step is recorded whole or not at all, and a flow is never started twice\n", name)
		return exitInvalid
	case errors.As(err, &opErr), errors.As(err, &urlErr):
		fmt.Fprintf(c.e.stderr, "mhero %s: %s\n", name, msg)
		if c.sb != nil {
			fmt.Fprintln(c.e.stderr, "Is mhero sandbox still running? Its servers stop with it.")
		}
		return exitInvalid
	}
	fmt.Fprintf(c.e.stderr, "mhero %s: %s\n", name, msg)
	return exitInvalid
}

// actor is who takes the step.
func (c *ucCmd) actor() string {
	if c.by == nil {
		return ""
	}
	return strings.TrimSpace(*c.by)
}

// readFile reads a file a form names, or a built-in example workflow when
// no such file exists (so a form may say "workflow: malaria-stock").
func readFile(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, fs.ErrNotExist) {
		if _, ex, ok := workflows.Lookup(strings.TrimPrefix(name, "./")); ok {
			return ex, nil
		}
	}
	return data, err
}

// readForm reads a Request Form file or, when no such file exists, the
// built-in example of that name (malaria-stock), whose workflow is the
// built-in example it names.
func readForm(name string, now time.Time) (*usecase.Form, usecase.Problems, error) {
	if _, err := os.Stat(name); errors.Is(err, fs.ErrNotExist) {
		if file, data, ok := usecases.Lookup(name); ok {
			open := func(n string) ([]byte, error) {
				return usecases.Open(path.Join(path.Dir(file), filepath.ToSlash(n)))
			}
			form, ps, err := usecase.ParseForm(file, data, now, open)
			// Its workflow is a built-in example too: keep it by the name
			// every command accepts (mhero validate malaria-stock), not by
			// a path that exists only inside the binary.
			if form != nil {
				if dir, base := path.Split(path.Join(path.Dir(file), filepath.ToSlash(form.WorkflowFile))); dir == "workflows/" {
					form.WorkflowFile = strings.TrimSuffix(base, ".yaml")
				}
			}
			return form, ps, err
		}
	}
	form, ps, err := usecase.ReadForm(name, now, readFile)
	// The form names its workflow relative to itself; the use case keeps it
	// as found from here, so usecase show prints a path the user can open.
	if form != nil && form.WorkflowFile != "" && !filepath.IsAbs(form.WorkflowFile) {
		if p := filepath.Join(filepath.Dir(name), form.WorkflowFile); fileExists(p) {
			form.WorkflowFile = p
		}
	}
	return form, ps, err
}

func fileExists(name string) bool {
	st, err := os.Stat(name)
	return err == nil && !st.IsDir()
}

// parseState reads a state as list --state takes it.
func parseState(s string) (usecase.State, bool) {
	s = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_")
	for _, st := range usecase.States() {
		if string(st) == s || strings.ReplaceAll(st.Label(), " ", "_") == s {
			return st, true
		}
	}
	return "", false
}

func stateNames() string {
	var names []string
	for _, st := range usecase.States() {
		names = append(names, string(st))
	}
	return strings.Join(names, ", ")
}
