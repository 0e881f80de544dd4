package usecase_test

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/usecase"
)

// TestLifecycle follows one use case through every step of the SOP up to
// its activation, on both databases, and checks the gate on the way.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newEnv(t, dsn)
		rec := e.create(t, formYAML(e.district))
		if rec.State != usecase.StateRequested || rec.Late {
			t.Fatalf("new use case: %s late=%v", rec.State, rec.Late)
		}
		// Out of order: no test before the review.
		if _, _, err := e.m.TestOnPhone(ctx, rec.ID, dm.Name, usecase.PhoneDataManager); !errors.Is(err, usecase.ErrState) {
			t.Fatalf("test before review: %v, want ErrState", err)
		}
		rec = e.toAccepted(t, rec.ID)
		if rec.State != usecase.StateAccepted {
			t.Fatalf("state %s, want accepted", rec.State)
		}
		// Activation without approval fails, and is recorded.
		if _, _, err := e.m.Activate(ctx, rec.ID, usecase.ActivateInput{By: dm.Name}); !errors.Is(err, usecase.ErrNotApproved) {
			t.Fatalf("activate without approval: %v, want ErrNotApproved", err)
		}
		rec = e.approve(t, rec.ID)
		if rec.State != usecase.StateApproved {
			t.Fatalf("state %s, want approved", rec.State)
		}
		if _, err := e.m.ValidApproval(ctx, rec.ID); err != nil {
			t.Fatal(err)
		}
		rec, act, err := e.m.Activate(ctx, rec.ID, usecase.ActivateInput{By: dm.Name, Wait: true})
		if err != nil {
			t.Fatal(err)
		}
		if rec.State != usecase.StateActive || act.Start == nil || act.Resumed {
			t.Fatalf("activated: %s %+v", rec.State, act)
		}
		if approved := time.Date(2026, 3, 9, 8, 0, 0, 0, time.UTC); act.Start.CreatedOn.Before(approved) {
			t.Errorf("started at %v, before the approved time %v", act.Start.CreatedOn, approved)
		}
		v, err := e.m.Verify(ctx)
		if err != nil || !v.OK() {
			t.Fatalf("verify: %v %v", v.Findings, err)
		}
		var actions []string
		for en, err := range e.m.Audit(ctx, rec.ID) {
			if err != nil {
				t.Fatal(err)
			}
			actions = append(actions, en.Action)
		}
		t.Logf("audit: %s", strings.Join(actions, " | "))
		for _, want := range []string{"request recorded", "reviewed", "development started", "tested in the simulator",
			"tested on the Data Manager's phone", "Requestor notified", "tested on the Requestor's phone", "accepted by the Requestor",
			"activation refused", "approval requested", "approved", "activation begun", "activated"} {
			if !slices.Contains(actions, want) {
				t.Errorf("audit lacks %q", want)
			}
		}
	})
}

// TestTestSendsReachOnlyTestPhones checks that the live tests start the
// flow for one test phone each, never for a group or anyone else.
func TestTestSendsReachOnlyTestPhones(t *testing.T) {
	t.Parallel()
	onStores(t, func(t *testing.T, dsn string) {
		ctx := context.Background()
		e := newEnv(t, dsn)
		rec := e.create(t, formYAML(e.district))
		rec = e.toAccepted(t, rec.ID)
		var starts []rapidpro.FlowStart
		for fs, err := range e.rp.FlowStarts.List(ctx, nil) {
			if err != nil {
				t.Fatal(err)
			}
			starts = append(starts, fs)
		}
		if len(starts) != 2 {
			t.Fatalf("%d flow starts, want the 2 tests", len(starts))
		}
		contacts := map[string]bool{}
		for run, err := range e.rp.Runs.List(ctx, &rapidpro.RunListParams{Flow: rec.FlowUUID}) {
			if err != nil {
				t.Fatal(err)
			}
			contacts[run.Contact.UUID] = true
		}
		for _, fs := range starts {
			if len(fs.Groups) > 0 {
				t.Errorf("test start %s names groups %v", fs.UUID, fs.Groups)
			}
		}
		if len(contacts) != 2 {
			t.Errorf("runs for %d contacts, want the 2 test phones", len(contacts))
		}
		tests, err := e.m.Tests(ctx, rec.ID)
		if err != nil {
			t.Fatal(err)
		}
		var urns []string
		for _, ts := range tests {
			if ts.URN != "" {
				urns = append(urns, ts.URN)
			}
		}
		if want := []string{dmURN, requestorURN}; !slices.Equal(urns, want) {
			t.Errorf("test URNs %v, want %v", urns, want)
		}
		// The transcript of the Requestor's test is read back.
		last := tests[len(tests)-1]
		tr, err := e.m.LiveTranscript(ctx, rec.ID, last.ID)
		if err != nil {
			t.Fatal(err)
		}
		if tr.Status != "completed" || len(tr.Turns) < 4 {
			t.Errorf("live transcript: %s with %d turns:\n%s", tr.Status, len(tr.Turns), tr)
		}
		// A test phone that was no contact of the workspace is greeted
		// by its owner's name, not "Hello , ".
		for _, ts := range tests {
			name := map[string]string{dmURN: dm.Name, requestorURN: "Joseph Flomo"}[ts.URN]
			if name == "" {
				continue
			}
			tr, err := e.m.LiveTranscript(ctx, rec.ID, ts.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(tr.Turns) == 0 || !strings.Contains(tr.Turns[0].Text, "Hello "+name+",") {
				t.Errorf("the test on %s's phone does not greet them by name:\n%s", name, tr)
			}
		}
	})
}

// TestChangeAfterApprovalVoidsIt edits a question's translation after the
// approval: the approval no longer covers the use case, activation says
// what changed, and a new approval request shows it.
func TestChangeAfterApprovalVoidsIt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, storetest.DSN(t, "sqlite"))
	rec := e.create(t, formYAML(e.district))
	e.toAccepted(t, rec.ID)
	e.approve(t, rec.ID)
	v, err := e.m.Version(ctx, rec.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(v.Workflow), "Avez-vous des CTA", "Avez-vous encore des CTA", 1)
	if src == string(v.Workflow) {
		t.Fatal("the French text to change is not in the workflow")
	}
	rec, changes, err := e.m.Edit(ctx, rec.ID, usecase.EditInput{By: dm.Name, Reason: "French wording", Workflow: []byte(src)})
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != usecase.StateInDevelopment || len(changes) != 1 || !strings.Contains(changes[0].What, "(fra)") {
		t.Fatalf("after the edit: %s, changes %v", rec.State, changes)
	}
	_, _, err = e.m.Activate(ctx, rec.ID, usecase.ActivateInput{By: dm.Name})
	var void *usecase.ApprovalVoidError
	if !errors.As(err, &void) || !strings.Contains(err.Error(), "Avez-vous encore") {
		t.Fatalf("activate after the change: %v, want an ApprovalVoidError naming the change", err)
	}
	// Tests start again; the new approval request shows what changed.
	e.toAcceptedFromDevelopment(t, rec.ID)
	_, req, err := e.m.RequestApproval(ctx, rec.ID, dm.Name)
	if err != nil {
		t.Fatal(err)
	}
	if req.Previous != 1 || len(req.Changes) != 1 {
		t.Errorf("approval request: previous %d, changes %v", req.Previous, req.Changes)
	}
}

