package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/usecase"
)

// runDemo runs one use case through every step of the Standard Operating
// Procedure on the sandbox (in-process iHRIS and RapidPro with simulated
// health workers and a simulated Director), through package usecase, and
// prints who did what at each step.
func runDemo(e *env, args []string) int {
	fs := e.newFlagSet("demo")
	wfFile := fs.String("workflow", "malaria-stock", "the workflow to send: a file, or a built-in example ("+strings.Join(workflows.Names(), ", ")+")")
	cadre := fs.String("cadre", "nurse", "the cadre to target (ihris-cadre code)")
	district := fs.String("district", "", "the iHRIS Location id of the district (default: the largest)")
	workers := fs.Int("workers", sandboxWorkers, "health workers in the generated registry")
	seed := fs.Uint64("seed", 1, "seed of the generated registry, the health workers' behaviour and the approval code")
	days := fs.Int("days", 4, "simulated days to wait for answers (the example workflow expires after 3)")
	noPDF := fs.Bool("no-pdf", false, "skip the PDF copies of the reports (printed by Chromium, when installed)")
	chromium := chromiumFlag(fs)
	outDir := fs.String("out", "", "the directory for the reports, the register and the state database (default: a new temporary directory, kept)")
	fs.StringVar(outDir, "o", "", "the same as --out, as in mhero report -o DIR")
	pos, status, ok := e.parse(fs, args)
	if !ok {
		return status
	}
	if len(pos) > 0 {
		fmt.Fprintf(e.stderr, "mhero demo: unexpected argument %q\n", pos[0])
		commandUsage(e.stderr, fs)
		return exitUsage
	}
	switch {
	case *workers < 1 || *workers > 1_000_000:
		fmt.Fprintf(e.stderr, "mhero demo: --workers %d: want 1 to 1000000 health workers\n", *workers)
		return exitUsage
	case *days < 1:
		fmt.Fprintf(e.stderr, "mhero demo: --days %d: want at least 1 day\n", *days)
		return exitUsage
	}
	// Checked here so that a bad workflow is reported before the sandbox
	// starts, with every problem and its position.
	wf, ok := e.load("demo", *wfFile)
	if !ok {
		return exitInvalid
	}
	cfg := demoConfig{workflow: *wfFile, name: wf.Name, cadre: *cadre, district: *district, workers: *workers, seed: *seed,
		wait: time.Duration(*days) * 24 * time.Hour, out: *outDir, noPDF: *noPDF, chromium: *chromium}
	if err := demo(context.Background(), e, cfg); err != nil {
		fmt.Fprintf(e.stderr, "mhero demo: %v\n", err)
		return exitInvalid
	}
	return exitOK
}

type demoConfig struct {
	workflow, cadre, district string
	name                      string // the workflow's
	workers                   int
	seed                      uint64
	wait                      time.Duration
	out                       string
	noPDF                     bool
	chromium                  string
}

// The people of the demo's use case, with Liberian phone numbers. The
// Director's phone is the sandbox's simulated Director, who answers
// approval requests; the Requestor's and the Data Manager's are test
// phones whose simulated owners answer the tests at once.
var (
	demoDirector  = usecase.Person{Name: "Dr. Musu Kollie", Title: "Director", Phone: "0886 000 001"}
	demoRequestor = usecase.Person{Name: "Joseph Flomo", Title: "Supply chain officer", Phone: "0776 000 002"}
	demoDM        = usecase.Person{Name: "Aminata Sesay", Title: "Data Manager", Phone: "0777 000 003"}
)

const demoUnit = "National Malaria Control Program"

