package usecase

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/workflow"
)

// ApprovalStatus is where an approval request stands.
type ApprovalStatus string

const (
	ApprovalPending  ApprovalStatus = "pending"
	ApprovalApproved ApprovalStatus = "approved"
	ApprovalRejected ApprovalStatus = "rejected"
	// ApprovalVoid: the content changed (or the use case was cancelled)
	// after the request or the approval.
	ApprovalVoid ApprovalStatus = "void"
	// ApprovalExpired: the code lapsed before a valid reply came.
	ApprovalExpired ApprovalStatus = "expired"
)

// Errors of the approval gate.
var (
	// ErrNotApproved: the use case has no valid approval.
	ErrNotApproved = errors.New("usecase: not approved")
	// ErrApprovalVoid: an approval was given, but for other content than
	// the use case now has.
	ErrApprovalVoid = errors.New("usecase: the approval does not cover the current content")
	// ErrNoPendingApproval: no approval request awaits an answer.
	ErrNoPendingApproval = errors.New("usecase: no approval request is pending")
)

// Approval is one approval request and what came of it.
type Approval struct {
	ID      int64  `json:"id"`
	Case    string `json:"case"`
	Version int    `json:"version"`
	// Binding is the hash of what the approval covers ([Binding.Hash]).
	Binding     string         `json:"binding"`
	Approver    Person         `json:"approver"`
	RequestedAt time.Time      `json:"requestedAt"`
	ExpiresAt   time.Time      `json:"expiresAt"`
	Status      ApprovalStatus `json:"status"`
	// Broadcast is the SMS carrying the code, SentOn when RapidPro made
	// it (the server's clock: replies are looked for after it).
	Broadcast string    `json:"broadcast,omitempty"`
	SentOn    time.Time `json:"sentOn,omitzero"`
	Evidence  *Evidence `json:"evidence,omitempty"`
	// Refused are the replies carrying the code that were not accepted.
	Refused   []Refusal `json:"refused,omitempty"`
	DecidedAt time.Time `json:"decidedAt,omitzero"`
	// Reason is the approver's reason for a rejection, or why the request
	// is void.
	Reason  string           `json:"reason,omitempty"`
	Request *ApprovalRequest `json:"request,omitempty"`
}

// Evidence is what shows the approver decided: their SMS reply, read back
// through the RapidPro API, or the hash of a scan of the initialled form.
type Evidence struct {
	// Kind is "sms" or "scan".
	Kind string `json:"kind"`
	// For an SMS: the message, the URN it came from (the approver's
	// registered phone), its text and when RapidPro received it.
	Message    string    `json:"message,omitempty"`
	URN        string    `json:"urn,omitempty"`
	Text       string    `json:"text,omitempty"`
	ReceivedAt time.Time `json:"receivedAt,omitzero"`
	// For a scan: the file's name and SHA-256, and who attached it.
	File       string `json:"file,omitempty"`
	SHA256     string `json:"sha256,omitempty"`
	AttachedBy string `json:"attachedBy,omitempty"`
}

// Refusal is a reply carrying an approval code that was not accepted.
type Refusal struct {
	Message string `json:"message"`
	// URN is masked.
	URN        string    `json:"urn"`
	ReceivedAt time.Time `json:"receivedAt"`
	Why        string    `json:"why"`
}

// ApprovalRequest is what the Director is shown before approving: the
// workflow's questions, how many health workers it reaches and where, what
// it costs, what changed since a version approved before, the tests done,
// and the hash the approval will be bound to.
type ApprovalRequest struct {
	Case        string   `json:"case"`
	Title       string   `json:"title"`
	Unit        string   `json:"unit"`
	Purpose     string   `json:"purpose"`
	FollowUp    []string `json:"followUp,omitempty"`
	Version     int      `json:"version"`
	Requestor   Person   `json:"requestor"`
	DataManager Person   `json:"dataManager"`
	Approver    Person   `json:"approver"`
	Late        bool     `json:"late,omitempty"`

	Workflow  string            `json:"workflow"`
	Languages []string          `json:"languages"`
	Questions []QuestionSummary `json:"questions"`

	Target string `json:"target"`
	// Recipients is the number of health workers the target reaches now;
	// ByPlace and ByCadre break it down; Unreachable counts the selected
	// workers who cannot be reached.
	Recipients  int                       `json:"recipients"`
	ByPlace     map[string]map[string]int `json:"byPlace,omitempty"`
	ByCadre     map[string]int            `json:"byCadre,omitempty"`
	Unreachable int                       `json:"unreachable"`

	Cost   Cost   `json:"cost"`
	Window Window `json:"window"`

	// Previous is the version approved before (0: none), and Changes what
	// changed since.
	Previous int      `json:"previous,omitempty"`
	Changes  []Change `json:"changes,omitempty"`

	Tests []string `json:"tests"`

	Binding     Binding   `json:"binding"`
	BindingHash string    `json:"bindingHash"`
	RequestedAt time.Time `json:"requestedAt"`
	ExpiresAt   time.Time `json:"expiresAt"`
	// SMS is the message sent to the approver, with the code hidden.
	SMS string `json:"sms"`
}

