package sandbox_test

import (
	"context"
	"fmt"
	"maps"
	"testing"
	"time"

	"github.com/mhero-go/mhero/examples/workflows"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/sandbox"
	"github.com/mhero-go/mhero/workflow"
	"github.com/mhero-go/mhero/workflow/flow"
)

// importWorkflow compiles one of the example workflows and imports it, as
// a Data Manager does through Settings → Import.
func importWorkflow(t *testing.T, sb *sandbox.Sandbox, name string) string {
	t.Helper()
	w, err := workflows.Parse(name)
	if err != nil {
		t.Fatal(err)
	}
	exp, err := workflow.Compile(w)
	if err != nil {
		t.Fatal(err)
	}
	data, err := flow.MarshalExport(exp)
	if err != nil {
		t.Fatal(err)
	}
	uuids, err := sb.RapidPro.ImportFlows(data)
	if err != nil || len(uuids) != 1 {
		t.Fatalf("import: %v %v", uuids, err)
	}
	return uuids[0]
}

func TestPersonasDriveRuns(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: 50, Regions: 2, Districts: 3, Facilities: 6}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx := t.Context()
	flowUUID := importWorkflow(t, sb, "malaria-stock")

	kinds := []sandbox.Kind{sandbox.Responsive, sandbox.Late, sandbox.Confused, sandbox.DropsOut, sandbox.Silent, sandbox.OutOfCoverage}
	group, err := sb.RapidPro.AddGroup("In-charges", "")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]sandbox.Kind{}
	scripted := map[string]bool{}
	for i := range 60 {
		urn := fmt.Sprintf("tel:+23177000%04d", i)
		k := kinds[i%len(kinds)]
		p := sandbox.Persona{Kind: k, Delay: 30 * time.Hour, Answered: 1}
		if k == sandbox.Responsive && i%12 == 0 {
			p.Answers = map[string]string{"act_in_stock": "no", "act_stockout_reason": "2"}
			scripted[urn] = true
		}
		sb.Engine.SetPersona(urn, p)
		if _, err := sb.RapidPro.AddContact(rapidprotest.ContactSpec{Name: fmt.Sprintf("Worker %d", i), URNs: []string{urn}, Groups: []string{group}}); err != nil {
			t.Fatal(err)
		}
		want[urn] = k
	}

	c, err := rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: flowUUID, Groups: []string{group}}); err != nil {
		t.Fatal(err)
	}
	st, err := sb.Settle(ctx, 4*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if st.Replies == 0 || st.Timeouts == 0 {
		t.Fatalf("settle: %+v", st)
	}

	runs := 0
	for r, err := range c.Runs.List(ctx, &rapidpro.RunListParams{Flow: flowUUID}) {
		if err != nil {
			t.Fatal(err)
		}
		runs++
		k := want[r.Contact.URN]
		switch k {
		case sandbox.Responsive, sandbox.Confused:
			if r.ExitType != "completed" || !r.Responded {
				t.Errorf("%s worker: exit %q responded %v", k, r.ExitType, r.Responded)
			}
			if _, ok := r.Values["rdt_in_stock"]; !ok {
				t.Errorf("%s worker did not reach the last question: %v", k, r.Values)
			}
		case sandbox.Silent, sandbox.OutOfCoverage:
			if r.Responded || r.ExitType == "completed" && len(r.Values) > 0 && r.Values["act_in_stock"].Category != "No Response" {
				t.Errorf("%s worker: responded %v values %v", k, r.Responded, r.Values)
			}
		case sandbox.DropsOut:
			if !r.Responded || len(r.Values) == 0 || r.Values["act_in_stock"].Category == "No Response" {
				t.Errorf("drop-out answered nothing: %+v", r.Values)
			}
		case sandbox.Late:
			// A reply 30 hours late misses the 12-hour timeout.
			if v := r.Values["act_in_stock"]; v.Category != "No Response" {
				t.Errorf("late worker: act_in_stock %+v, want No Response", v)
			}
		}
		if scripted[r.Contact.URN] {
			if v := r.Values["act_stockout_reason"]; v.Category != "Expired" {
				t.Errorf("scripted answer lost: %+v", v)
			}
		}
	}
	if runs != 60 {
		t.Fatalf("%d runs, want 60", runs)
	}
	// The workflow expires after 3 days: after 4, no simulated run is left
	// open, whether it ended through the engine or by the server's expiry.
	if n := sb.Engine.Sessions(); n != 0 {
		t.Errorf("%d sessions still open after the flow's expiry", n)
	}

	failed := 0
	for m, err := range c.Messages.List(ctx, &rapidpro.MessageListParams{Folder: "failed"}) {
		if err != nil {
			t.Fatal(err)
		}
		if want[m.URN] != sandbox.OutOfCoverage {
			t.Errorf("message to a %s worker failed", want[m.URN])
		}
		failed++
	}
	if failed == 0 {
		t.Error("no failed message for out-of-coverage workers")
	}
}

func TestAssignIsRepeatableAndFollowsTheMix(t *testing.T) {
	t.Parallel()
	counts := map[sandbox.Kind]int{}
	for i := range 10000 {
		urn := fmt.Sprintf("tel:+231770%06d", i)
		p := sandbox.Assign(urn, sandbox.DefaultMix(), 3)
		if q := sandbox.Assign(urn, sandbox.DefaultMix(), 3); q.Kind != p.Kind || q.Delay != p.Delay {
			t.Fatal("Assign is not repeatable")
		}
		counts[p.Kind]++
	}
	for k, share := range sandbox.DefaultMix() {
		got := float64(counts[k]) / 10000
		if got < share-0.02 || got > share+0.02 {
			t.Errorf("%s: %.3f of workers, want about %.2f", k, got, share)
		}
	}
}