// demoForm is the Use Case Request Form the demo files: the target is the
// cadre in the district, the send a week after the sandbox's first day.
// The example malaria workflow comes from the malaria programme; any other
// from the department of health services.
func demoForm(cfg demoConfig, wf, area string) string {
	title, unit := wf, "Department of Health Services"
	purpose := fmt.Sprintf("What the %s of %s answer to %q, to plan the follow-up.", cfg.cadre, area, wf)
	followUp := "The department calls back every health worker whose answers need action."
	if wf == "Malaria stock check" {
		title, unit = "Malaria commodity stock check", demoUnit
		purpose = "Find the facilities that will run out of ACTs or RDTs before the rains."
		followUp = "The county pharmacist calls every facility out of stock."
	}
	return fmt.Sprintf(`title: %q
unit:
  name: %s
  director: {name: %s, title: %s, phone: "%s"}
purpose: %q
requestor: {name: %s, title: %s, phone: "%s"}
target:
  name: %s in %s
  country: LR
  criteria:
    places: [%s]
    cadres: [%s]
workflow: %s
follow_up:
  - %s
send:
  date: 2026-03-09
  time: "08:00"
  window: 24h
filed: 2026-03-02
`, title, unit, demoDirector.Name, demoDirector.Title, demoDirector.Phone, purpose, demoRequestor.Name, demoRequestor.Title, demoRequestor.Phone,
		cfg.cadre, area, cfg.district, cfg.cadre, cfg.workflow, followUp)
}

// demoOpen reads the files the form names: the workflow file, or a
// built-in example.
func demoOpen(name string) ([]byte, error) {
	data, err := os.ReadFile(name)
	if errors.Is(err, os.ErrNotExist) {
		if _, ex, ok := workflows.Lookup(name); ok {
			return ex, nil
		}
	}
	return data, err
}