// QuestionSummary is a question as the approval request shows it.
type QuestionSummary struct {
	Key  string `json:"key"`
	Type string `json:"type"`
	// Ask is the question in the base language, Translations in the
	// others.
	Ask          string            `json:"ask"`
	Translations map[string]string `json:"translations,omitempty"`
	Categories   []string          `json:"categories"`
	When         string            `json:"when,omitempty"`
}

func summarize(w *workflow.Workflow) []QuestionSummary {
	var out []QuestionSummary
	for _, q := range w.Questions {
		out = append(out, QuestionSummary{Key: q.Result, Type: string(q.Type), Ask: q.Ask.Base,
			Translations: q.Ask.Translations, Categories: q.Categories(), When: q.When})
	}
	return out
}

// codePattern finds an approval reply: APPROVE or REJECT, the code, and
// the rest (a rejection's reason).
var codePattern = regexp.MustCompile(`(?is)^\W*(APPROVE|APPROVED|REJECT|REJECTED)\W*([0-9]{6})\b\W*(.*)$`)

// codeDigits is the length of the one-time code.
const codeDigits = 6

func (m *Manager) newCode() (code, salt string, err error) {
	n, err := randInt(m.random, 1_000_000)
	if err != nil {
		return "", "", err
	}
	var s [16]byte
	if _, err := io.ReadFull(m.random, s[:]); err != nil {
		return "", "", err
	}
	return fmt.Sprintf("%0*d", codeDigits, n), hex.EncodeToString(s[:]), nil
}

// randInt returns a uniform random number in [0, n) read from r,
// rejecting the values that would bias it.
func randInt(r io.Reader, n uint64) (uint64, error) {
	limit := math.MaxUint64 - math.MaxUint64%n
	var b [8]byte
	for {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return 0, err
		}
		if v := binary.BigEndian.Uint64(b[:]); v < limit {
			return v % n, nil
		}
	}
}

func codeHash(salt, code string) string {
	sum := sha256.Sum256([]byte("mhero approval code\n" + salt + "\n" + code))
	return hex.EncodeToString(sum[:])
}

