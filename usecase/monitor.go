package usecase

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/analytics/report"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
)

// WithAnalytics sets the analytics Monitor of the RapidPro workspace that
// [Manager.Monitor] and [Manager.Report] use. Give it the directory of the
// target syncs (analytics.WithDirectory(analytics.TargetDirectory(…)))
// so that the reports break the answers down by district and cadre.
// Without it the Manager makes a Monitor of its own in its database, with
// no directory: the reports then give the totals and the questions only.
func WithAnalytics(a *analytics.Monitor) Option {
	return func(m *Manager) error { m.analytics = a; return nil }
}

// monitor returns the analytics Monitor, making the Manager's own on
// first use.
func (m *Manager) monitor(ctx context.Context) (*analytics.Monitor, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.analytics != nil {
		return m.analytics, nil
	}
	if m.rp == nil {
		return nil, ErrNoRapidPro
	}
	ws := m.rp.WorkspaceUUID()
	if ws == "" {
		w, err := m.rp.Workspace.Get(ctx)
		if err != nil {
			return nil, fmt.Errorf("usecase: reading the RapidPro workspace: %w", err)
		}
		ws = w.UUID
	}
	a, err := analytics.New(ctx, m.db, ws, analytics.WithClock(m.now))
	if err != nil {
		return nil, err
	}
	m.analytics = a
	return a, nil
}

// Monitoring is what [Manager.Monitor] found.
type Monitoring struct {
	// Analysis is the analysis of the activation's send only: the test
	// sends to the test phones are left out.
	Analysis *analytics.Analysis `json:"analysis"`
	// Refreshed says what the refresh fetched from RapidPro.
	Refreshed *analytics.Refreshed `json:"refreshed"`
}

// Monitor refreshes the analytics of an active use case — the runs and
// messages of its flow, fetched from RapidPro since the last refresh —
// and records the headline numbers of the flow start made on activation
// (runs of the test sends are not counted) in the record and the audit
// log. The first call moves the use case from active to monitoring; later
// ones refresh it again, as often as wanted, until it is reported.
func (m *Manager) Monitor(ctx context.Context, id, by string) (*Record, *Monitoring, error) {
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if rec.State != StateActive && rec.State != StateMonitoring {
		return nil, nil, &StateError{Case: rec.ID, From: rec.State, To: StateMonitoring, Action: "monitor", Need: needs[StateMonitoring]}
	}
	if rec.StartUUID == "" {
		return nil, nil, fmt.Errorf("usecase %s: no flow start recorded: activate it first", rec.ID)
	}
	an, err := m.monitor(ctx)
	if err != nil {
		return nil, nil, err
	}
	v, err := getVersion(ctx, m.db, rec.ID, rec.Version)
	if err != nil {
		return nil, nil, err
	}
	exp, err := v.ParsedExport()
	if err != nil {
		return nil, nil, err
	}
	// Tracking the compiled flow, not RapidPro's copy: activation checked
	// they are the same (Fingerprint), and this needs no request.
	if err := an.Track(ctx, &exp.Flows[0]); err != nil {
		return nil, nil, fmt.Errorf("usecase: tracking the flow: %w", err)
	}
	m.report(Progress{Step: "monitoring", Stage: "fetching runs and messages from RapidPro"})
	refreshed, err := an.Refresh(ctx, m.rp, rec.FlowUUID)
	if err != nil {
		return nil, nil, fmt.Errorf("usecase: refreshing the analytics: %w", err)
	}
	a, err := an.Analyze(ctx, rec.FlowUUID, sendFilter(rec))
	if err != nil {
		return nil, nil, err
	}
	h := &Headline{AsOf: a.AsOf, Send: rec.StartUUID, Counts: a.Counts}
	if h.AsOf.IsZero() {
		h.AsOf = m.clock()
	}
	rec, err = m.apply(ctx, rec.ID, step{action: "monitored", actor: by, to: StateMonitoring,
		from: []State{StateActive, StateMonitoring}, reason: h.Summary(),
		data: map[string]any{"flowStart": rec.StartUUID, "asOf": h.AsOf, "counts": h.Counts,
			"responseRate": h.Counts.ResponseRate().String(), "deliveryRate": h.Counts.DeliveryRate().String(),
			"completionRate": h.Counts.CompletionRate().String(), "newRuns": newRuns(refreshed)},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			_, err := tx.Exec(ctx, `UPDATE usecase_case SET monitoring = $1 WHERE id = $2`, jsonText(h), rec.ID)
			return err
		}})
	if err != nil {
		return nil, nil, err
	}
	return rec, &Monitoring{Analysis: a, Refreshed: refreshed}, nil
}

