package usecase

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
)

// TooEarlyError reports an activation before the approved send time.
type TooEarlyError struct {
	Case string
	At   time.Time
}

func (e *TooEarlyError) Error() string {
	return fmt.Sprintf("usecase %s: approved for %s; activate then, or wait for it", e.Case, e.At.Format(timeLayout))
}

// ErrWindowPassed reports an activation after the approved send window:
// the approval has lapsed, and a new send plan needs a new approval.
var ErrWindowPassed = errors.New("usecase: the approved send window has passed")

// ActivateInput says how to activate a use case.
type ActivateInput struct {
	By string
	// Wait waits for the approved send time when it is ahead (the
	// Manager's sleep, see [WithSleep]); otherwise activation fails with a
	// *TooEarlyError.
	Wait bool
	// FullSync reconciles every worker of the target rather than the
	// changes since its last sync.
	FullSync bool
}

// Activation is what an activation did.
type Activation struct {
	Sync  *target.Summary     `json:"sync"`
	Start *rapidpro.FlowStart `json:"start"`
	// Resumed is set when the flow start had been made by an activation
	// that was interrupted, and was found rather than made again.
	Resumed bool `json:"resumed"`
	// Approval is the approval that allowed it.
	Approval *Approval `json:"approval"`
}

// Activate sends an approved use case to its target group: it checks the
// approval again (the hash of the content as stored now must be the one
// approved) and the send window, checks that the flow in RapidPro is the
// approved one, syncs the target group, then starts the flow for the
// group exactly once — an activation interrupted at any point and run
// again finds the start it made rather than making another (the start
// carries a mark recorded before it is sent). Without a valid approval it
// refuses, and records the refusal.
func (m *Manager) Activate(ctx context.Context, id string, in ActivateInput) (*Record, *Activation, error) {
	if m.rp == nil {
		return nil, nil, ErrNoRapidPro
	}
	if m.syncer == nil {
		return nil, nil, errors.New("usecase: activation needs the target syncer (iHRIS and RapidPro)")
	}
	rec, err := m.Get(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if rec.State == StateActive || rec.State == StateMonitoring || rec.State == StateReported {
		return nil, nil, &StateError{Case: rec.ID, From: rec.State, To: StateActive, Action: "activate", Need: "it was activated on " + rec.StartedAt.Format(time.RFC1123) + " (flow start " + rec.StartUUID + ")"}
	}
	a, err := m.validApproval(ctx, m.db, rec)
	if err != nil {
		m.refuse(ctx, rec, in.By, err)
		return nil, nil, err
	}
	v, err := getVersion(ctx, m.db, rec.ID, rec.Version)
	if err != nil {
		return nil, nil, err
	}
	w := v.Binding.Window
	for {
		now := m.clock()
		if !now.Before(w.End) {
			err := fmt.Errorf("%w: %s was approved to start by %s", ErrWindowPassed, rec.ID, w.End.Format(time.RFC1123))
			m.refuse(ctx, rec, in.By, err)
			return nil, nil, err
		}
		if w.Start.IsZero() || !now.Before(w.Start) {
			break
		}
		if !in.Wait {
			return nil, nil, &TooEarlyError{Case: rec.ID, At: w.Start}
		}
		m.report(Progress{Step: "activation", Stage: "waiting for the approved send time", ETA: w.Start.Sub(now)})
		if err := m.sleep(ctx, w.Start.Sub(now)); err != nil {
			return nil, nil, err
		}
	}
	f, err := m.ensureFlow(ctx, v)
	if err != nil {
		return nil, nil, err
	}
	mark := fmt.Sprintf("%s-v%d-%s", rec.ID, v.N, v.BindingHash[:12])
	if rec.startMark != mark {
		if rec, err = m.apply(ctx, rec.ID, step{action: "activation begun", actor: in.By, from: []State{StateApproved}, version: v.N,
			reason: fmt.Sprintf("approval %d of version %d checked; syncing the target, then starting the flow once (mark %s)", a.ID, v.N, mark),
			data:   map[string]any{"approval": a.ID, "binding": a.Binding, "mark": mark},
			write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
				_, err := tx.Exec(ctx, `UPDATE usecase_case SET start_mark = $1 WHERE id = $2`, mark, rec.ID)
				return err
			}}); err != nil {
			return nil, nil, err
		}
	}
	m.report(Progress{Step: "activation", Stage: "syncing the target group"})
	sum, err := m.syncer.Sync(ctx, v.Target, in.FullSync)
	if err != nil {
		return nil, nil, fmt.Errorf("usecase: syncing the target: %w", err)
	}
	act := &Activation{Sync: sum, Approval: a}
	since := a.SentOn
	if since.IsZero() {
		since = a.RequestedAt
	}
	start, err := m.rp.FlowStarts.FindMarked(ctx, mark, since.Add(-time.Hour))
	switch {
	case err == nil:
		act.Resumed = true
	case errors.Is(err, rapidpro.ErrNotFound):
		m.report(Progress{Step: "activation", Stage: "starting the flow for the group"})
		start, err = m.rp.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: f.UUID, Groups: []string{sum.GroupUUID},
			Params: map[string]any{rapidpro.MarkParam: mark}})
		if err != nil {
			return nil, nil, fmt.Errorf("usecase: starting the flow (run activate again: the start is marked and will not be made twice): %w", err)
		}
	default:
		return nil, nil, fmt.Errorf("usecase: looking for an earlier start: %w", err)
	}
	act.Start = start
	startedAt := start.CreatedOn.UTC()
	if startedAt.IsZero() {
		startedAt = m.clock()
	}
	reason := fmt.Sprintf("flow started for group %q: %d health workers reached (approved for %d)", sum.Group, sum.Reachable, rec.Recipients)
	if act.Resumed {
		reason += "; the start made by an interrupted activation was found, not made again"
	}
	rec, err = m.apply(ctx, rec.ID, step{action: "activated", actor: in.By, to: StateActive, version: v.N, reason: reason,
		data: map[string]any{"flowStart": start.UUID, "group": sum.GroupUUID, "mark": mark, "resumed": act.Resumed,
			"sync": map[string]any{"reachable": sum.Reachable, "created": sum.Created, "updated": sum.Updated, "unchanged": sum.Unchanged,
				"added": sum.Added, "removed": sum.Removed, "skipped": len(sum.Skipped), "calls": sum.Calls}},
		write: func(ctx context.Context, tx *store.Tx, rec *Record) error {
			_, err := tx.Exec(ctx, `UPDATE usecase_case SET start_uuid = $1, group_uuid = $2, started_at = $3, recipients = $4 WHERE id = $5`,
				start.UUID, sum.GroupUUID, startedAt, sum.Reachable, rec.ID)
			return err
		}})
	if err != nil {
		return nil, nil, err
	}
	return rec, act, nil
}

// refuse records a refused activation in the audit log.
func (m *Manager) refuse(ctx context.Context, rec *Record, by string, why error) {
	if by == "" {
		by = "unknown"
	}
	_, _ = m.apply(ctx, rec.ID, step{action: "activation refused", actor: by, reason: why.Error()})
}
