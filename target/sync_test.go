package target_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
)

var everyone = target.Group{Name: "All health workers", Country: "LR"}

// TestSyncEndToEnd follows one workspace through the syncs of the issue:
// a full sync of 5,000 workers, a second one that writes nothing, ten
// changed workers, a new number, a stopped contact.
func TestSyncEndToEnd(t *testing.T) {
	onStores(t, testSyncEndToEnd)
}

func testSyncEndToEnd(t *testing.T, kind store.Dialect) {
	e := newEnvOn(t, 5000, 11, kind)
	ctx := context.Background()
	s := e.syncer(t)
	truth := e.ihris.Truth()

	plan, err := s.Plan(ctx, everyone, false)
	if err != nil {
		t.Fatal(err)
	}
	if e.writes() != 0 {
		t.Fatalf("planning wrote %d times", e.writes())
	}
	sum, err := s.Sync(ctx, everyone, false)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first sync: %d selected, %d reachable, %d created, %d added, calls %v, %v", sum.Selected, sum.Reachable, sum.Created, sum.Added, sum.Calls, sum.Duration)
	if sum.Selected != truth.ActiveWorkers {
		t.Errorf("selected %d, want the %d active workers", sum.Selected, truth.ActiveWorkers)
	}
	if sum.Created != plan.Creates || sum.Added != plan.Adds || sum.Reachable != plan.Reachable {
		t.Errorf("sync did %+v, plan said %+v", sum, plan)
	}
	if got, want := sum.Calls, plan.Calls; got[target.ScopeContacts] != want[target.ScopeContacts] || got[target.ScopeV2] != want[target.ScopeV2] {
		t.Errorf("calls %v, plan said %v", got, want)
	}
	if sum.Reachable+len(sum.Skipped) != sum.Selected {
		t.Errorf("%d reachable + %d skipped != %d selected: someone disappeared without a reason", sum.Reachable, len(sum.Skipped), sum.Selected)
	}

	contacts := e.contacts(t)
	members := e.members(t, everyone.Name)
	if len(contacts) != sum.Reachable || len(members) != sum.Reachable {
		t.Errorf("%d contacts, %d members; want %d", len(contacts), len(members), sum.Reachable)
	}
	byWorker := map[string]rapidpro.Contact{}
	for _, c := range contacts {
		id := c.Fields[target.FieldIHRISID].String()
		if _, dup := byWorker[id]; dup || id == "" {
			t.Errorf("contact %s: iHRIS id %q twice or missing", c.UUID, id)
		}
		byWorker[id] = c
	}

	// Invalid and shared numbers are reported and never sent.
	reasons := map[string]target.Reason{}
	for _, sk := range sum.Skipped {
		reasons[sk.WorkerID] = sk.Reason
		if strings.Contains(sk.Detail, "+2317") {
			t.Errorf("skip detail shows a full number: %s", sk.Detail)
		}
	}
	active := map[string]bool{}
	for id := range byWorker {
		active[id] = true
	}
	for id := range truth.InvalidPhones {
		if _, sent := byWorker[id]; sent {
			t.Errorf("worker %s with an invalid number has a contact", id)
		}
	}
	invalid := 0
	for _, r := range reasons {
		if r == target.ReasonInvalidPhone {
			invalid++
		}
	}
	if invalid == 0 {
		t.Error("no invalid number reported")
	}
	shared := 0
	for urn, ids := range truth.SharedPhones {
		var selected []string
		for _, id := range ids {
			if _, ok := reasons[id]; ok || active[id] {
				selected = append(selected, id)
			}
		}
		for _, c := range contacts {
			if slices.Contains(c.URNs, "tel:"+strings.TrimPrefix(urn, "tel:")) && len(selected) > 1 {
				t.Errorf("shared number %s was sent to contact %s", urn, c.UUID)
			}
		}
		for _, id := range selected {
			if len(selected) > 1 && reasons[id] != target.ReasonSharedPhone && reasons[id] != target.ReasonNoPhone {
				t.Errorf("worker %s shares %s with %v: reason %q", id, urn, selected, reasons[id])
			}
			if reasons[id] == target.ReasonSharedPhone {
				shared++
			}
		}
	}
	if shared == 0 {
		t.Error("no shared number reported")
	}

	// A second sync writes nothing.
	before := e.writes()
	sum2, err := s.Sync(ctx, everyone, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.writes() - before; n != 0 || sum2.Created+sum2.Updated+sum2.Added+sum2.Removed != 0 {
		t.Errorf("second sync: %d writes, summary %+v", n, sum2)
	}
	t.Logf("second sync: calls %v", sum2.Calls)
	// And neither does a full reconcile (reading everything again, which
	// the race detector makes slow: the stopped contact below is synced
	// in full instead).
	if !raceEnabled {
		before = e.writes()
		if sum3, err := s.Sync(ctx, everyone, true); err != nil || e.writes() != before || !sum3.Full {
			t.Errorf("full reconcile of an unchanged workspace: %d writes, %v", e.writes()-before, err)
		}
	}

	// Ten changed workers: exactly ten updates. Five get a new name, five a
	// new number (which must reach RapidPro).
	var changed []string
	for id := range byWorker {
		changed = append(changed, id)
	}
	slices.Sort(changed)
	changed = changed[:10]
	newNumbers := map[string]string{}
	for i, id := range changed {
		editPractitioner(t, e.fhir, id, func(p map[string]any) {
			if i < 5 {
				p["name"] = []any{map[string]any{"use": "official", "text": fmt.Sprintf("Renamed Worker %d", i)}}
				return
			}
			local := fmt.Sprintf("0886 %03d %03d", 900+i, 100+i)
			p["telecom"] = []any{map[string]any{"system": "phone", "value": local, "use": "mobile", "rank": 1}}
			urn, _ := rapidpro.PhoneURN(local, "LR")
			newNumbers[id] = urn
		})
	}
	before = e.writes()
	sum4, err := s.Sync(ctx, everyone, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum4.Updated != 10 || e.writes()-before != 10 || sum4.Full {
		t.Errorf("10 changed workers: %d updates, %d writes, full %v; want 10, 10, incremental", sum4.Updated, e.writes()-before, sum4.Full)
	}
	for id, urn := range newNumbers {
		c, err := e.rpc.Contacts.Get(ctx, byWorker[id].UUID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(c.URNs, []string{urn}) {
			t.Errorf("worker %s: URNs %v, want the new number %s", id, c.URNs, urn)
		}
	}

	// A stopped contact stays stopped, even when its worker changes.
	stopped := byWorker[changed[0]]
	if err := e.rp.SetContactStatus(stopped.UUID, "stopped"); err != nil {
		t.Fatal(err)
	}
	editPractitioner(t, e.fhir, changed[0], func(p map[string]any) {
		p["name"] = []any{map[string]any{"use": "official", "text": "Renamed Again"}}
	})
	before = e.writes()
	sum5, err := s.Sync(ctx, everyone, true)
	if err != nil {
		t.Fatal(err)
	}
	c, err := e.rpc.Contacts.Get(ctx, stopped.UUID)
	if err != nil {
		t.Fatal(err)
	}
	if c.Status != "stopped" || len(c.Groups) != 0 || e.writes() != before {
		t.Errorf("stopped contact: status %s, groups %v, %d writes", c.Status, c.Groups, e.writes()-before)
	}
	found := false
	for _, sk := range sum5.Skipped {
		found = found || (sk.WorkerID == changed[0] && sk.Reason == target.ReasonStopped)
	}
	if !found {
		t.Errorf("the stopped contact's worker is not reported as stopped")
	}
}

// editPractitioner changes a Practitioner in iHRIS as a user would.
func editPractitioner(t testing.TB, c *fhir.Client, id string, edit func(map[string]any)) {
	t.Helper()
	ctx := context.Background()
	res, _, err := c.Read(ctx, "Practitioner", id)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(res.Raw(), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	data, _ := json.Marshal(m)
	upd, err := fhir.ParseResource(data)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Update(ctx, upd); err != nil {
		t.Fatal(err)
	}
}

var _ = ihris.ContactUUIDSystem