// sendFilter selects the runs of the use case's activation.
func sendFilter(rec *Record) analytics.Filter {
	return analytics.Filter{Sends: []string{rec.StartUUID}}
}

func newRuns(r *analytics.Refreshed) int {
	n := 0
	for _, f := range r.Flows {
		n += f.NewRuns
	}
	return n
}

// Summary gives the headline in one sentence, as the audit log and the
// register say it.
func (h *Headline) Summary() string {
	c := h.Counts
	s := fmt.Sprintf("%d health workers reached: %d responded (%s), %d answered every question (%s); messages delivered to %d (%s), failed for %d, likely out of coverage",
		c.Contacted, c.Responded, pct(c.ResponseRate()), c.AnsweredAll, pct(c.CompletionRate()), c.Delivered, pct(c.DeliveryRate()), c.Failed)
	if c.Active > 0 {
		s += fmt.Sprintf("; %d runs still waiting for a reply", c.Active)
	}
	return s
}

func pct(r analytics.Rate) string {
	if r.Of == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f%%", 100*r.Value())
}

// ReportInput says how to write a use case's reports.
type ReportInput struct {
	By string
	// Dir is the directory the files are written into (made if missing).
	Dir string
	// ShowPhones shows health workers' phone numbers in full in the
	// Monitoring Tool's follow-up list; masked by default.
	ShowPhones bool
	// Location is the time zone the reports show dates in (UTC when nil).
	Location *time.Location
	// NoPDF skips the PDF copies, which need Chromium (report.PrintPDF);
	// Chromium names the browser ("" looks for one).
	NoPDF    bool
	Chromium string
}

// The kinds of report files.
const (
	ReportOverview   = "overview"   // the Use Case Overview Report, for the Requestor
	ReportAnalysis   = "analysis"   // the Analysis Report
	ReportMonitoring = "monitoring" // the Monitoring Tool (XLSX and CSV)
)

// Reports is what [Manager.Report] wrote.
type Reports struct {
	Files []Report `json:"files"`
	// PDFSkipped says why the PDF copies are missing, when they are.
	PDFSkipped string `json:"pdfSkipped,omitempty"`
	// Counts are the headline numbers the reports give.
	Counts analytics.Counts `json:"counts"`
}

