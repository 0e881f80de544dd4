package target_test

import (
	"context"
	"slices"
	"testing"

	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/target"
)

func TestWriteBackRecordsContactUUIDsOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 200, 14)
	ctx := context.Background()
	s := e.syncer(t, target.WithWriteBack())
	sum, err := s.Sync(ctx, everyone, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.WrittenBack != sum.Created || sum.Created == 0 {
		t.Errorf("wrote back %d UUIDs for %d contacts created", sum.WrittenBack, sum.Created)
	}
	for id, c := range e.members(t, everyone.Name) {
		w, err := e.reg.Worker(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := w.Identifier(ihris.ContactUUIDSystem); got != c.UUID {
			t.Errorf("worker %s: contact UUID identifier %q, want %q", id, got, c.UUID)
		}
	}
	// The write-back changed the Practitioners: the next sync reads them,
	// and writes nothing to either side.
	before := e.writes()
	again, err := s.Sync(ctx, everyone, false)
	if err != nil {
		t.Fatal(err)
	}
	if again.WrittenBack != 0 || e.writes() != before {
		t.Errorf("second sync: %d written back, %d RapidPro writes", again.WrittenBack, e.writes()-before)
	}
}

// TestIncrementalSyncFollowsChurn hires, deactivates and deletes workers in
// iHRIS and checks that an incremental sync leaves the group as a full
// evaluation says it should be.
func TestIncrementalSyncFollowsChurn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, 400, 15)
	ctx := context.Background()
	s := e.syncer(t)
	if _, err := s.Sync(ctx, everyone, false); err != nil {
		t.Fatal(err)
	}
	rep, err := e.ihris.Churn(ihristest.Churn{Seed: 3, NewPhone: 3, Deactivated: 4, Deleted: 3, Hired: 5})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Sync(ctx, everyone, false)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Full {
		t.Error("the sync after churn was not incremental")
	}
	members := e.members(t, everyone.Name)
	for _, id := range append(rep.Deleted, rep.Deactivated...) {
		if _, in := members[id]; in {
			t.Errorf("worker %s left iHRIS (deleted or inactive) but stays in the group", id)
		}
	}
	for _, c := range e.contacts(t) {
		id := c.Fields[target.FieldIHRISID].String()
		if slices.Contains(rep.Deactivated, id) && c.Fields[target.FieldIHRISStatus].String() != "inactive" {
			t.Errorf("worker %s left the service; contact says %q", id, c.Fields[target.FieldIHRISStatus].String())
		}
	}
	pv, err := s.Preview(ctx, everyone)
	if err != nil {
		t.Fatal(err)
	}
	if len(members) != pv.Reachable {
		t.Errorf("%d members after the incremental sync; a full preview reaches %d", len(members), pv.Reachable)
	}
	t.Logf("churn %+v: created %d, updated %d, added %d, removed %d", rep, sum.Created, sum.Updated, sum.Added, sum.Removed)
	before := e.writes()
	if full, err := s.Sync(ctx, everyone, true); err != nil || e.writes() != before {
		t.Errorf("a full reconcile after the incremental sync wrote %d times (%+v, %v)", e.writes()-before, full, err)
	}
}