func demo(ctx context.Context, e *env, cfg demoConfig) error {
	began := time.Now()
	out := e.stdout
	dir := cfg.out
	if dir == "" {
		var err error
		if dir, err = os.MkdirTemp("", "mhero-demo-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// The sandbox is new each run, so an earlier run's use cases would
	// name flows and contacts that no longer exist.
	if _, err := os.Stat(filepath.Join(dir, "mhero.db")); err == nil {
		return fmt.Errorf("%s already holds the state of an earlier demo (mhero.db): give a new or empty -o directory", dir)
	}
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: cfg.workers, Seed: cfg.seed}, Seed: cfg.seed})
	if err != nil {
		return err
	}
	defer sb.Close()
	directorURN, err := rapidpro.PhoneURN(demoDirector.Phone, "LR")
	if err != nil {
		return err
	}
	sb.AddDirector(sandbox.Director{URN: directorURN, Delay: 25 * time.Minute})
	for _, p := range []usecase.Person{demoRequestor, demoDM} {
		urn, err := rapidpro.PhoneURN(p.Phone, "LR")
		if err != nil {
			return err
		}
		sb.Engine.SetPersona(urn, sandbox.Persona{Kind: sandbox.Responsive})
	}

	w, err := newDemoWorld(ctx, sb, dir, cfg.seed)
	if err != nil {
		return err
	}
	defer w.close()
	// The test phones are contacts of the workspace already, with their
	// owners' names, as in a real one.
	for _, p := range []usecase.Person{demoRequestor, demoDM, demoDirector} {
		urn, _ := rapidpro.PhoneURN(p.Phone, "LR")
		if _, err := w.rp.Contacts.Create(ctx, &rapidpro.ContactRequest{Name: rapidpro.Ptr(p.Name), URNs: []string{urn}}); err != nil {
			return err
		}
	}

	if cfg.district == "" {
		cfg.district = largest(sb.IHRIS.Truth().ByDistrict)
	}
	places, err := w.reg.Places(ctx)
	if err != nil {
		return err
	}
	area, ok := places.Get(cfg.district)
	if !ok {
		return fmt.Errorf("no Location %q in iHRIS", cfg.district)
	}

	fmt.Fprintf(out, "mHero demo: one use case through every step of the Standard Operating Procedure\n")
	fmt.Fprintf(out, "Sandbox: iHRIS with %d generated health workers at %s; RapidPro at %s\n", cfg.workers, sb.IHRIS.URL(), sb.RapidPro.URL())
	fmt.Fprintf(out, "People: %s (Requestor), %s (Director of the requesting unit), %s (Data Manager)\n",
		demoRequestor.Name, demoDirector.Name, demoDM.Name)
	fmt.Fprintf(out, "State database, reports and register: %s\n", dir)

	t := &demoTranscript{w: out, m: w.m, now: sb.Now}
	m := w.m
	const by = "Aminata Sesay"

	// 1. The Request Form.
	form, problems, err := usecase.ParseForm("request.yaml", []byte(demoForm(cfg, cfg.name, area.Name)), sb.Now(), demoOpen)
	if err != nil {
		return err
	}
	rec, err := m.Create(ctx, *form, by)
	if err != nil {
		return err
	}
	t.step("Use Case Request Form", demoRequestor.Name+", Requestor, files it; "+demoDM.Name+" records it")
	sendAt, _ := form.Send.At()
	t.detail("%q: cadre %s in %s %s (iHRIS %s), workflow %s, to send %s",
		form.Title, cfg.cadre, area.LevelName, area.Name, area.ID, form.WorkflowFile, showTime(sendAt, sendAt.Location()))
	for _, p := range problems {
		t.detail("flagged: %s", p)
	}
	t.done(ctx, rec)

	// 2. Review.
	dm := demoDM
	rec, err = m.Review(ctx, rec.ID, usecase.ReviewInput{DataManager: dm, Notes: "questions, target and send date agreed with the Requestor"})
	if err != nil {
		return err
	}
	t.step("Review", demoDM.Name+", Data Manager, with the Requestor")
	t.done(ctx, rec)

	// 3-4. Development and the simulator.
	rec, sim, err := m.Simulate(ctx, rec.ID, by, nil)
	if err != nil {
		return err
	}
	t.step("Development and simulator test", demoDM.Name+", offline")
	for _, tr := range sim.Transcripts {
		t.detail("conversation %q: %d messages, %s", tr.Conversation, len(tr.Turns), tr.Status)
	}
	if c := sim.Coverage; c != nil {
		t.detail("path coverage: %d of %d nodes visited; %s", c.Visited, c.Nodes, demoUntried(c))
	}
	t.done(ctx, rec)

	// 5. The Data Manager's phone.
	rec, test, err := m.TestOnPhone(ctx, rec.ID, by, usecase.PhoneDataManager)
	if err != nil {
		return err
	}
	if err := t.settle(ctx, sb, time.Hour); err != nil {
		return err
	}
	t.step("Test on the Data Manager's phone", demoDM.Name)
	if err := t.live(ctx, rec.ID, test); err != nil {
		return err
	}
	t.done(ctx, rec)

	// 6. The Requestor is told a test is coming.
	if rec, err = m.Notify(ctx, rec.ID, by); err != nil {
		return err
	}
	t.step("Requestor notified", demoDM.Name+" to "+demoRequestor.Name+", one SMS")
	t.done(ctx, rec)

	// 7. The Requestor's phone, and their verdict.
	rec, test, err = m.TestOnPhone(ctx, rec.ID, by, usecase.PhoneRequestor)
	if err != nil {
		return err
	}
	if err := t.settle(ctx, sb, time.Hour); err != nil {
		return err
	}
	t.step("Test on the Requestor's phone", demoRequestor.Name)
	if err := t.live(ctx, rec.ID, test); err != nil {
		return err
	}
	if rec, err = m.Feedback(ctx, rec.ID, usecase.FeedbackInput{By: demoRequestor.Name, Text: "clear and short; send it", Accept: true}); err != nil {
		return err
	}
	t.done(ctx, rec)

	// The gate: no activation without an approval.
	t.step("Activation tried before any approval", demoDM.Name)
	if _, _, err := m.Activate(ctx, rec.ID, usecase.ActivateInput{By: by}); !errors.Is(err, usecase.ErrNotApproved) {
		return fmt.Errorf("activation without approval: %v, want it refused", err)
	}
	t.done(ctx, rec)

	// 8. The approval request, answered by the simulated Director.
	rec, req, err := m.RequestApproval(ctx, rec.ID, by)
	if err != nil {
		return err
	}
	t.step("Approval requested", demoDM.Name+" to "+demoDirector.Name+", Director")
	t.detail("%d questions in %s; %d health workers reached (%d selected cannot be: no usable phone)",
		len(req.Questions), strings.Join(req.Languages, ", "), req.Recipients, req.Unreachable)
	t.detail("cost: %s", req.Cost)
	t.detail("SMS to the Director: %s", req.SMS)
	t.done(ctx, rec)
	if err := t.settle(ctx, sb, time.Hour); err != nil {
		return err
	}
	rec, a, err := m.CheckApproval(ctx, rec.ID, by)
	if err != nil {
		return err
	}
	if a.Status != usecase.ApprovalApproved {
		return fmt.Errorf("the Director's answer: %s", a.Status)
	}
	t.step("Approved", demoDirector.Name+", by SMS from the Director's registered phone")
	t.detail("reply %q received %s; bound to %s", a.Evidence.Text, showTime(a.Evidence.ReceivedAt, sendAt.Location()), a.Binding[:16]+"…")
	t.done(ctx, rec)

	// 9. Activation at the approved time.
	rec, act, err := m.Activate(ctx, rec.ID, usecase.ActivateInput{By: by, Wait: true})
	if err != nil {
		return err
	}
	t.step("Activated", demoDM.Name+", at the approved send time")
	t.detail("target synced: %d contacts in group %q (%d created); flow started once for the group (start %s)",
		act.Sync.Reachable, act.Sync.Group, act.Sync.Created, act.Start.UUID)
	t.done(ctx, rec)

	// 10. Fieldwork.
	st, err := sb.Settle(ctx, cfg.wait)
	if err != nil {
		return err
	}
	t.step("Fieldwork", fmt.Sprintf("%d simulated health workers, %s of simulated time", act.Sync.Reachable, days(cfg.wait)))
	t.detail("%d replies received, %d questions timed out", st.Replies, st.Timeouts)
	kinds, err := demoPersonas(ctx, sb, w.rp, act.Sync.GroupUUID)
	if err != nil {
		return err
	}
	t.detail("the sandbox's behaviour for them (the ground truth): %s", counts(kinds))

	// 11. Monitoring.
	rec, mon, err := m.Monitor(ctx, rec.ID, by)
	if err != nil {
		return err
	}
	t.step("Monitoring", demoDM.Name+", analytics refreshed from RapidPro")
	runs := demoRuns(mon.Refreshed)
	t.detail("%d runs (%d of them the tests, not counted) and %d messages fetched in %d API calls",
		runs, runs-mon.Analysis.Counts.Contacted, mon.Refreshed.Messages, demoSum(mon.Refreshed.Calls))
	t.done(ctx, rec)

	// 12. Reports.
	reportDir := filepath.Join(dir, "reports")
	rec, reps, err := m.Report(ctx, rec.ID, usecase.ReportInput{By: by, Dir: reportDir, NoPDF: cfg.noPDF, Chromium: cfg.chromium})
	if err != nil {
		return err
	}
	t.step("Reports written", demoDM.Name)
	if reps.PDFSkipped != "" {
		t.detail("%s", reps.PDFSkipped)
	}
	t.done(ctx, rec)

	// 13. The Overview Report to the Requestor.
	rec, d, err := m.SendReport(ctx, rec.ID, usecase.SendInput{By: by})
	if err != nil {
		return err
	}
	t.step("Overview Report sent to the Requestor", demoDM.Name+" to "+demoRequestor.Name)
	t.detail("the SMS says where the report is (%d part); the files go by e-mail or a shared folder", d.Segments.Parts)
	t.done(ctx, rec)

	// The register and the audit log.
	regPath := filepath.Join(dir, "use-case-register.xlsx")
	if err := demoWriteRegister(ctx, m, regPath); err != nil {
		return err
	}
	v, err := m.Verify(ctx)
	if err != nil {
		return err
	}
	status := "intact"
	if !v.OK() {
		status = fmt.Sprintf("BROKEN (%d findings)", len(v.Findings))
	}
	fmt.Fprintf(out, "\nAudit log: %d entries, %s, head %s\n", v.Entries, status, v.Head[:16])
	fmt.Fprintf(out, "Planning, Implementation and Monitoring Tool: %s\n", regPath)
	fmt.Fprintln(out, "Reports:")
	for _, f := range reps.Files {
		if rel, err := filepath.Rel(reportDir, f.Path); err == nil && strings.Contains(rel, string(filepath.Separator)) {
			continue // the Monitoring Tool's CSV copies: their folder is listed once
		}
		fmt.Fprintf(out, "  %-10s %s\n", f.Kind, f.Path)
	}
	if csvDir := demoCSVFolder(reps, reportDir); csvDir != "" {
		fmt.Fprintf(out, "  %-10s %s%c (CSV copies of the Monitoring Tool's sheets)\n", usecase.ReportMonitoring, csvDir, filepath.Separator)
	}
	fmt.Fprintf(e.stderr, "mhero demo: done in %s\n", time.Since(began).Round(100*time.Millisecond))
	return nil
}