// RequestApproval asks the approver to approve the current version, which
// the Requestor has accepted: it works out what the Director must see
// (the [ApprovalRequest]: questions, health workers reached, cost,
// changes since a version approved before), and sends the approver's
// registered phone one SMS with a one-time code ("Reply APPROVE 482113 or
// REJECT 482113 with a reason"). A request still pending is withdrawn.
// The approver must be allowed to approve ([CheckApprover]).
func (m *Manager) RequestApproval(ctx context.Context, id, by string) (*Record, *ApprovalRequest, error) {
	if m.rp == nil {
		return nil, nil, ErrNoRapidPro
	}
	if m.syncer == nil {
		return nil, nil, errors.New("usecase: an approval request needs the target syncer (iHRIS and RapidPro) to count the health workers reached")
	}
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if !slices.Contains([]State{StateAccepted, StateApprovalRequested}, rec.State) || rec.AcceptedVersion != rec.Version {
		return nil, nil, &StateError{Case: rec.ID, From: rec.State, To: StateApprovalRequested, Action: "request the approval", Need: needs[StateApprovalRequested]}
	}
	f := rec.Form
	approver := f.ApproverOrDirector()
	if err := CheckApprover(f.Requestor, f.Unit.Director, approver, rec.DataManager); err != nil {
		return nil, nil, err
	}
	if approver.URN == "" {
		return nil, nil, fmt.Errorf("usecase: the approver %s has no registered phone to send the code to; give their phone, or approve with a scan of the signed form", approver.Name)
	}
	v, err := getVersion(ctx, m.db, rec.ID, rec.Version)
	if err != nil {
		return nil, nil, err
	}
	now := m.clock()
	if !v.Binding.Window.End.After(now) {
		return nil, nil, fmt.Errorf("usecase %s: the send window ended on %s; edit the send plan first", rec.ID, v.Binding.Window.End.Format(timeLayout))
	}
	w, err := v.ParsedWorkflow()
	if err != nil {
		return nil, nil, err
	}
	exp, err := v.ParsedExport()
	if err != nil {
		return nil, nil, err
	}
	m.report(Progress{Step: "approval request", Stage: "previewing the target"})
	pv, err := m.syncer.Preview(ctx, v.Target)
	if err != nil {
		return nil, nil, fmt.Errorf("usecase: previewing the target: %w", err)
	}
	m.report(Progress{Step: "approval request", Stage: "working out the cost"})
	cost, err := EstimateCost(exp, pv.Reachable)
	if err != nil {
		return nil, nil, err
	}
	req := &ApprovalRequest{Case: rec.ID, Title: rec.Title, Unit: f.Unit.Name, Purpose: f.Purpose, FollowUp: f.FollowUp,
		Version: v.N, Requestor: f.Requestor, DataManager: rec.DataManager, Approver: approver, Late: rec.Late,
		Workflow: w.Name, Languages: w.Languages(), Questions: summarize(w), Target: v.Target.String(),
		Recipients: pv.Reachable, ByPlace: pv.ByPlace, ByCadre: pv.ByCadre, Unreachable: len(pv.Unreachable),
		Cost: *cost, Window: v.Binding.Window, Binding: v.Binding, BindingHash: v.BindingHash, RequestedAt: now}
	req.ExpiresAt = now.Add(m.codeTTL)
	if req.ExpiresAt.After(v.Binding.Window.End) {
		req.ExpiresAt = v.Binding.Window.End
	}
	if prev, err := m.lastApprovedVersion(ctx, rec.ID, v.N); err != nil {
		return nil, nil, err
	} else if prev != nil {
		req.Previous, req.Changes = prev.N, Diff(prev, v)
	}
	tests, err := m.Tests(ctx, rec.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, t := range tests {
		if t.Version != v.N {
			continue
		}
		// Shown in the zone of the send window, as the window itself is.
		at := t.At
		if ts, err := time.Parse(time.RFC3339, t.At); err == nil {
			at = ts.In(v.Binding.Window.End.Location()).Format(timeLayout)
		}
		s := fmt.Sprintf("%s: %s by %s", at, testLabel(t.Kind), t.Actor)
		if t.Coverage != nil {
			s += "; coverage " + t.Coverage.String()
		}
		req.Tests = append(req.Tests, s)
	}
	code, salt, err := m.newCode()
	if err != nil {
		return nil, nil, err
	}
	sms := func(code string) string {
		return fmt.Sprintf("mHero approval %s v%d %q: %d questions to %d health workers, %d-%d SMS. Ref %s. Reply APPROVE %s or REJECT %s with a reason.",
			rec.ID, v.N, rec.Title, len(w.Questions), pv.Reachable, cost.ExpectedTotal, cost.LongestTotal, v.BindingHash[:8], code, code)
	}
	req.SMS = sms(strings.Repeat("•", codeDigits))
	b, err := m.rp.Broadcasts.Create(ctx, &rapidpro.BroadcastRequest{URNs: []string{approver.URN}, Text: rapidpro.Translations{"": sms(code)}})
	if err != nil {
		return nil, nil, fmt.Errorf("usecase: sending the approval request: %w", err)
	}
	sentOn := b.CreatedOn.UTC()
	if sentOn.IsZero() {
		sentOn = now
	}
	out, err := m.apply(ctx, rec.ID, step{action: "approval requested", actor: by, to: StateApprovalRequested, version: v.N,
		reason: fmt.Sprintf("version %d sent to %s for approval: %d health workers, %s", v.N, approver, pv.Reachable, cost),
		data: map[string]any{"version": v.N, "binding": v.BindingHash, "approver": approver.String(), "recipients": pv.Reachable,
			"cost": map[string]int{"expected": cost.ExpectedTotal, "longest": cost.LongestTotal}, "changes": req.Changes,
			"broadcast": b.UUID, "sms": req.SMS, "expires": req.ExpiresAt},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			if _, err := tx.Exec(ctx, `UPDATE usecase_approval SET status = 'void', reason = 'a new request replaced it' WHERE case_id = $1 AND status = 'pending'`, rec.ID); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO usecase_approval (case_id, version, binding, approver, requested_at, expires_at,
				code_salt, code_hash, broadcast, sent_on, status, request) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'pending', $11)`,
				rec.ID, v.N, v.BindingHash, jsonText(approver), now, req.ExpiresAt, salt, codeHash(salt, code), b.UUID, sentOn, jsonText(req))
			if err != nil {
				return err
			}
			summary := CostSummary{Recipients: pv.Reachable, Expected: cost.Expected.Segments, Longest: cost.Longest.Segments,
				ExpectedTotal: cost.ExpectedTotal, LongestTotal: cost.LongestTotal}
			_, err = tx.Exec(ctx, `UPDATE usecase_case SET recipients = $1, cost = $2 WHERE id = $3`, pv.Reachable, jsonText(summary), rec.ID)
			return err
		}})
	if err != nil {
		return nil, nil, err
	}
	return out, req, nil
}

func testLabel(k TestKind) string {
	switch k {
	case TestSimulator:
		return "simulator"
	case TestDataManager:
		return "Data Manager's phone"
	case TestRequestorPhone:
		return "Requestor's phone"
	}
	return string(k)
}

// lastApprovedVersion returns the latest version before n that was
// approved, or nil.
func (m *Manager) lastApprovedVersion(ctx context.Context, id string, n int) (*Version, error) {
	var v sql.NullInt64
	err := m.db.QueryRow(ctx, `SELECT MAX(version) FROM usecase_approval WHERE case_id = $1 AND version < $2 AND evidence <> ''`, id, n).Scan(&v)
	if err != nil || !v.Valid {
		return nil, err
	}
	return getVersion(ctx, m.db, id, int(v.Int64))
}

const approvalColumns = `id, case_id, version, binding, approver, requested_at, expires_at, broadcast, sent_on, status,
	evidence, refused, decided_at, reason, request`

func scanApproval(r rowScanner) (*Approval, error) {
	var a Approval
	var approver, evidence, refused, request string
	var sent, decided sql.NullTime
	err := r.Scan(&a.ID, &a.Case, &a.Version, &a.Binding, &approver, &a.RequestedAt, &a.ExpiresAt, &a.Broadcast, &sent,
		&a.Status, &evidence, &refused, &decided, &a.Reason, &request)
	if err != nil {
		return nil, err
	}
	a.RequestedAt, a.ExpiresAt = a.RequestedAt.UTC(), a.ExpiresAt.UTC()
	if sent.Valid {
		a.SentOn = sent.Time.UTC()
	}
	if decided.Valid {
		a.DecidedAt = decided.Time.UTC()
	}
	if err := json.Unmarshal([]byte(approver), &a.Approver); err != nil {
		return nil, err
	}
	if evidence != "" {
		a.Evidence = &Evidence{}
		if err := json.Unmarshal([]byte(evidence), a.Evidence); err != nil {
			return nil, err
		}
	}
	if refused != "" {
		if err := json.Unmarshal([]byte(refused), &a.Refused); err != nil {
			return nil, err
		}
	}
	if request != "" {
		a.Request = &ApprovalRequest{}
		if err := json.Unmarshal([]byte(request), a.Request); err != nil {
			return nil, err
		}
	}
	return &a, nil
}

// Approvals returns a use case's approval requests, oldest first.
func (m *Manager) Approvals(ctx context.Context, id string) ([]*Approval, error) {
	rows, err := m.db.Query(ctx, `SELECT `+approvalColumns+` FROM usecase_approval WHERE case_id = $1 ORDER BY id`, normalizeID(id))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Approval
	for rows.Next() {
		a, err := scanApproval(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func pendingApproval(ctx context.Context, q querier, id string) (*Approval, string, string, error) {
	var salt, hash string
	row := q.QueryRow(ctx, `SELECT `+approvalColumns+`, code_salt, code_hash FROM usecase_approval
		WHERE case_id = $1 AND status = 'pending' ORDER BY id DESC LIMIT 1`, id)
	var a Approval
	var approver, evidence, refused, request string
	var sent, decided sql.NullTime
	err := row.Scan(&a.ID, &a.Case, &a.Version, &a.Binding, &approver, &a.RequestedAt, &a.ExpiresAt, &a.Broadcast, &sent,
		&a.Status, &evidence, &refused, &decided, &a.Reason, &request, &salt, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", "", fmt.Errorf("%w for %s", ErrNoPendingApproval, id)
	}
	if err != nil {
		return nil, "", "", err
	}
	a.RequestedAt, a.ExpiresAt = a.RequestedAt.UTC(), a.ExpiresAt.UTC()
	if sent.Valid {
		a.SentOn = sent.Time.UTC()
	}
	if err := json.Unmarshal([]byte(approver), &a.Approver); err != nil {
		return nil, "", "", err
	}
	if refused != "" {
		if err := json.Unmarshal([]byte(refused), &a.Refused); err != nil {
			return nil, "", "", err
		}
	}
	return &a, salt, hash, nil
}

// CheckApproval reads the replies to the pending approval request back
// from RapidPro. A reply carrying the code from the approver's registered
// phone decides: APPROVE moves the use case to approved, with the reply as
// evidence; REJECT sends it back to development with the approver's
// reason. A reply carrying the code from any other phone is refused, and
// the refusal recorded. It returns the approval as it now stands (still
// pending when no valid reply came).
func (m *Manager) CheckApproval(ctx context.Context, id, by string) (*Record, *Approval, error) {
	if m.rp == nil {
		return nil, nil, ErrNoRapidPro
	}
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	a, salt, hash, err := pendingApproval(ctx, m.db, rec.ID)
	if err != nil {
		return nil, nil, err
	}
	now := m.clock()
	approverURN := a.Approver.URN
	seen := map[string]bool{}
	for _, r := range a.Refused {
		seen[r.Message] = true
	}
	var decision *Evidence
	var verdict string
	var refusals []Refusal
	consider := func(msg rapidpro.Message) {
		if msg.Direction != "in" || seen[msg.UUID] || decision != nil {
			return
		}
		mm := codePattern.FindStringSubmatch(strings.TrimSpace(msg.Text))
		if mm == nil {
			return
		}
		seen[msg.UUID] = true
		from := normalizeURN(msg.URN)
		right := codeHash(salt, mm[2]) == hash
		switch {
		case right && from != approverURN:
			refusals = append(refusals, Refusal{Message: msg.UUID, URN: rapidpro.MaskURN(from), ReceivedAt: msg.CreatedOn.UTC(),
				Why: "the code came from a phone that is not the approver's registered phone"})
		case !right && from == approverURN:
			refusals = append(refusals, Refusal{Message: msg.UUID, URN: rapidpro.MaskURN(from), ReceivedAt: msg.CreatedOn.UTC(),
				Why: "wrong code: not the code of this request"})
		case right:
			decision = &Evidence{Kind: "sms", Message: msg.UUID, URN: from, Text: msg.Text, ReceivedAt: msg.CreatedOn.UTC()}
			verdict = strings.ToUpper(mm[1])
			decision.Text = strings.TrimSpace(msg.Text)
			if strings.HasPrefix(verdict, "REJECT") {
				verdict = "REJECT:" + strings.TrimSpace(mm[3])
			}
		}
	}
	after := a.SentOn
	if after.IsZero() {
		after = a.RequestedAt
	}
	for msg, err := range m.rp.Messages.List(ctx, &rapidpro.MessageListParams{Folder: "inbox", After: after}) {
		if err != nil {
			return nil, nil, fmt.Errorf("usecase: reading the replies: %w", err)
		}
		consider(msg)
	}
	if decision == nil {
		// A reply that resumed a flow the approver was in lands in the
		// flows folder: read the approver's own messages too.
		for c, err := range m.rp.Contacts.List(ctx, &rapidpro.ContactListParams{URN: approverURN}) {
			if err != nil {
				return nil, nil, fmt.Errorf("usecase: finding the approver's contact: %w", err)
			}
			for msg, err := range m.rp.Messages.List(ctx, &rapidpro.MessageListParams{Contact: c.UUID, After: after}) {
				if err != nil {
					return nil, nil, fmt.Errorf("usecase: reading the approver's messages: %w", err)
				}
				consider(msg)
			}
		}
	}
	// The refusals are recorded whatever else happens.
	if len(refusals) > 0 {
		all := append(slices.Clone(a.Refused), refusals...)
		for _, r := range refusals {
			if _, err := m.apply(ctx, rec.ID, step{action: "approval reply refused", actor: "RapidPro reply from " + r.URN,
				from: []State{StateApprovalRequested}, reason: r.Why,
				data: map[string]any{"approval": a.ID, "message": r.Message, "urn": r.URN, "receivedAt": r.ReceivedAt}}); err != nil {
				return nil, nil, err
			}
		}
		if _, err := m.db.Exec(ctx, `UPDATE usecase_approval SET refused = $1 WHERE id = $2`, jsonText(all), a.ID); err != nil {
			return nil, nil, err
		}
		a.Refused = all
	}
	switch {
	case decision != nil && (verdict == "APPROVE" || verdict == "APPROVED"):
		rec, err = m.decide(ctx, rec, a, decision, ApprovalApproved, "", a.Approver.Name)
	case decision != nil:
		reason := strings.TrimPrefix(verdict, "REJECT:")
		rec, err = m.decide(ctx, rec, a, decision, ApprovalRejected, reason, a.Approver.Name)
	case !now.Before(a.ExpiresAt):
		rec, err = m.apply(ctx, rec.ID, step{action: "approval request expired", actor: by, from: []State{StateApprovalRequested},
			reason: fmt.Sprintf("no valid reply before %s; request the approval again", a.ExpiresAt.Format(time.RFC1123)),
			data:   map[string]any{"approval": a.ID},
			write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
				_, err := tx.Exec(ctx, `UPDATE usecase_approval SET status = 'expired' WHERE id = $1 AND status = 'pending'`, a.ID)
				return err
			}})
		a.Status = ApprovalExpired
	default:
		rec, err = m.Get(ctx, rec.ID)
	}
	if err != nil {
		return nil, nil, err
	}
	return rec, a, nil
}

// normalizeURN gives a tel URN as RapidPro's messages carry it the form
// stored for people ("tel:+231…").
func normalizeURN(urn string) string {
	if !strings.Contains(urn, ":") && urn != "" {
		return "tel:" + urn
	}
	return urn
}

// decide records the approver's decision on a pending approval request.
func (m *Manager) decide(ctx context.Context, rec *Record, a *Approval, ev *Evidence, status ApprovalStatus, reason, actor string) (*Record, error) {
	now := m.clock()
	to, action := StateApproved, "approved"
	why := fmt.Sprintf("version %d approved by %s", a.Version, a.Approver)
	if status == ApprovalRejected {
		to, action = StateInDevelopment, "rejected by the approver"
		why = reason
		if why == "" {
			why = "rejected without a reason"
		}
	}
	var how string
	if ev.Kind == "sms" {
		how = fmt.Sprintf("SMS from the approver's registered phone %s at %s", rapidpro.MaskURN(ev.URN), ev.ReceivedAt.Format(time.RFC3339))
	} else {
		how = fmt.Sprintf("scan %s (SHA-256 %s) attached by %s", ev.File, ev.SHA256, ev.AttachedBy)
	}
	if status == ApprovalApproved {
		why += "; evidence: " + how
	}
	a.Status, a.Evidence, a.DecidedAt, a.Reason = status, ev, now, reason
	return m.apply(ctx, rec.ID, step{action: action, actor: actor, to: to, version: a.Version, from: []State{StateApprovalRequested},
		reason: why,
		data: map[string]any{"approval": a.ID, "version": a.Version, "binding": a.Binding, "evidence": ev.Kind,
			"message": ev.Message, "urn": rapidpro.MaskURN(ev.URN), "sha256": ev.SHA256},
		write: func(ctx context.Context, tx *store.Tx, r *Record) error {
			v, err := getVersion(ctx, tx, r.ID, r.Version)
			if err != nil {
				return err
			}
			if v.BindingHash != a.Binding {
				return fmt.Errorf("%w: the request covered %s, the use case is now at %s", ErrApprovalVoid, short(a.Binding), short(v.BindingHash))
			}
			res, err := tx.Exec(ctx, `UPDATE usecase_approval SET status = $1, evidence = $2, decided_at = $3, reason = $4
				WHERE id = $5 AND status = 'pending'`, string(status), jsonText(ev), now, reason, a.ID)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return ErrConflict
			}
			return nil
		}})
}

// ScanInput is the evidence of an approval given on paper: a scan of the
// approval request the approver initialled.
type ScanInput struct {
	// By is who attaches the scan.
	By string
	// File is the scan's name, Data its content (whose SHA-256 is kept).
	File string
	Data []byte
}

// ApproveWithScan records the approval of the pending request on the
// strength of a scan of the form the approver initialled; the scan's
// SHA-256 is kept as the evidence.
func (m *Manager) ApproveWithScan(ctx context.Context, id string, in ScanInput) (*Record, error) {
	if len(in.Data) == 0 {
		return nil, errors.New("usecase: the scan is empty")
	}
	if in.By == "" {
		return nil, errors.New("usecase: say who attaches the scan")
	}
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	a, _, _, err := pendingApproval(ctx, m.db, rec.ID)
	if err != nil {
		return nil, err
	}
	ev := &Evidence{Kind: "scan", File: in.File, SHA256: sha256Hex(in.Data), AttachedBy: in.By}
	return m.decide(ctx, rec, a, ev, ApprovalApproved, "", a.Approver.Name)
}

// ValidApproval returns the approval that covers the use case's current
// content, checking it again from scratch: an approval given, for the
// current version, whose binding hash is the hash of that version's
// export, target and send window as stored now. Otherwise the error is
// ErrNotApproved, or an *ApprovalVoidError saying what changed.
func (m *Manager) ValidApproval(ctx context.Context, id string) (*Approval, error) {
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	return m.validApproval(ctx, m.db, rec)
}

// ApprovalVoidError reports an approval that does not cover the use case's
// current content, with what changed since.
type ApprovalVoidError struct {
	Case     string
	Approved int // the version approved
	Current  int
	Changes  []Change
}

func (e *ApprovalVoidError) Error() string {
	var what []string
	for _, c := range e.Changes {
		what = append(what, c.String())
	}
	s := fmt.Sprintf("usecase %s: the approval of version %d does not cover version %d", e.Case, e.Approved, e.Current)
	if len(what) > 0 {
		s += ": " + strings.Join(what, "; ")
	}
	return s
}

// Is matches ErrApprovalVoid and ErrNotApproved.
func (e *ApprovalVoidError) Is(target error) bool {
	return target == ErrApprovalVoid || target == ErrNotApproved
}

func (m *Manager) validApproval(ctx context.Context, q querier, rec *Record) (*Approval, error) {
	row := q.QueryRow(ctx, `SELECT `+approvalColumns+` FROM usecase_approval WHERE case_id = $1 AND evidence <> '' ORDER BY id DESC LIMIT 1`, rec.ID)
	a, err := scanApproval(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("%w: %s has no approval", ErrNotApproved, rec.ID)
	}
	if err != nil {
		return nil, err
	}
	cur, err := getVersion(ctx, q, rec.ID, rec.Version)
	if err != nil {
		return nil, err
	}
	// The binding is recomputed from the content itself, not read from
	// the version row, so that content changed in the database behind the
	// package's back is caught too.
	exp := sha256Hex(cur.Export)
	recomputed := Binding{Export: exp, Target: cur.Target.Hash(), Window: cur.Binding.Window}
	if a.Version != cur.N || a.Binding != recomputed.Hash() || a.Status != ApprovalApproved {
		e := &ApprovalVoidError{Case: rec.ID, Approved: a.Version, Current: cur.N}
		if old, err := getVersion(ctx, q, rec.ID, a.Version); err == nil {
			e.Changes = Diff(old, cur)
			if len(e.Changes) == 0 && a.Status != ApprovalApproved {
				e.Changes = []Change{{Part: "approval", What: "the approval is " + string(a.Status)}}
			}
		}
		if len(e.Changes) == 0 {
			e.Changes = []Change{{Part: "content", What: "the content no longer hashes to the approved " + short(a.Binding)}}
		}
		return nil, e
	}
	if rec.State != StateApproved && rec.State != StateActive && rec.State != StateMonitoring && rec.State != StateReported {
		return nil, fmt.Errorf("%w: %s is %s", ErrNotApproved, rec.ID, rec.State.Label())
	}
	return a, nil
}