// Report writes the reports of a monitored use case into a directory,
// through package analytics/report: the Use Case Overview Report (HTML,
// Markdown and, with Chromium, PDF), the Analysis Report, and the
// Monitoring Tool (XLSX with the same tables as CSV, and the list of
// non-responders to follow up). They cover the flow start made on
// activation, as of the last [Manager.Monitor] (run it first for fresher
// numbers): the reports read the store, not RapidPro. Each file's
// SHA-256 is recorded with the use case and in the audit log, so that the
// report sent to the Requestor can be shown to be the one written. It
// may be run again; the last files written are the ones recorded.
func (m *Manager) Report(ctx context.Context, id string, in ReportInput) (*Record, *Reports, error) {
	if strings.TrimSpace(in.Dir) == "" {
		return nil, nil, errors.New("usecase: say which directory the reports go in")
	}
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if rec.State != StateMonitoring {
		return nil, nil, &StateError{Case: rec.ID, From: rec.State, To: StateReported, Action: "write the reports",
			Need: "monitor it first (mhero usecase monitor)"}
	}
	an, err := m.monitor(ctx)
	if err != nil {
		return nil, nil, err
	}
	dir, err := filepath.Abs(in.Dir)
	if err != nil {
		return nil, nil, err
	}
	filter := sendFilter(rec)
	a, err := an.Analyze(ctx, rec.FlowUUID, filter)
	if err != nil {
		return nil, nil, err
	}
	cross, err := an.CrossTabs(ctx, rec.FlowUUID, filter, analytics.ByDistrict, analytics.ByCadre)
	if err != nil {
		return nil, nil, err
	}
	opts, err := m.reportOptions(ctx, rec, in)
	if err != nil {
		return nil, nil, err
	}
	nonResponders := an.NonResponders(ctx, rec.FlowUUID, filter)
	out := &Reports{Counts: a.Counts}
	type writer interface {
		WriteFiles(ctx context.Context, dir string) (*report.Files, error)
	}
	m.report(Progress{Step: "reports", Stage: "writing", Total: 3})
	for i, w := range []struct {
		kind string
		w    writer
	}{
		{ReportOverview, &report.Overview{Analysis: a, NonResponders: nonResponders, Options: opts}},
		{ReportAnalysis, &report.Analysis{Analysis: a, CrossTabs: cross, Options: opts}},
		{ReportMonitoring, &report.MonitoringTool{Analysis: a, CrossTabs: cross, NonResponders: nonResponders, Options: opts}},
	} {
		files, err := w.w.WriteFiles(ctx, dir)
		if err != nil {
			return nil, nil, fmt.Errorf("usecase: writing the %s report: %w", w.kind, err)
		}
		if files.PDFSkipped != "" {
			out.PDFSkipped = files.PDFSkipped
		}
		for _, p := range files.Paths {
			sum, err := fileSHA256(p)
			if err != nil {
				return nil, nil, err
			}
			out.Files = append(out.Files, Report{Kind: w.kind, Path: p, SHA256: sum})
		}
		m.report(Progress{Step: "reports", Stage: "writing", Done: i + 1, Total: 3})
	}
	var listed []map[string]string
	for _, f := range out.Files {
		listed = append(listed, map[string]string{"kind": f.Kind, "file": filepath.Base(f.Path), "sha256": f.SHA256})
	}
	rec, err = m.apply(ctx, rec.ID, step{action: "reports written", actor: in.By, from: []State{StateMonitoring},
		reason: fmt.Sprintf("%d files in %s, as of %s: %s", len(out.Files), dir, a.AsOf.UTC().Format(time.RFC3339),
			(&Headline{Counts: a.Counts}).Summary()),
		data: map[string]any{"dir": dir, "files": listed, "counts": a.Counts},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			_, err := tx.Exec(ctx, `UPDATE usecase_case SET reports = $1 WHERE id = $2`, jsonText(out.Files), rec.ID)
			return err
		}})
	if err != nil {
		return nil, nil, err
	}
	return rec, out, nil
}