// demoWorld holds the clients and stores the demo's Manager works with.
type demoWorld struct {
	rp  *rapidpro.Client
	reg *ihris.Registry
	m   *usecase.Manager
	db  *store.DB
}

func newDemoWorld(ctx context.Context, sb *sandbox.Sandbox, dir string, seed uint64) (_ *demoWorld, err error) {
	w := &demoWorld{}
	defer func() {
		if err != nil {
			w.close()
		}
	}()
	if w.rp, err = rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing()); err != nil {
		return nil, err
	}
	fc, err := fhir.NewClient(sb.IHRIS.URL())
	if err != nil {
		return nil, err
	}
	if w.reg, err = ihris.NewRegistry(fc); err != nil {
		return nil, err
	}
	if w.db, err = store.Open(ctx, filepath.Join(dir, "mhero.db")); err != nil {
		return nil, err
	}
	syncer, err := target.New(ctx, w.reg, w.rp, w.db, target.WithClock(sb.Now))
	if err != nil {
		return nil, err
	}
	ws, err := w.rp.Workspace.Get(ctx)
	if err != nil {
		return nil, err
	}
	attrs, err := target.NewAttributeStore(ctx, w.db, ws.UUID)
	if err != nil {
		return nil, err
	}
	an, err := analytics.New(ctx, w.db, ws.UUID, analytics.WithDirectory(analytics.TargetDirectory(attrs)), analytics.WithClock(sb.Now))
	if err != nil {
		return nil, err
	}
	// The approval code comes from the seed, so that the same flags give
	// the same transcript; a real Manager draws it from crypto/rand.
	codes := rand.New(rand.NewPCG(seed, 0x6d6865726f))
	w.m, err = usecase.New(ctx, w.db, usecase.WithRapidPro(w.rp), usecase.WithRegistry(w.reg), usecase.WithSyncer(syncer),
		usecase.WithAnalytics(an), usecase.WithClock(sb.Now),
		usecase.WithRandom(demoReader(func(p []byte) (int, error) {
			for i := range p {
				p[i] = byte(codes.Uint32())
			}
			return len(p), nil
		})),
		// The sandbox imports flows as Settings → Import does; RapidPro's
		// API cannot.
		usecase.WithImporter(func(_ context.Context, export []byte) error {
			_, err := sb.RapidPro.ImportFlows(export)
			return err
		}),
		// Waiting for the send time lets simulated time pass.
		usecase.WithSleep(func(ctx context.Context, d time.Duration) error {
			_, err := sb.Settle(ctx, d)
			return err
		}))
	if err != nil {
		return nil, err
	}
	return w, nil
}

