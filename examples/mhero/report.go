package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/analytics/report"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/workflow"
)

const reportDoc = `Report writes one of the SOP's reports from the store that mhero monitor
fills, offline (nothing is asked of RapidPro), and prints the paths of
the files written:

  overview    the Use Case Overview Report, for the Requestor:
              NAME-overview.html (self-contained: it opens offline), .md,
              and .pdf when Chromium is installed
  analysis    the Analysis Report: each question in detail, cross-tabulated
              by district and cadre (NAME-analysis.html, .md, .pdf)
  monitoring  the Monitoring Tool: NAME-monitoring.xlsx, a sheet per view
              with charts, and the same tables as CSV files
  monthly     the monthly report for the mHero Leadership Team: every
              workflow sent in --month (monthly-YYYY-MM.html, .md, .pdf)
  floip       the results as a FLOIP Flow Results package (NAME-floip/)

Without --flow, a report is written for each tracked workflow. --month is
the month of the monthly report (default: this month); it restricts the
other reports to the runs begun that month. Phone numbers are masked
unless --show-phones is given: a report is easily forwarded. Dates,
weeks and months are in the workspace's time zone, which mhero monitor
records from RapidPro (UTC when the store has none), or in --tz. The
PDF copies are printed by Chromium (--chromium, or MHERO_CHROMIUM, or
found on the PATH); --no-pdf skips them. With --sandbox, the report is
on a workflow sent in the sandbox, as mhero monitor --sandbox makes it,
in the sandbox workspace's zone.`

// chromiumFlag declares --chromium, the browser that prints the reports'
// PDF copies, the same for every command that writes reports.
func chromiumFlag(fs *flag.FlagSet) *string {
	return fs.String("chromium", "", "the Chromium or Chrome to print PDFs with (default: env MHERO_CHROMIUM, else found on the PATH)")
}

var reportKinds = []string{"overview", "analysis", "monitoring", "monthly", "floip"}

