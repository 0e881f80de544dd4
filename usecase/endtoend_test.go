package usecase_test

import (
	"context"
	"encoding/csv"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/usecase"
)

// e2eMix is the behaviour the end-to-end test sets. It has no late
// workers, whose answer may or may not beat a question's timeout, so that
// every count the reports give follows from the personas exactly.
var e2eMix = sandbox.Mix{sandbox.Responsive: 0.55, sandbox.Confused: 0.10, sandbox.DropsOut: 0.10,
	sandbox.Silent: 0.13, sandbox.OutOfCoverage: 0.12}

// TestEndToEnd follows one use case through every step of the SOP, in
// order, on the sandbox, and checks on the way every gate the SOP has:
// a step out of order is refused; the live tests reach the test phones
// only; activation without approval fails; an approval from a phone that
// is not the approver's is refused; a change after the approval voids it;
// the reports' numbers are the simulated health workers' behaviour; and a
// tampered audit entry is found.
func TestEndToEnd(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnvWith(t, storetest.DSN(t, "sqlite"),
		sandbox.Config{Workforce: ihristest.Workforce{Workers: 1500, Seed: 11}, Seed: 11, Mix: e2eMix})
	must := func(rec *usecase.Record, err error) *usecase.Record {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return rec
	}

	// 1. The Request Form.
	// Every health worker of the district, so that each kind of worker
	// is among them.
	form := strings.Replace(strings.Replace(formYAML(e.district), "    cadres: [nurse]\n", "", 1),
		"Nurses of the district", "Health workers of the district", 1)
	rec := e.create(t, form)
	id := rec.ID
	// 2. Review, which must come before any test.
	if _, _, err := e.m.Simulate(ctx, id, dm.Name, nil); !errors.Is(err, usecase.ErrState) {
		t.Fatalf("simulation before the review: %v, want ErrState", err)
	}
	must(e.m.Review(ctx, id, usecase.ReviewInput{DataManager: dm, Notes: "questions agreed"}))
	// 3-4. Development and the simulator, with its path coverage.
	rec, sim, err := e.m.Simulate(ctx, id, dm.Name, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != usecase.StateSimulated || sim.Coverage == nil || sim.Coverage.Visited == 0 || len(sim.Transcripts) == 0 {
		t.Fatalf("simulator test (state %s) without transcripts or coverage: %+v", rec.State, sim)
	}
	// 5-8. The Data Manager's phone, the Requestor's notice, the
	// Requestor's phone, the Requestor's acceptance.
	if _, _, err := e.m.TestOnPhone(ctx, id, dm.Name, usecase.PhoneRequestor); !errors.Is(err, usecase.ErrState) {
		t.Fatalf("Requestor's test before the Data Manager's: %v, want ErrState", err)
	}
	_, _, err = e.m.TestOnPhone(ctx, id, dm.Name, usecase.PhoneDataManager)
	must(nil, err)
	e.settle(t, time.Hour)
	must(e.m.Notify(ctx, id, dm.Name))
	_, _, err = e.m.TestOnPhone(ctx, id, dm.Name, usecase.PhoneRequestor)
	must(nil, err)
	e.settle(t, time.Hour)
	rec = must(e.m.Feedback(ctx, id, usecase.FeedbackInput{By: "Joseph Flomo", Text: "clear, send it", Accept: true}))
	if rec.State != usecase.StateAccepted {
		t.Fatalf("state %s, want accepted", rec.State)
	}
	// So far RapidPro has sent messages to the two test phones only.
	e.onlyTestPhones(t)

	// 9. Activation without approval fails.
	if _, _, err := e.m.Activate(ctx, id, usecase.ActivateInput{By: dm.Name}); !errors.Is(err, usecase.ErrNotApproved) {
		t.Fatalf("activation without approval: %v, want ErrNotApproved", err)
	}
	// 10. The approval request; a reply with the right code from another
	// phone is refused, the Director's own reply approves.
	_, req, err := e.m.RequestApproval(ctx, id, dm.Name)
	if err != nil {
		t.Fatal(err)
	}
	if req.Recipients == 0 || len(req.Questions) == 0 {
		t.Fatalf("the approval request shows %d health workers and %d questions", req.Recipients, len(req.Questions))
	}
	// The approver reads the tests' times as they read the send window's.
	zone := req.Window.End.Format("MST")
	for _, s := range req.Tests {
		if !strings.Contains(s, " "+zone+": ") {
			t.Errorf("test %q: want its time written like the send window, in %s", s, zone)
		}
	}
	if err := e.sb.RapidPro.Receive(ctx, dmURN, "APPROVE "+e.approvalCode(t)); err != nil {
		t.Fatal(err)
	}
	rec, a, err := e.m.CheckApproval(ctx, id, dm.Name)
	if err != nil {
		t.Fatal(err)
	}
	if a.Status != usecase.ApprovalPending || len(a.Refused) != 1 || rec.State != usecase.StateApprovalRequested {
		t.Fatalf("a reply from another phone: %s, refused %v, state %s", a.Status, a.Refused, rec.State)
	}
	e.settle(t, time.Hour)
	if rec, a, err = e.m.CheckApproval(ctx, id, dm.Name); err != nil || a.Status != usecase.ApprovalApproved || rec.State != usecase.StateApproved {
		t.Fatalf("the Director's reply: %v %v (state %s)", a, err, rec.State)
	}
	// A change after the approval voids it: a French wording.
	v, err := e.m.Version(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	src := strings.Replace(string(v.Workflow), "Avez-vous des CTA", "Avez-vous encore des CTA", 1)
	if _, _, err := e.m.Edit(ctx, id, usecase.EditInput{By: dm.Name, Reason: "French wording", Workflow: []byte(src)}); err != nil {
		t.Fatal(err)
	}
	var void *usecase.ApprovalVoidError
	if _, _, err := e.m.Activate(ctx, id, usecase.ActivateInput{By: dm.Name}); !errors.As(err, &void) {
		t.Fatalf("activation after a change: %v, want an ApprovalVoidError", err)
	}
	// The tests start again, then a new approval.
	e.toAcceptedFromDevelopment(t, id)
	e.onlyTestPhones(t)
	e.approve(t, id)

	// 11. Activation: the target synced, the flow started once.
	rec, act, err := e.m.Activate(ctx, id, usecase.ActivateInput{By: dm.Name, Wait: true})
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != usecase.StateActive || act.Sync.Reachable == 0 {
		t.Fatalf("activated: %s, %d reachable", rec.State, act.Sync.Reachable)
	}
	// 12. Three days of fieldwork (the flow expires after 3), then
	// monitoring.
	e.settle(t, 4*24*time.Hour)
	rec, mon, err := e.m.Monitor(ctx, id, dm.Name)
	if err != nil {
		t.Fatal(err)
	}
	// The numbers are the personas' behaviour, worker by worker.
	var want struct{ contacted, failed, responded, silent, dropped, confused int }
	for c, err := range e.rp.Contacts.List(ctx, &rapidpro.ContactListParams{Group: act.Sync.GroupUUID}) {
		if err != nil {
			t.Fatal(err)
		}
		want.contacted++
		switch e.sb.Engine.Persona(c.URNs[0]).Kind {
		case sandbox.OutOfCoverage:
			want.failed++
		case sandbox.Silent:
			want.silent++
		case sandbox.DropsOut:
			want.dropped++
			want.responded++
		case sandbox.Confused:
			want.confused++
			want.responded++
		default:
			want.responded++
		}
	}
	got := mon.Analysis.Counts
	t.Logf("personas: %+v; monitoring: %s", want, rec.Monitoring.Summary())
	for _, c := range []struct {
		what      string
		got, want int
	}{
		{"contacted", got.Contacted, want.contacted}, {"contacted (synced)", got.Contacted, act.Sync.Reachable},
		{"failed (out of coverage)", got.Failed, want.failed}, {"delivered", got.Delivered, want.contacted - want.failed},
		{"responded", got.Responded, want.responded}, {"never answered", got.NoAnswer, want.silent},
		{"replied to every question", got.AnsweredAll, want.responded - want.dropped},
		{"stopped", got.Stopped, want.dropped}, {"may need training", got.NeedsTraining, want.confused},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d, the personas say %d", c.what, c.got, c.want)
		}
	}
	if want.failed == 0 || want.silent == 0 || want.dropped == 0 || want.confused == 0 {
		t.Errorf("the target lacks a kind of worker to check: %+v", want)
	}

	// 13. The reports, whose numbers are the same.
	dir := t.TempDir()
	_, reps, err := e.m.Report(ctx, id, usecase.ReportInput{By: dm.Name, Dir: dir, NoPDF: true})
	if err != nil {
		t.Fatal(err)
	}
	summary := e2eSummary(t, reps)
	for label, n := range map[string]int{"Contacted": want.contacted, "Responded": want.responded, "Failed: likely out of coverage": want.failed} {
		if summary[label] != strconv.Itoa(n) {
			t.Errorf("the Monitoring Tool's summary says %s %q, the personas %d (summary %v)", label, summary[label], n, summary)
		}
	}
	// 14. The Overview Report to the Requestor closes the use case.
	rec, d, err := e.m.SendReport(ctx, id, usecase.SendInput{By: dm.Name, Where: "the NMCP shared drive"})
	if err != nil {
		t.Fatal(err)
	}
	if rec.State != usecase.StateReported || !strings.Contains(d.Text, "NMCP shared drive") {
		t.Fatalf("sent: %s %q", rec.State, d.Text)
	}

	// Every step is in the audit log, in the SOP's order.
	var states []usecase.State
	for en, err := range e.m.Audit(ctx, id) {
		if err != nil {
			t.Fatal(err)
		}
		if en.Transition() && (len(states) == 0 || states[len(states)-1] != en.To) {
			states = append(states, en.To)
		}
	}
	S := usecase.States()
	order := append(append(slices.Clone(S[:10]), S[2:10]...), S[10:13]...)
	if !slices.Equal(states, order) {
		t.Errorf("the audit log's states:\n%v\nwant\n%v", states, order)
	}
	// The log is intact; a changed entry is found.
	ver, err := e.m.Verify(ctx)
	if err != nil || !ver.OK() {
		t.Fatalf("verify: %v %v", ver.Findings, err)
	}
	if _, err := e.db.Exec(ctx, `UPDATE usecase_audit SET reason = 'approved by the Minister' WHERE seq = 12`); err != nil {
		t.Fatal(err)
	}
	ver, err = e.m.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ver.Findings) != 1 || ver.Findings[0].Seq != 12 {
		t.Fatalf("after changing entry #12: %v", ver.Findings)
	}
}

// onlyTestPhones checks that every message RapidPro sent so far went to
// the Data Manager's or the Requestor's phone (or the Director's, the
// approval requests).
func (e *env) onlyTestPhones(t *testing.T) {
	t.Helper()
	n := 0
	for msg, err := range e.rp.Messages.List(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		if msg.Direction != "out" {
			continue
		}
		n++
		if msg.URN != dmURN && msg.URN != requestorURN && msg.URN != directorURN {
			t.Errorf("a message went to %s before activation: %q", rapidpro.MaskURN(msg.URN), msg.Text)
		}
	}
	if n == 0 {
		t.Error("no message sent to the test phones")
	}
}

// e2eSummary reads the Monitoring Tool's summary table (its CSV copy).
func e2eSummary(t *testing.T, reps *usecase.Reports) map[string]string {
	t.Helper()
	for _, f := range reps.Files {
		if f.Kind != usecase.ReportMonitoring || !strings.HasSuffix(f.Path, ".csv") || !strings.Contains(filepath.Base(f.Path), "summary") {
			continue
		}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range rows {
			if len(r) >= 2 {
				out[r[0]] = r[1]
			}
		}
		return out
	}
	t.Fatalf("no summary CSV among %v", reps.Files)
	return nil
}