func (w *demoWorld) close() {
	if w.db != nil {
		w.db.Close()
	}
}

type demoReader func([]byte) (int, error)

func (f demoReader) Read(p []byte) (int, error) { return f(p) }

// demoTranscript prints the demo's steps: who did what, what the audit log
// recorded, and the state the use case is in.
type demoTranscript struct {
	w    io.Writer
	m    *usecase.Manager
	now  func() time.Time
	n    int
	seen int64 // the last audit entry printed
}

// step starts a step: its number, name, who, and the simulated time.
func (t *demoTranscript) step(name, who string) {
	t.n++
	fmt.Fprintf(t.w, "\n%2d. %s — %s  [%s]\n", t.n, name, who, showTime(t.now(), time.UTC))
}

func (t *demoTranscript) detail(format string, args ...any) {
	fmt.Fprintf(t.w, "    %s\n", fmt.Sprintf(format, args...))
}

// done prints the audit entries the step added and the state it left.
func (t *demoTranscript) done(ctx context.Context, rec *usecase.Record) {
	for e, err := range t.m.Audit(ctx, rec.ID) {
		if err != nil {
			t.detail("(audit log unreadable: %v)", err)
			break
		}
		if e.Seq <= t.seen {
			continue
		}
		t.seen = e.Seq
		line := fmt.Sprintf("audit #%d %s: %s", e.Seq, e.Actor, e.Action)
		if e.Reason != "" {
			line += " — " + e.Reason
		}
		t.detail("%s", line)
	}
	t.detail("state: %s (%s)", rec.State.Label(), rec.ID)
}