func runReport(e *env, args []string) int {
	fs := e.newFlagSet("report")
	o := sandboxFlags(e, fs, "write the report on a workflow sent in the sandbox (see mhero monitor --sandbox)")
	flowName := fs.String("flow", "", "the workflow to report on: a tracked flow's name or UUID, or a workflow file or example (--sandbox: the one to send)")
	month := fs.String("month", "", "YYYY-MM: the monthly report's month (default: this month); restricts the other reports to runs begun then")
	dir := fs.String("o", ".", "the directory to write the files in")
	showPhones := fs.Bool("show-phones", false, "show health workers' phone numbers in full (masked by default)")
	noPDF := fs.Bool("no-pdf", false, "do not print the PDF versions, even when Chromium is installed")
	chromium := chromiumFlag(fs)
	workspace := fs.String("workspace", "", "the RapidPro workspace UUID, when the store holds several")
	tz := fs.String("tz", "", "the time zone of dates, weeks and months, such as Africa/Nairobi (default: the workspace's, as mhero monitor recorded it, else UTC)")
	fs.StringVar(&o.sandboxURL, "sandbox-url", e.env("MHERO_SANDBOX"), "a running mhero sandbox's control URL, whose simulated clock dates the report (env MHERO_SANDBOX; with RAPIDPRO_TOKEN)")
	pos, status, ok := e.parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) != 1 || !slices.Contains(reportKinds, pos[0]) {
		switch {
		case len(pos) == 0:
			fmt.Fprintf(e.stderr, "mhero report: which report? %s\n", strings.Join(reportKinds, ", "))
		case !slices.Contains(reportKinds, pos[0]):
			fmt.Fprintf(e.stderr, "mhero report: unknown report %q (%s)\n", pos[0], strings.Join(reportKinds, ", "))
		default:
			fmt.Fprintf(e.stderr, "mhero report: one report at a time, got %s\n", strings.Join(pos, " "))
		}
		commandUsage(e.stderr, fs)
		return exitUsage
	}
	kind := pos[0]
	if msg := o.check(fs); msg != "" {
		fmt.Fprintf(e.stderr, "mhero report: %s\n", msg)
		return exitUsage
	}
	if kind == "monthly" && *flowName != "" && !o.sandbox {
		fmt.Fprintln(e.stderr, "mhero report monthly: the monthly report covers every workflow; leave out --flow")
		return exitUsage
	}
	if *tz != "" && o.sandbox {
		fmt.Fprintln(e.stderr, "mhero report: --tz: with --sandbox the sandbox workspace's zone is used; leave out --tz")
		return exitUsage
	}
	var loc *time.Location // nil: the workspace's
	if *tz != "" {
		var err error
		if loc, err = time.LoadLocation(*tz); err != nil {
			fmt.Fprintf(e.stderr, "mhero report: --tz %q: no such time zone (a name such as Africa/Monrovia, or UTC)\n", *tz)
			return exitUsage
		}
	}
	var year int
	var mon time.Month
	if *month != "" {
		t, err := time.Parse("2006-01", *month)
		if err != nil {
			fmt.Fprintf(e.stderr, "mhero report: --month %q: want YEAR-MONTH, such as 2026-11\n", *month)
			return exitUsage
		}
		year, mon = t.Year(), t.Month()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	s, err := openReport(ctx, e, o, *workspace, *flowName, loc)
	if err != nil {
		fmt.Fprintf(e.stderr, "mhero report: %v\n", explainRapidPro(err, ""))
		return exitInvalid
	}
	defer s.close()
	if year == 0 {
		now := s.now().In(s.loc)
		year, mon = now.Year(), now.Month()
	}
	opts := report.Options{ShowPhones: *showPhones, Location: s.loc, Generated: s.now(), NoPDF: *noPDF, Chromium: *chromium}
	var written []*report.Files
	if kind == "monthly" {
		m, err := s.mon.Month(ctx, year, mon)
		if err != nil {
			fmt.Fprintf(e.stderr, "mhero report: %v\n", err)
			return exitInvalid
		}
		files, err := (&report.Monthly{Month: m, Options: opts}).WriteFiles(ctx, *dir)
		if err != nil {
			fmt.Fprintf(e.stderr, "mhero report: %v\n", err)
			return exitInvalid
		}
		written = append(written, files)
	} else {
		flows, err := s.reportFlows(ctx, *flowName)
		if err != nil {
			fmt.Fprintf(e.stderr, "mhero report: %v\n", err)
			return exitInvalid
		}
		filter := analytics.Filter{}
		if *month != "" {
			filter.Since = time.Date(year, mon, 1, 0, 0, 0, 0, s.loc)
			filter.Until = filter.Since.AddDate(0, 1, 0)
		}
		for _, f := range flows {
			files, err := writeReport(ctx, s.mon, kind, f, filter, opts, *dir)
			if err != nil {
				fmt.Fprintf(e.stderr, "mhero report %s: %s: %v\n", kind, f.Name, err)
				return exitInvalid
			}
			written = append(written, files)
		}
	}
	skipped := ""
	for _, files := range written {
		for _, p := range files.Paths {
			fmt.Fprintln(e.stdout, p)
		}
		skipped = cmp.Or(skipped, files.PDFSkipped)
	}
	if skipped != "" {
		fmt.Fprintln(e.stderr, skipped)
	}
	return exitOK
}

