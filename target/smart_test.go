package target_test

import (
	"context"
	"strings"
	"testing"

	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/target"
)

// TestSmartGroupIsUsedAsItIs checks that a target naming a smart group
// makes no membership call, and that the preview compares its members
// with the criteria; and that the plan of a manual target prints the
// query of an equivalent smart group.
func TestSmartGroupIsUsedAsItIs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 600, 12)
	ctx := context.Background()
	s := e.syncer(t)
	nurses := target.Group{Name: "Nurses", Country: "LR", Criteria: ihris.Criteria{Cadres: []string{"nurse"}}}
	plan, err := s.Plan(ctx, nurses, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := `cadre = "Nurse" AND ihris_status = "active"`; plan.SmartQuery != want {
		t.Errorf("smart query %q, want %q (note %q)", plan.SmartQuery, want, plan.SmartQueryNote)
	}
	// Contacts and fields first, from a sync of everyone.
	if _, err := s.Sync(ctx, everyone, false); err != nil {
		t.Fatal(err)
	}
	if _, err := e.rp.AddGroup("Nurses (smart)", plan.SmartQuery); err != nil {
		t.Fatal(err)
	}
	smart := nurses
	smart.Name, smart.SmartGroup = "Nurses via smart group", "Nurses (smart)"
	pv, err := s.Preview(ctx, smart)
	if err != nil {
		t.Fatal(err)
	}
	if pv.Smart == nil || pv.Smart.Members == 0 {
		t.Fatalf("no smart comparison: %+v", pv.Smart)
	}
	// Workers with two current roles are matched on the synced one: a few
	// may differ, never many.
	if d := len(pv.Smart.Missing) + len(pv.Smart.Extra); d > pv.Reachable/10 {
		t.Errorf("smart group of %d members differs from %d reachable nurses by %d: missing %v, extra %v",
			pv.Smart.Members, pv.Reachable, d, pv.Smart.Missing, pv.Smart.Extra)
	}
	t.Logf("smart group: %d members, %d reachable nurses, %d missing, %d extra", pv.Smart.Members, pv.Reachable, len(pv.Smart.Missing), len(pv.Smart.Extra))
	before := e.rp.RequestCount("POST", "contact_actions")
	sum, err := s.Sync(ctx, smart, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := e.rp.RequestCount("POST", "contact_actions"); n != before || sum.Added+sum.Removed != 0 {
		t.Errorf("syncing a smart-group target made %d membership calls (added %d, removed %d)", n-before, sum.Added, sum.Removed)
	}
	// A manual group named as a smart one is refused.
	bad := nurses
	bad.Name, bad.SmartGroup = "Wrong", everyone.Name
	if _, err := s.Preview(ctx, bad); err == nil {
		t.Error("a manual group was accepted as a smart group")
	}
	// A smart group given as the group to sync is refused, saying how to
	// use it instead.
	manual := nurses
	manual.RapidProGroup = "Nurses (smart)"
	if _, err := s.Sync(ctx, manual, false); err == nil || !strings.Contains(err.Error(), `write "smart_group: Nurses (smart)" in the target file`) {
		t.Errorf("a smart group as the group to sync: %v", err)
	}
}
