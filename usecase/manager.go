package usecase

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mhero-go/mhero/analytics"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/workflow"
)

// Manager runs use cases through the SOP, keeping them in the module's
// state database. It is safe for concurrent use, and several processes
// (several Data Managers sharing a PostgreSQL database) may run one each:
// every step is one serial transaction that checks the use case is still
// where the step found it.
type Manager struct {
	db        *store.DB
	mu        sync.Mutex // guards analytics
	analytics *analytics.Monitor
	rp        *rapidpro.Client
	reg       *ihris.Registry
	syncer    *target.Syncer
	now       func() time.Time
	sleep     func(ctx context.Context, d time.Duration) error
	importer  func(ctx context.Context, export []byte) error
	random    io.Reader
	codeTTL   time.Duration
	progress  func(Progress)
}

// Option configures a Manager.
type Option func(*Manager) error

// WithRapidPro sets the RapidPro workspace the use cases are tested on
// and sent to; the steps that message anyone need it.
func WithRapidPro(c *rapidpro.Client) Option {
	return func(m *Manager) error { m.rp = c; return nil }
}

// WithRegistry sets the iHRIS registry that people named by their iHRIS
// id are looked up in.
func WithRegistry(r *ihris.Registry) Option {
	return func(m *Manager) error { m.reg = r; return nil }
}

// WithSyncer sets the target syncer that previews the target (how many
// health workers an approval covers) and syncs it on activation.
func WithSyncer(s *target.Syncer) Option {
	return func(m *Manager) error { m.syncer = s; return nil }
}

// WithClock sets the clock of the records and of the send window (the
// sandbox's simulated time, in a rehearsal).
func WithClock(now func() time.Time) Option {
	return func(m *Manager) error { m.now = now; return nil }
}

// WithSleep sets how activation waits for the approved send time (a
// sandbox lets simulated time pass instead).
func WithSleep(sleep func(ctx context.Context, d time.Duration) error) Option {
	return func(m *Manager) error { m.sleep = sleep; return nil }
}

// WithImporter sets a function that imports an export into the RapidPro
// workspace, as Settings → Import does; RapidPro's API cannot, so
// without one the Data Manager imports the export by hand when a step
// finds the flow missing or different (see [FlowMismatchError]).
func WithImporter(imp func(ctx context.Context, export []byte) error) Option {
	return func(m *Manager) error { m.importer = imp; return nil }
}

// WithRandom sets the source of the one-time approval codes
// (crypto/rand by default; tests make codes repeatable).
func WithRandom(r io.Reader) Option {
	return func(m *Manager) error { m.random = r; return nil }
}

// WithCodeTTL sets how long an approval code stays valid (72 hours by
// default, and never past the send window).
func WithCodeTTL(d time.Duration) Option {
	return func(m *Manager) error {
		if d <= 0 {
			return errors.New("usecase: WithCodeTTL needs a positive duration")
		}
		m.codeTTL = d
		return nil
	}
}

// WithProgress calls f as long steps (cost estimates, syncs, refreshes)
// advance. f must return quickly.
func WithProgress(f func(Progress)) Option {
	return func(m *Manager) error { m.progress = f; return nil }
}

// Progress reports how far a long step has come.
type Progress struct {
	// Step names the step ("target sync", "monitoring").
	Step  string
	Stage string
	// Done and Total count the stage's items; Total is 0 while unknown.
	Done, Total int
	// ETA is the time the rest takes, when known.
	ETA time.Duration
}