func TestDefaultMixIsAFreshMap(t *testing.T) {
	t.Parallel()
	m := sandbox.DefaultMix()
	m[sandbox.Silent] = 99
	if got := sandbox.DefaultMix()[sandbox.Silent]; got == 99 {
		t.Error("changing DefaultMix's map changed the default")
	}
}

func TestDirectorAnswersApprovalRequests(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: 20, Regions: 1, Districts: 1, Facilities: 2}, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	const approver, rejecter = "tel:+231886000001", "tel:+231886000002"
	sb.AddDirector(sandbox.Director{URN: approver, Delay: 5 * time.Minute})
	sb.AddDirector(sandbox.Director{URN: rejecter, Reject: "question 2 is unclear"})
	rp, err := rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	start := sb.Now()
	for _, urn := range []string{approver, rejecter, "tel:+231770000009"} {
		if _, err := rp.Broadcasts.Create(ctx, &rapidpro.BroadcastRequest{URNs: []string{urn},
			Text: rapidpro.Translations{"": "mHero approval UC-0001 v1. Reply APPROVE 482113 or REJECT 482113 with a reason."}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := sb.Settle(ctx, time.Hour); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for m, err := range rp.Messages.List(ctx, &rapidpro.MessageListParams{Folder: "inbox"}) {
		if err != nil {
			t.Fatal(err)
		}
		got[m.URN] = m.Text
		if m.URN == approver && m.CreatedOn.Sub(start) < 5*time.Minute {
			t.Errorf("the Director answered at %v, before their 5-minute delay", m.CreatedOn)
		}
	}
	want := map[string]string{approver: "APPROVE 482113", rejecter: "REJECT 482113 question 2 is unclear"}
	if !maps.Equal(got, want) {
		t.Errorf("replies = %v, want %v (and none from a phone that is no Director's)", got, want)
	}
}

// Config.MixFor gives contacts of one district their own mix, and
// Config.Misunderstood makes a share of the workers misread a question
// the first time it is asked.
func TestMixForAndMisunderstood(t *testing.T) {
	t.Parallel()
	sb, err := sandbox.New(sandbox.Config{Workforce: ihristest.Workforce{Workers: 10, Regions: 1, Districts: 1, Facilities: 1}, Seed: 4,
		Mix: sandbox.Mix{sandbox.Responsive: 1},
		MixFor: func(fields map[string]string) sandbox.Mix {
			if fields["district"] == "Quiet" {
				return sandbox.Mix{sandbox.Silent: 1}
			}
			return nil
		},
		Misunderstood: map[string]float64{"act_in_stock": 0.5}})
	if err != nil {
		t.Fatal(err)
	}
	defer sb.Close()
	ctx := t.Context()
	flowUUID := importWorkflow(t, sb, "malaria-stock")
	if err := sb.RapidPro.AddField("district", "District", "text"); err != nil {
		t.Fatal(err)
	}
	group, _ := sb.RapidPro.AddGroup("In-charges", "")
	quiet := map[string]bool{}
	for i := range 200 {
		urn := fmt.Sprintf("tel:+23177001%04d", i)
		district := "Busy"
		if i%4 == 0 {
			district, quiet[urn] = "Quiet", true
		}
		if _, err := sb.RapidPro.AddContact(rapidprotest.ContactSpec{Name: fmt.Sprintf("Worker %d", i), URNs: []string{urn},
			Groups: []string{group}, Fields: map[string]string{"district": district}}); err != nil {
			t.Fatal(err)
		}
	}
	c, err := rapidpro.NewClient(sb.RapidPro.URL(), sb.RapidPro.Token(), rapidpro.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.FlowStarts.Create(ctx, &rapidpro.FlowStartRequest{Flow: flowUUID, Groups: []string{group}}); err != nil {
		t.Fatal(err)
	}
	if _, err := sb.Settle(ctx, 4*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	misread := 0
	answeredAt := map[bool]map[string]bool{false: {}, true: {}}
	for r, err := range c.Runs.List(ctx, &rapidpro.RunListParams{Flow: flowUUID}) {
		if err != nil {
			t.Fatal(err)
		}
		urn := r.Contact.URN
		if got := sb.Engine.Persona(urn).Kind; (got == sandbox.Silent) != quiet[urn] {
			t.Errorf("%s in district quiet=%v is %s", urn, quiet[urn], got)
		}
		if quiet[urn] {
			continue
		}
		// Asked again after a reply that fit nothing, a misreader answers
		// at the retry's wait node; the others at the first one.
		misreads := sb.Engine.Misunderstands(urn, "act_in_stock")
		if misreads {
			misread++
		}
		answeredAt[misreads][r.Values["act_in_stock"].Node] = true
		if v := r.Values["act_in_stock"]; v.Category == "Other" || v.Category == "No Response" || v.Category == "" {
			t.Errorf("%s (misreads %v): act_in_stock %+v, want an answer after the retry", urn, misreads, v)
		}
	}
	if n := 150; misread < n/2-4*6 || misread > n/2+4*6 { // 4 standard errors of 150 × ½
		t.Errorf("%d of %d workers misread the question, want about half", misread, n)
	}
	if len(answeredAt[true]) != 1 || len(answeredAt[false]) != 1 || maps.Equal(answeredAt[true], answeredAt[false]) {
		t.Errorf("misreaders answered at nodes %v, the others at %v: want one each, not the same", answeredAt[true], answeredAt[false])
	}
}