func (e *env) toAcceptedFromDevelopment(t *testing.T, id string) {
	t.Helper()
	ctx := context.Background()
	if _, _, err := e.m.Simulate(ctx, id, dm.Name, nil); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.TestOnPhone(ctx, id, dm.Name, usecase.PhoneDataManager); err != nil {
		t.Fatal(err)
	}
	if _, err := e.m.Notify(ctx, id, dm.Name); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.m.TestOnPhone(ctx, id, dm.Name, usecase.PhoneRequestor); err != nil {
		t.Fatal(err)
	}
	e.settle(t, time.Hour)
	if _, err := e.m.Feedback(ctx, id, usecase.FeedbackInput{By: "Joseph Flomo", Text: "fine", Accept: true}); err != nil {
		t.Fatal(err)
	}
}

// TestApprovalFromAnotherPhoneRefused replies with the right code from a
// phone that is not the approver's: the reply is refused and recorded,
// and the Director's own reply then approves.
func TestApprovalFromAnotherPhoneRefused(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t, storetest.DSN(t, "sqlite"))
	rec := e.create(t, formYAML(e.district))
	e.toAccepted(t, rec.ID)
	if _, _, err := e.m.RequestApproval(ctx, rec.ID, dm.Name); err != nil {
		t.Fatal(err)
	}
	code := e.approvalCode(t)
	// The Data Manager (or anyone) answers from another phone at once,
	// before the Director's reply arrives.
	if err := e.sb.RapidPro.Receive(ctx, dmURN, "APPROVE "+code); err != nil {
		t.Fatal(err)
	}
	rec, a, err := e.m.CheckApproval(ctx, rec.ID, dm.Name)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != usecase.ApprovalPending || len(a.Refused) != 1 || rec.State != usecase.StateApprovalRequested {
		t.Fatalf("after a reply from the wrong phone: %s, refused %v, state %s", a.Status, a.Refused, rec.State)
	}
	if _, _, err := e.m.Activate(ctx, rec.ID, usecase.ActivateInput{By: dm.Name}); !errors.Is(err, usecase.ErrNotApproved) {
		t.Fatalf("activation after a refused reply: %v", err)
	}
	e.settle(t, time.Hour)
	rec, a, err = e.m.CheckApproval(ctx, rec.ID, dm.Name)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != usecase.ApprovalApproved || a.Evidence.URN != directorURN || len(a.Refused) != 1 || rec.State != usecase.StateApproved {
		t.Fatalf("after the Director's reply: %s %+v refused %d, state %s", a.Status, a.Evidence, len(a.Refused), rec.State)
	}
}

var codeInSMS = regexp.MustCompile(`APPROVE ([0-9]{6})`)

// approvalCode reads the code of the last approval SMS back from RapidPro,
// as anyone with the workspace's token could.
func (e *env) approvalCode(t *testing.T) string {
	t.Helper()
	for b, err := range e.rp.Broadcasts.List(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if m := codeInSMS.FindStringSubmatch(b.Text.Text("")); m != nil {
			return m[1]
		}
		for _, text := range b.Text {
			if m := codeInSMS.FindStringSubmatch(text); m != nil {
				return m[1]
			}
		}
	}
	t.Fatal("no approval SMS")
	return ""
}

func TestStatesIsAFreshCopy(t *testing.T) {
	t.Parallel()
	usecase.States()[0] = usecase.StateCancelled
	if got := usecase.States()[0]; got != usecase.StateRequested {
		t.Errorf("States()[0] = %s after changing a copy, want %s", got, usecase.StateRequested)
	}
	if usecase.StateRequested.Step() != 1 {
		t.Errorf("StateRequested.Step() = %d, want 1", usecase.StateRequested.Step())
	}
}
