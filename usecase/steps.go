package usecase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
	"github.com/mhero-go/mhero/workflow/sim"
)

// ErrNoChange reports an edit that changes nothing.
var ErrNoChange = errors.New("usecase: the edit changes nothing")

// EditInput is a change of a use case's content. Nil (or empty) fields
// keep what the current version has.
type EditInput struct {
	By     string
	Reason string
	// WorkflowFile and Workflow give a new workflow source.
	WorkflowFile string
	Workflow     []byte
	Target       *target.Group
	Send         *SendPlan
}

// Edit makes a new version of a use case's content. The use case goes
// back to development: every test starts again, the Requestor must accept
// the new version, and an approval of an earlier version is void.
func (m *Manager) Edit(ctx context.Context, id string, in EditInput) (*Record, []Change, error) {
	if in.By == "" {
		return nil, nil, errors.New("usecase: say who edits the use case")
	}
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	cur, err := getVersion(ctx, m.db, rec.ID, rec.Version)
	if err != nil {
		return nil, nil, err
	}
	file, source, tgt, send := cur.WorkflowFile, cur.Workflow, cur.Target, cur.Send
	if len(in.Workflow) > 0 {
		file, source = cmpOr(in.WorkflowFile, file), in.Workflow
	}
	if in.Target != nil {
		if err := in.Target.Validate(); err != nil {
			return nil, nil, err
		}
		tgt = *in.Target
	}
	if in.Send != nil {
		send = *in.Send
	}
	v, err := buildVersion(file, source, tgt, send)
	if err != nil {
		return nil, nil, err
	}
	if v.BindingHash == cur.BindingHash {
		return nil, nil, ErrNoChange
	}
	changes := Diff(cur, v)
	v.Case, v.N, v.CreatedAt, v.CreatedBy = rec.ID, cur.N+1, m.clock(), in.By
	v.Reason = cmpOr(in.Reason, "edited")
	var flowUUID string
	if exp, err := v.ParsedExport(); err == nil && len(exp.Flows) > 0 {
		flowUUID = exp.Flows[0].UUID
	}
	var lines []string
	for _, c := range changes {
		lines = append(lines, c.String())
	}
	out, err := m.apply(ctx, rec.ID, step{action: "edited", actor: in.By, to: StateInDevelopment, version: cur.N,
		reason: fmt.Sprintf("version %d: %s; the tests start again", v.N, v.Reason),
		data:   map[string]any{"version": v.N, "binding": v.BindingHash, "changes": lines},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			if err := insertVersion(ctx, tx, v); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE usecase_case SET version = $1, flow_uuid = $2, accepted = 0 WHERE id = $3`, v.N, flowUUID, rec.ID); err != nil {
				return err
			}
			return m.voidApprovals(ctx, tx, rec, in.By, fmt.Sprintf("version %d changed what was approved: %s", v.N, strings.Join(lines, "; ")))
		}})
	if err != nil {
		return nil, nil, err
	}
	return out, changes, nil
}

// voidApprovals voids the pending or given approvals of a use case, with
// an audit entry for each.
func (m *Manager) voidApprovals(ctx context.Context, tx *store.Tx, rec *Record, by, why string) error {
	rows, err := tx.Query(ctx, `SELECT id, version, status FROM usecase_approval WHERE case_id = $1 AND status IN ('pending', 'approved') ORDER BY id`, rec.ID)
	if err != nil {
		return err
	}
	type ap struct {
		id      int64
		version int
		status  string
	}
	var aps []ap
	for rows.Next() {
		var a ap
		if err := rows.Scan(&a.id, &a.version, &a.status); err != nil {
			rows.Close()
			return err
		}
		aps = append(aps, a)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, a := range aps {
		if _, err := tx.Exec(ctx, `UPDATE usecase_approval SET status = 'void', reason = $1 WHERE id = $2`, why, a.id); err != nil {
			return err
		}
		what := "approval request"
		if a.status == "approved" {
			what = "approval"
		}
		e := &Entry{Case: rec.ID, At: m.clock(), Actor: by, Action: what + " void", From: rec.State, To: rec.State,
			Reason: fmt.Sprintf("the %s of version %d is void: %s", what, a.version, why),
			Data:   json.RawMessage(jsonText(map[string]any{"approval": a.id, "version": a.version}))}
		if err := appendAudit(ctx, tx, e); err != nil {
			return err
		}
	}
	return nil
}

// TestKind is a kind of test.
type TestKind string

// The tests of the SOP, in order.
const (
	TestSimulator      TestKind = "simulator"
	TestDataManager    TestKind = "dm_phone"
	TestRequestorPhone TestKind = "requestor_phone"
)

// Test is one recorded test of a version.
type Test struct {
	ID      int64    `json:"id"`
	Case    string   `json:"case"`
	Version int      `json:"version"`
	Kind    TestKind `json:"kind"`
	At      string   `json:"at"`
	Actor   string   `json:"actor"`
	// URN is the test phone a live test reached; FlowStart its start.
	URN         string       `json:"urn,omitempty"`
	FlowStart   string       `json:"flowStart,omitempty"`
	Transcripts []Transcript `json:"transcripts,omitempty"`
	Coverage    *Coverage    `json:"coverage,omitempty"`
}

// DefaultConversations are the conversations a simulator test plays when
// the Data Manager gives none: a health worker who answers every question
// at once, one who never answers, and one whose every reply fits nothing.
// The coverage then says what else is worth trying.
func DefaultConversations(v *Version) ([]Conversation, error) {
	exp, err := v.ParsedExport()
	if err != nil {
		return nil, err
	}
	if len(exp.Flows) == 0 {
		return nil, errors.New("usecase: the export holds no flow")
	}
	f := &exp.Flows[0]
	waits := 0
	for _, n := range f.Nodes {
		if n.Router != nil && n.Router.Wait != nil {
			waits++
		}
	}
	t, err := expected(exp, f.Language, fixedClock)
	if err != nil {
		return nil, err
	}
	var answers []sim.Input
	for _, turn := range t.Turns {
		if turn.Direction == "in" {
			answers = append(answers, sim.Input{Text: turn.Text, Timeout: turn.Timeout})
		}
	}
	silent := make([]sim.Input, waits)
	misfit := make([]sim.Input, waits)
	for i := range silent {
		silent[i] = sim.Input{Timeout: true}
		misfit[i] = sim.Input{Text: "sorry what do you mean"}
	}
	return []Conversation{
		{Name: "answers every question at once", Inputs: answers},
		{Name: "never answers", Inputs: silent},
		{Name: "every reply fits nothing", Inputs: misfit},
	}, nil
}

// Simulate tests the current version in the simulator with the given
// conversations (the [DefaultConversations] when none), records their
// transcripts and the flow's path coverage, and moves the use case to
// simulated. A use case just reviewed enters development first.
func (m *Manager) Simulate(ctx context.Context, id, by string, convs []Conversation) (*Record, *Test, error) {
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if rec.State == StateReviewed {
		if rec, err = m.apply(ctx, rec.ID, step{action: "development started", actor: by, to: StateInDevelopment,
			reason: "developing the workflow of the Request Form (version 1)"}); err != nil {
			return nil, nil, err
		}
	}
	if !slices.Contains([]State{StateInDevelopment, StateSimulated}, rec.State) {
		return nil, nil, &StateError{Case: rec.ID, From: rec.State, To: StateSimulated, Action: "test in the simulator",
			Need: "the simulator test comes first, after the review or an edit"}
	}
	v, err := getVersion(ctx, m.db, rec.ID, rec.Version)
	if err != nil {
		return nil, nil, err
	}
	if len(convs) == 0 {
		if convs, err = DefaultConversations(v); err != nil {
			return nil, nil, err
		}
	}
	exp, err := v.ParsedExport()
	if err != nil {
		return nil, nil, err
	}
	var ts []Transcript
	for i, c := range convs {
		if c.Name == "" {
			c.Name = fmt.Sprintf("conversation %d", i+1)
		}
		t, err := simulate(exp, c, m.clock())
		if err != nil {
			return nil, nil, fmt.Errorf("usecase: simulating %q: %w", c.Name, err)
		}
		ts = append(ts, t)
	}
	cov := CoverageOf(&exp.Flows[0], ts)
	test := &Test{Case: rec.ID, Version: v.N, Kind: TestSimulator, Actor: by, Transcripts: ts, Coverage: &cov}
	var untried []string
	for _, b := range cov.Untried() {
		untried = append(untried, b.String())
	}
	out, err := m.apply(ctx, rec.ID, step{action: "tested in the simulator", actor: by, to: StateSimulated, version: v.N,
		reason: fmt.Sprintf("%d conversations on version %d; coverage: %s", len(ts), v.N, cov),
		data:   map[string]any{"version": v.N, "conversations": len(ts), "coverage": cov.String(), "untried": untried},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			return m.insertTest(ctx, tx, test)
		}})
	if err != nil {
		return nil, nil, err
	}
	return out, test, nil
}

func (m *Manager) insertTest(ctx context.Context, tx *store.Tx, t *Test) error {
	now := m.clock()
	t.At = now.Format("2006-01-02T15:04:05Z07:00")
	var cov string
	if t.Coverage != nil {
		cov = jsonText(t.Coverage)
	}
	var ts string
	if len(t.Transcripts) > 0 {
		ts = jsonText(t.Transcripts)
	}
	return tx.QueryRow(ctx, `INSERT INTO usecase_test (case_id, version, kind, at, actor, urn, flow_start, transcripts, coverage)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		t.Case, t.Version, string(t.Kind), now, t.Actor, t.URN, t.FlowStart, ts, cov).Scan(&t.ID)
}

// Tests returns the tests recorded for a use case, oldest first.
func (m *Manager) Tests(ctx context.Context, id string) ([]Test, error) {
	rows, err := m.db.Query(ctx, `SELECT id, case_id, version, kind, at, actor, urn, flow_start, transcripts, coverage
		FROM usecase_test WHERE case_id = $1 ORDER BY id`, normalizeID(id))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Test
	for rows.Next() {
		var t Test
		var ts, cov string
		var at time.Time
		if err := rows.Scan(&t.ID, &t.Case, &t.Version, &t.Kind, &at, &t.Actor, &t.URN, &t.FlowStart, &ts, &cov); err != nil {
			return nil, err
		}
		t.At = at.UTC().Format("2006-01-02T15:04:05Z07:00")
		if ts != "" {
			if err := json.Unmarshal([]byte(ts), &t.Transcripts); err != nil {
				return nil, err
			}
		}
		if cov != "" {
			t.Coverage = &Coverage{}
			if err := json.Unmarshal([]byte(cov), t.Coverage); err != nil {
				return nil, err
			}
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