// openReport opens the store and the Monitor of the workspace to report
// on: the sandbox's after a refresh, or the one the store holds, in loc or,
// when nil, in the workspace's zone as the store recorded it.
func openReport(ctx context.Context, e *env, o *monitorOptions, workspace, flowName string, loc *time.Location) (*monitorSession, error) {
	if o.sandbox {
		s, err := o.open(ctx, e, "report", flowName)
		if err != nil {
			return nil, err
		}
		if _, err := s.mon.Refresh(ctx, s.rp); err != nil {
			s.close()
			return nil, err
		}
		return s, nil
	}
	if !isPostgres(o.db) {
		// Opening a SQLite file that is not there would make an empty
		// store: say what to do instead.
		if _, err := os.Stat(o.db); err != nil {
			return nil, fmt.Errorf("no store %s: run mhero monitor first (or give the store with --db)", o.db)
		}
	}
	s := &monitorSession{now: time.Now, loc: loc}
	if o.sandboxURL != "" {
		// A running mhero sandbox: the report is dated by its simulated
		// clock, as the runs are.
		c := newSandboxClient(o.sandboxURL, e.env("RAPIDPRO_TOKEN"))
		if _, err := c.readClock(ctx); err != nil {
			return nil, err
		}
		s.now = c.now
	}
	var err error
	if s.db, err = store.Open(ctx, o.db); err != nil {
		return nil, err
	}
	s.cleanup = append(s.cleanup, func() { s.db.Close() })
	if workspace == "" {
		all, err := analytics.Workspaces(ctx, s.db)
		if err != nil {
			s.close()
			return nil, err
		}
		switch len(all) {
		case 0:
			s.close()
			return nil, fmt.Errorf("%s tracks no workflow yet: run mhero monitor --flow NAME first", o.dbName())
		case 1:
			workspace = all[0]
		default:
			s.close()
			return nil, fmt.Errorf("%s holds the workflows of %d RapidPro workspaces: choose one with --workspace (%s)", o.dbName(), len(all), strings.Join(all, ", "))
		}
	}
	if loc == nil {
		m, err := analytics.New(ctx, s.db, workspace)
		if err == nil {
			loc, err = m.Location(ctx)
		}
		if err != nil {
			s.close()
			return nil, fmt.Errorf("%w (give the zone with --tz)", err)
		}
		s.loc = loc
	}
	if s.mon, err = analytics.New(ctx, s.db, workspace, analytics.WithLocation(loc)); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// reportFlows returns the tracked flows to report on: the one name names
// (a UUID, a name, or a workflow file or example by its compiled flow), or
// all.
func (s *monitorSession) reportFlows(ctx context.Context, name string) ([]analytics.Flow, error) {
	flows, err := s.mon.Flows(ctx)
	if err != nil {
		return nil, err
	}
	if len(flows) == 0 {
		return nil, fmt.Errorf("no workflow is tracked for workspace %s: run mhero monitor --flow NAME first", s.mon.Workspace())
	}
	if s.world != nil {
		name = s.world.flow
	}
	if name == "" {
		return flows, nil
	}
	uuid := ""
	if w, err := parseWorkflow(name); err == nil {
		if exp, err := workflow.Compile(w); err == nil {
			uuid = exp.Flows[0].UUID
		}
	}
	var names []string
	for _, f := range flows {
		if strings.EqualFold(f.UUID, name) || strings.EqualFold(f.Name, name) || f.UUID == uuid {
			return []analytics.Flow{f}, nil
		}
		names = append(names, fmt.Sprintf("%q", f.Name))
	}
	return nil, fmt.Errorf("no tracked workflow %q (tracked: %s); mhero monitor --flow %s tracks it", name, strings.Join(names, ", "), name)
}

// writeReport writes one report of one workflow into dir.
func writeReport(ctx context.Context, m *analytics.Monitor, kind string, f analytics.Flow, filter analytics.Filter, opts report.Options, dir string) (*report.Files, error) {
	if kind == "floip" {
		return (&report.FlowResults{Flow: f, Runs: m.Runs(ctx, f.UUID, filter), Options: opts}).WriteFiles(ctx, dir)
	}
	a, err := m.Analyze(ctx, f.UUID, filter)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "overview":
		return (&report.Overview{Analysis: a, NonResponders: m.NonResponders(ctx, f.UUID, filter), Options: opts}).WriteFiles(ctx, dir)
	case "analysis":
		return (&report.Analysis{Analysis: a, CrossTabs: a.CrossTabs, Options: opts}).WriteFiles(ctx, dir)
	case "monitoring":
		return (&report.MonitoringTool{Analysis: a, CrossTabs: a.CrossTabs, NonResponders: m.NonResponders(ctx, f.UUID, filter), Options: opts}).WriteFiles(ctx, dir)
	}
	return nil, fmt.Errorf("unknown report %q", kind)
}