// reportOptions are the reports' options: the use case's facts, masked
// phones, the Manager's clock.
func (m *Manager) reportOptions(ctx context.Context, rec *Record, in ReportInput) (report.Options, error) {
	uc := &report.UseCase{ID: rec.ID, Title: rec.Title, Unit: rec.Unit, Purpose: rec.Form.Purpose,
		Requestor: rec.Form.Requestor.Name, DataManager: rec.DataManager.Name}
	aps, err := m.Approvals(ctx, rec.ID)
	if err != nil {
		return report.Options{}, err
	}
	for _, a := range aps {
		if a.Status == ApprovalApproved && a.Version == rec.Version {
			uc.Approver = a.Approver.Name
		}
	}
	return report.Options{UseCase: uc, ShowPhones: in.ShowPhones, Location: in.Location, Generated: m.clock(),
		NoPDF: in.NoPDF, Chromium: in.Chromium}, nil
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("usecase: hashing %s: %w", path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// SendInput says how the Overview Report reaches the Requestor.
type SendInput struct {
	By string
	// Where tells the Requestor where to find the report: a shared
	// folder, a web address, "by e-mail". An SMS cannot carry a file, so
	// the files go by whatever channel this names; by default the SMS
	// names the Overview Report's file and says the Data Manager sends it.
	Where string
}

// Delivery records how the Overview Report went to the Requestor.
type Delivery struct {
	// At is when it was recorded; Broadcast is the SMS to the Requestor,
	// Text what it said.
	At        time.Time `json:"at"`
	Broadcast string    `json:"broadcast"`
	Text      string    `json:"text"`
	Segments  Segments  `json:"segments"`
	To        string    `json:"to"` // the Requestor, number masked
	Where     string    `json:"where"`
	// Files are the Overview Report's files as sent, with the SHA-256
	// each had when written (checked again before sending).
	Files []Report `json:"files"`
}

// ErrNoReport reports a use case sent to its Requestor before its reports
// were written, or whose report files changed since.
var ErrNoReport = errors.New("usecase: no report to send")

// SendReport sends the Overview Report to the Requestor, which closes the
// use case (reported). What "send" means: the module checks that the
// Overview Report's files are still the ones [Manager.Report] wrote and
// recorded (same SHA-256), sends the Requestor one SMS through RapidPro
// saying the report is ready, its headline response rate, and where it is
// (in.Where), and records that delivery — the SMS, the files and their
// hashes — in the audit log. The files themselves reach the Requestor by
// the channel in.Where names (e-mail, a shared folder): an SMS cannot
// carry them, and the module does not send e-mail.
func (m *Manager) SendReport(ctx context.Context, id string, in SendInput) (*Record, *Delivery, error) {
	if m.rp == nil {
		return nil, nil, ErrNoRapidPro
	}
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if rec.State != StateMonitoring {
		return nil, nil, &StateError{Case: rec.ID, From: rec.State, To: StateReported, Action: "send the report", Need: needs[StateReported]}
	}
	var files []Report
	for _, r := range rec.Reports {
		if r.Kind == ReportOverview {
			files = append(files, r)
		}
	}
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("%w: write the reports of %s first (mhero usecase report)", ErrNoReport, rec.ID)
	}
	for _, f := range files {
		sum, err := fileSHA256(f.Path)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %w (write the reports again)", ErrNoReport, rec.ID, err)
		}
		if sum != f.SHA256 {
			return nil, nil, fmt.Errorf("%w: %s changed since it was written (write the reports again)", ErrNoReport, f.Path)
		}
	}
	// The file to name: the PDF when one was printed, the HTML otherwise.
	named := files[0]
	if i := slices.IndexFunc(files, func(r Report) bool { return strings.HasSuffix(r.Path, ".pdf") }); i >= 0 {
		named = files[i]
	}
	where := strings.TrimSpace(in.Where)
	if where == "" {
		where = fmt.Sprintf("%s sends you %s", firstName(rec.DataManager.Name), filepath.Base(named.Path))
	} else {
		where = "See " + where
	}
	rate := ""
	if h := rec.Monitoring; h != nil && h.Counts.Contacted > 0 {
		rate = fmt.Sprintf(" %d of %d health workers responded.", h.Counts.Responded, h.Counts.Contacted)
	}
	text, err := fitSMS(func(title string) string {
		return fmt.Sprintf("mHero: the Overview Report of %q (%s) is ready.%s %s.", title, rec.ID, rate, where)
	}, rec.Title)
	if err != nil {
		return nil, nil, err
	}
	b, err := m.rp.Broadcasts.Create(ctx, &rapidpro.BroadcastRequest{URNs: []string{rec.Form.Requestor.URN}, Text: rapidpro.Translations{"": text}})
	if err != nil {
		return nil, nil, fmt.Errorf("usecase: sending the report notice to the Requestor: %w", err)
	}
	d := &Delivery{At: m.clock(), Broadcast: b.UUID, Text: text, Segments: Segment(text), To: rec.Form.Requestor.String(),
		Where: where, Files: files}
	rec, err = m.apply(ctx, rec.ID, step{action: "report sent to the Requestor", actor: in.By, to: StateReported,
		from: []State{StateMonitoring}, reason: fmt.Sprintf("one SMS to %s: %s", d.To, text),
		data: map[string]any{"broadcast": b.UUID, "text": text, "where": where, "files": files},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			_, err := tx.Exec(ctx, `UPDATE usecase_case SET delivery = $1 WHERE id = $2`, jsonText(d), rec.ID)
			return err
		}})
	if err != nil {
		return nil, nil, err
	}
	return rec, d, nil
}

// fitSMS fills a message with a title, shortening the title until the
// message fits in one SMS when it can; a message that cannot fit one
// (a long Where) takes the fewest parts, with the title shortened.
func fitSMS(msg func(title string) string, title string) (string, error) {
	if text, err := oneSMS(msg, title); err == nil {
		return text, nil
	}
	r := []rune(title)
	if len(r) > 24 {
		return msg(strings.TrimSpace(string(r[:21])) + "..."), nil
	}
	return msg(title), nil
}