// New returns a Manager keeping its use cases in db, whose tables it
// creates or upgrades.
func New(ctx context.Context, db *store.DB, opts ...Option) (*Manager, error) {
	m := &Manager{db: db, now: time.Now, random: rand.Reader, codeTTL: 72 * time.Hour, sleep: sleepCtx}
	for _, o := range opts {
		if err := o(m); err != nil {
			return nil, err
		}
	}
	if err := Migrate(ctx, db); err != nil {
		return nil, err
	}
	return m, nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (m *Manager) clock() time.Time { return m.now().UTC().Truncate(time.Microsecond) }

func (m *Manager) report(p Progress) {
	if m.progress != nil {
		m.progress(p)
	}
}

// Get returns a use case.
func (m *Manager) Get(ctx context.Context, id string) (*Record, error) {
	return getCase(ctx, m.db, normalizeID(id))
}

// normalizeID accepts "UC-0001", "uc-1" and "1".
func normalizeID(id string) string {
	s := strings.ToUpper(strings.TrimSpace(id))
	s = strings.TrimPrefix(s, "UC-")
	var n int64
	if _, err := fmt.Sscanf(s, "%d", &n); err == nil && fmt.Sprint(n) == strings.TrimLeft(s, "0") {
		return caseID(n)
	}
	return strings.TrimSpace(id)
}

func caseID(n int64) string { return fmt.Sprintf("UC-%04d", n) }

// Filter selects use cases in [Manager.List].
type Filter struct {
	// States keeps the use cases in these states; all when empty.
	States []State
	// Open keeps the use cases neither reported nor cancelled.
	Open bool
}

// List returns the use cases in the order they were recorded.
func (m *Manager) List(ctx context.Context, f Filter) iter.Seq2[*Record, error] {
	return func(yield func(*Record, error) bool) {
		rows, err := m.db.Query(ctx, `SELECT `+caseColumns+` FROM usecase_case ORDER BY number`)
		if err != nil {
			yield(nil, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			rec, err := scanCase(rows)
			if err != nil {
				yield(nil, err)
				return
			}
			if len(f.States) > 0 && !slices.Contains(f.States, rec.State) || f.Open && rec.State.Closed() {
				continue
			}
			if !yield(rec, nil) {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(nil, err)
		}
	}
}

// Version returns version n of a use case's content (its current version
// when n is 0).
func (m *Manager) Version(ctx context.Context, id string, n int) (*Version, error) {
	id = normalizeID(id)
	if n == 0 {
		rec, err := getCase(ctx, m.db, id)
		if err != nil {
			return nil, err
		}
		n = rec.Version
	}
	return getVersion(ctx, m.db, id, n)
}

// Audit returns the audit entries of one use case, or of all when id is
// empty, oldest first.
func (m *Manager) Audit(ctx context.Context, id string) iter.Seq2[Entry, error] {
	return func(yield func(Entry, error) bool) {
		q, args := `SELECT `+auditColumns+` FROM usecase_audit ORDER BY seq`, []any{}
		if id != "" {
			q, args = `SELECT `+auditColumns+` FROM usecase_audit WHERE case_id = $1 ORDER BY seq`, []any{normalizeID(id)}
		}
		rows, err := m.db.Query(ctx, q, args...)
		if err != nil {
			yield(Entry{}, err)
			return
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEntry(rows)
			if !yield(e, err) || err != nil {
				return
			}
		}
		if err := rows.Err(); err != nil {
			yield(Entry{}, err)
		}
	}
}

// Verify checks the whole audit log: every entry's hash over its content,
// the chain from each entry to the one before, the sequence without gaps,
// and that each use case's last entry is the one its record points at and
// leaves it in the state it is in. A changed, deleted or inserted entry,
// or a state changed behind the log's back, is a [Finding]. The log is
// read in one snapshot.
func (m *Manager) Verify(ctx context.Context) (Verification, error) {
	var c chainChecker
	lastOf := map[string]Entry{}
	err := m.db.ReadTx(ctx, func(tx *store.Tx) error {
		c = chainChecker{}
		clear(lastOf)
		rows, err := tx.Query(ctx, `SELECT `+auditColumns+` FROM usecase_audit ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				return err
			}
			c.add(e)
			lastOf[e.Case] = e
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rows.Close()
		cases, err := tx.Query(ctx, `SELECT id, state, audit_head FROM usecase_case ORDER BY number`)
		if err != nil {
			return err
		}
		defer cases.Close()
		for cases.Next() {
			var id, head string
			var st State
			if err := cases.Scan(&id, &st, &head); err != nil {
				return err
			}
			last, ok := lastOf[id]
			switch {
			case !ok:
				c.v.Findings = append(c.v.Findings, Finding{Case: id, Problem: "has no audit entry left (deleted)"})
			case last.Hash != head:
				c.v.Findings = append(c.v.Findings, Finding{Seq: last.Seq, Case: id,
					Problem: fmt.Sprintf("the use case's last entry was %s, the log now ends at #%d: entries were deleted or replaced", short(head), last.Seq)})
			case last.To != st:
				c.v.Findings = append(c.v.Findings, Finding{Seq: last.Seq, Case: id,
					Problem: fmt.Sprintf("the use case is %s but its log leaves it %s: its state was changed outside the SOP", st.Label(), last.To.Label())})
			}
		}
		return cases.Err()
	})
	return c.v, err
}

// step is one change to a use case, applied by [Manager.apply].
type step struct {
	action string
	actor  string
	// to is the state after the step; "" keeps the state (an event).
	to State
	// from, when set, lists the states the step may start from (besides
	// what CanMove allows).
	from   []State
	reason string
	data   any
	// version, when not 0, is the version the step was prepared on: the
	// step fails with ErrConflict if another made a newer one meanwhile.
	version int
	// write makes the step's own changes, in the transaction.
	write func(ctx context.Context, tx *store.Tx, rec *Record) error
}

// needs says what a step to each state requires first.
var needs = map[State]string{
	StateReviewed:          "review it first (mhero usecase review)",
	StateInDevelopment:     "review it first (mhero usecase review)",
	StateSimulated:         "review it first (mhero usecase review)",
	StateTestedDM:          "test it in the simulator first (mhero usecase test --sim)",
	StateNotified:          "test it on the Data Manager's phone first (mhero usecase test --phone dm)",
	StateTestedReq:         "notify the Requestor first (mhero usecase notify)",
	StateAccepted:          "test it on the Requestor's phone first (mhero usecase test --phone requestor)",
	StateApprovalRequested: "the Requestor must accept the version tested on their phone first (mhero usecase feedback --accept)",
	StateApproved:          "request the approval first (mhero usecase request-approval)",
	StateActive:            "it needs a valid approval first (mhero usecase request-approval, then approve)",
	StateMonitoring:        "activate it first (mhero usecase activate)",
	StateReported:          "monitor it first (mhero usecase monitor)",
}

// apply runs a step in one serial transaction: it reads the use case,
// checks the SOP allows the step from where it is, makes the step's
// changes, moves the state, and appends the audit entry.
func (m *Manager) apply(ctx context.Context, id string, s step) (*Record, error) {
	id = normalizeID(id)
	var out *Record
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		rec, err := getCase(ctx, tx, id)
		if err != nil {
			return err
		}
		if s.version != 0 && rec.Version != s.version {
			return fmt.Errorf("%w (%s is now at version %d, the step was prepared on version %d)", ErrConflict, id, rec.Version, s.version)
		}
		to := s.to
		if to == "" {
			to = rec.State
		}
		allowed := len(s.from) == 0 || slices.Contains(s.from, rec.State)
		if s.to != "" && !CanMove(rec.State, s.to) || !allowed || rec.State.Closed() {
			need := needs[to]
			if rec.State.Closed() {
				need = "it is closed"
			} else if s.to == "" || CanMove(rec.State, s.to) {
				need = ""
			}
			return &StateError{Case: id, From: rec.State, To: to, Action: s.action, Need: need}
		}
		now := m.clock()
		if s.write != nil {
			if err := s.write(ctx, tx, rec); err != nil {
				return err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE usecase_case SET state = $1, updated_at = $2 WHERE id = $3`, string(to), now, id); err != nil {
			return err
		}
		var data json.RawMessage
		if s.data != nil {
			data = json.RawMessage(jsonText(s.data))
		}
		e := &Entry{Case: id, At: now, Actor: s.actor, Action: s.action, From: rec.State, To: to, Reason: s.reason, Data: data}
		if err := appendAudit(ctx, tx, e); err != nil {
			return err
		}
		out, err = getCase(ctx, tx, id)
		return err
	})
	return out, err
}

// Create records a Request Form as a new use case, in the requested state.
// The form is validated (see [Form.Validate]); people named only by their
// iHRIS id are looked up for their phone number; the workflow is compiled.
// A request filed less than a week before its send date is recorded and
// flagged (Record.Late). by is who records it.
func (m *Manager) Create(ctx context.Context, form Form, by string) (*Record, error) {
	if by == "" {
		return nil, errors.New("usecase: say who records the request")
	}
	now := m.clock()
	if err := m.resolvePeople(ctx, &form); err != nil {
		return nil, err
	}
	ps := form.Validate(now)
	if err := ps.Err(); err != nil {
		return nil, err
	}
	if form.Filed.IsZero() {
		form.Filed = now
	}
	late := len(ps.Warnings()) > 0 && slices.ContainsFunc(ps.Warnings(), func(p Problem) bool { return p.Field == "send.date" })
	v, err := buildVersion(form.WorkflowFile, form.Workflow, form.Target, form.Send)
	if err != nil {
		return nil, err
	}
	v.CreatedAt, v.CreatedBy, v.Reason, v.N = now, by, "request recorded", 1
	var flowUUID string
	if exp, err := v.ParsedExport(); err == nil && len(exp.Flows) > 0 {
		flowUUID = exp.Flows[0].UUID
	}
	var rec *Record
	err = m.db.InTx(ctx, func(tx *store.Tx) error {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(number), 0) + 1 FROM usecase_case`).Scan(&n); err != nil {
			return err
		}
		id := caseID(n)
		v.Case = id
		_, err := tx.Exec(ctx, `INSERT INTO usecase_case (id, number, title, unit, state, version, form, late, flow_uuid, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 1, $6, $7, $8, $9, $9)`,
			id, n, form.Title, form.Unit.Name, string(StateRequested), jsonText(form), late, flowUUID, now)
		if err != nil {
			return err
		}
		if err := insertVersion(ctx, tx, v); err != nil {
			return err
		}
		reason := "Request Form recorded"
		var warnings []string
		for _, w := range ps.Warnings() {
			warnings = append(warnings, w.String())
		}
		if late {
			reason += "; flagged: filed less than a week before the send date"
		}
		e := &Entry{Case: id, At: now, Actor: by, Action: "request recorded", To: StateRequested, Reason: reason,
			Data: json.RawMessage(jsonText(map[string]any{"version": 1, "binding": v.BindingHash, "workflow": v.Binding.Export,
				"target": v.Binding.Target, "requestor": form.Requestor.String(), "warnings": warnings}))}
		if err := appendAudit(ctx, tx, e); err != nil {
			return err
		}
		rec, err = getCase(ctx, tx, id)
		return err
	})
	return rec, err
}

// resolvePeople fills the phone URN of people named by iHRIS id only.
func (m *Manager) resolvePeople(ctx context.Context, f *Form) error {
	people := []*Person{&f.Unit.Director, &f.Requestor}
	if f.Approver != nil {
		people = append(people, f.Approver)
	}
	for _, p := range people {
		if p.IHRIS == "" || p.Phone != "" || p.URN != "" {
			continue
		}
		if m.reg == nil {
			return fmt.Errorf("usecase: %s is named by iHRIS id only: give a phone number or an iHRIS registry to look it up", p.Name)
		}
		hw, err := m.reg.Worker(ctx, p.IHRIS)
		if err != nil {
			return fmt.Errorf("usecase: looking up %s in iHRIS: %w", p.Name, err)
		}
		ph, ok := hw.BestMobile()
		if !ok {
			return fmt.Errorf("usecase: %s (iHRIS %s) has no mobile number in iHRIS", p.Name, p.IHRIS)
		}
		urn, err := rapidpro.PhoneURN(ph.Value, f.country())
		if err != nil {
			return fmt.Errorf("usecase: %s (iHRIS %s): %w", p.Name, p.IHRIS, err)
		}
		p.Phone, p.URN = ph.Value, urn
		if p.Name == "" {
			p.Name = hw.DisplayName()
		}
	}
	return nil
}

// buildVersion compiles a version's content and computes its hashes.
func buildVersion(file string, source []byte, g target.Group, send SendPlan) (*Version, error) {
	w, err := workflow.Parse(cmpOr(file, "workflow.yaml"), source)
	if err != nil {
		return nil, err
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := workflow.WriteExport(&buf, exp); err != nil {
		return nil, err
	}
	window, err := send.SendWindow()
	if err != nil {
		return nil, fmt.Errorf("usecase: send plan: %w", err)
	}
	g = g.Canonical()
	v := &Version{WorkflowFile: file, Workflow: source, Export: buf.Bytes(), Target: g, Send: send,
		Binding: Binding{Export: sha256Hex(buf.Bytes()), Target: g.Hash(), Window: window}}
	v.BindingHash = v.Binding.Hash()
	return v, nil
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Cancel closes a use case at any point before it is reported, with a
// reason. A pending approval request is withdrawn. A flow already started
// is not stopped: its runs end as the flow says.
func (m *Manager) Cancel(ctx context.Context, id, by, reason string) (*Record, error) {
	if strings.TrimSpace(reason) == "" {
		return nil, errors.New("usecase: a cancellation needs a reason")
	}
	return m.apply(ctx, id, step{action: "cancelled", actor: by, to: StateCancelled, reason: reason,
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			_, err := tx.Exec(ctx, `UPDATE usecase_case SET reason = $1 WHERE id = $2`, reason, rec.ID)
			if err != nil {
				return err
			}
			_, err = tx.Exec(ctx, `UPDATE usecase_approval SET status = 'void', reason = $1 WHERE case_id = $2 AND status IN ('pending', 'approved')`,
				"use case cancelled", rec.ID)
			return err
		}})
}

// ReviewInput is what the Data Manager records when reviewing a request
// with the Requestor.
type ReviewInput struct {
	// DataManager is who reviews the request and develops the workflow;
	// their phone is the first test phone.
	DataManager Person
	// Notes are the review's conclusions.
	Notes string
}

// Review records that the Data Manager reviewed the request with the
// Requestor and takes it on. The Data Manager may not be the approver.
func (m *Manager) Review(ctx context.Context, id string, in ReviewInput) (*Record, error) {
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	dm := in.DataManager
	if strings.TrimSpace(dm.Name) == "" {
		return nil, errors.New("usecase: the review needs the Data Manager's name")
	}
	if dm.Phone == "" && dm.URN == "" {
		return nil, errors.New("usecase: the review needs the Data Manager's phone number, their test phone")
	}
	if dm.URN == "" {
		urn, err := rapidpro.PhoneURN(dm.Phone, rec.Form.country())
		if err != nil {
			return nil, fmt.Errorf("usecase: the Data Manager's phone: %w", err)
		}
		dm.URN = urn
	}
	f := rec.Form
	if err := CheckApprover(f.Requestor, f.Unit.Director, f.ApproverOrDirector(), dm); err != nil {
		return nil, err
	}
	reason := "reviewed with the Requestor"
	if in.Notes != "" {
		reason += ": " + in.Notes
	}
	return m.apply(ctx, id, step{action: "reviewed", actor: dm.Name, to: StateReviewed, reason: reason,
		data: map[string]any{"dataManager": dm.String()},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			_, err := tx.Exec(ctx, `UPDATE usecase_case SET data_manager = $1 WHERE id = $2`, jsonText(dm), rec.ID)
			return err
		}})
}