func (t *demoTranscript) settle(ctx context.Context, sb *sandbox.Sandbox, d time.Duration) error {
	_, err := sb.Settle(ctx, d)
	return err
}

// live prints the conversation of a test on a phone, read back from
// RapidPro.
func (t *demoTranscript) live(ctx context.Context, id string, test *usecase.Test) error {
	tr, err := t.m.LiveTranscript(ctx, id, test.ID)
	if err != nil {
		return err
	}
	for _, turn := range tr.Turns {
		who := "mHero"
		if turn.Direction == "in" {
			who = "phone"
		}
		t.detail("  %-5s %s", who, demoOneLine(turn.Text, 100))
	}
	t.detail("run %s", tr.Status)
	return nil
}

// untried says which categories and exits no simulated conversation took.
func demoUntried(c *usecase.Coverage) string {
	var never []string
	total := len(c.Categories)
	for _, b := range c.Categories {
		if b.Hits == 0 {
			never = append(never, b.Where+" → "+b.Category)
		}
	}
	if len(never) == 0 {
		return fmt.Sprintf("all %d categories tried", total)
	}
	s := fmt.Sprintf("%d of %d categories tried; never tried: ", total-len(never), total)
	if len(never) > 4 {
		return s + strings.Join(never[:4], "; ") + fmt.Sprintf(" and %d more", len(never)-4)
	}
	return s + strings.Join(never, "; ")
}

// personas counts the sandbox's behaviour for the group's contacts.
func demoPersonas(ctx context.Context, sb *sandbox.Sandbox, rp *rapidpro.Client, group string) (map[string]int, error) {
	kinds := map[string]int{}
	for c, err := range rp.Contacts.List(ctx, &rapidpro.ContactListParams{Group: group}) {
		if err != nil {
			return nil, err
		}
		if len(c.URNs) > 0 {
			kinds[sb.Engine.Persona(c.URNs[0]).Kind.String()]++
		}
	}
	return kinds, nil
}

func demoRuns(r *analytics.Refreshed) int {
	n := 0
	for _, f := range r.Flows {
		n += f.Runs
	}
	return n
}

func demoSum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func demoWriteRegister(ctx context.Context, m *usecase.Manager, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := m.WriteRegister(ctx, f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// csvFolder is the folder of the Monitoring Tool's CSV files.
func demoCSVFolder(reps *usecase.Reports, dir string) string {
	for _, f := range reps.Files {
		if rel, err := filepath.Rel(dir, f.Path); err == nil && strings.Contains(rel, string(filepath.Separator)) {
			return filepath.Dir(f.Path)
		}
	}
	return ""
}

// oneLine puts text on one line of at most n characters.
func demoOneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

// counts formats a tally as "a 3, b 2", largest first.
func counts(m map[string]int) string {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b string) int {
		return cmp.Or(cmp.Compare(m[b], m[a]), strings.Compare(a, b))
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// largest returns the key with the largest count (the smallest key on ties).
func largest(m map[string]int) string {
	best := ""
	for k, n := range m {
		if best == "" || n > m[best] || n == m[best] && k < best {
			best = k
		}
	}
	return best
}

// days formats d as whole days when it is a number of days.
func days(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return plural(int(d/(24*time.Hour)), "1 day", fmt.Sprintf("%d days", d/(24*time.Hour)))
	}
	return d.String()
}
