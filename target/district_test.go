package target_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/target"
)

// largest returns the id with the largest count.
func largest(m map[string]int) string {
	best := ""
	for id, n := range m {
		if best == "" || n > m[best] || (n == m[best] && id < best) {
			best = id
		}
	}
	return best
}

func TestWorkerWhoMovesDistrictLeavesTheGroup(t *testing.T) {
	onStores(t, testWorkerWhoMovesDistrict)
}

func testWorkerWhoMovesDistrict(t *testing.T, kind store.Dialect) {
	e := newEnvOn(t, 1500, 5, kind)
	ctx := context.Background()
	truth := e.ihris.Truth()
	district := largest(truth.ByDistrict)
	g := target.Group{Name: "District " + district, Country: "LR", Criteria: ihris.Criteria{Places: []string{district}}}
	s := e.syncer(t)

	pv, err := s.Preview(ctx, g)
	if err != nil {
		t.Fatal(err)
	}
	if pv.Selected != truth.ByDistrict[district] {
		t.Errorf("preview selects %d, truth has %d in %s", pv.Selected, truth.ByDistrict[district], district)
	}
	if pv.Reachable+len(pv.Unreachable) != pv.Selected || len(pv.ByPlace["district"]) != 1 {
		t.Errorf("preview: %d reachable + %d unreachable of %d; districts %v", pv.Reachable, len(pv.Unreachable), pv.Selected, pv.ByPlace["district"])
	}
	if _, err := s.Sync(ctx, g, false); err != nil {
		t.Fatal(err)
	}
	members := e.members(t, g.Name)
	if len(members) != pv.Reachable {
		t.Fatalf("%d members, preview said %d", len(members), pv.Reachable)
	}
	// Move one member's role to a facility of another district.
	var mover string
	for id := range members {
		if mover == "" || id < mover {
			mover = id
		}
	}
	places, err := e.reg.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var elsewhere ihris.Place
	for _, p := range places.Subtree(largest(truth.ByRegion)) {
		if p.Facility && !slices.ContainsFunc(places.Chain(p.ID), func(q ihris.Place) bool { return q.ID == district }) {
			elsewhere = p
			break
		}
	}
	w, err := e.reg.Worker(ctx, mover)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range w.CurrentRoles() {
		editResource(t, e.fhir, "PractitionerRole", r.ID, func(m map[string]any) {
			m["location"] = []any{map[string]any{"reference": "Location/" + elsewhere.ID}}
		})
	}
	movedAt := time.Now()
	before := e.writes()
	sum, err := s.Sync(ctx, g, false)
	if err != nil {
		t.Fatal(err)
	}
	after := e.members(t, g.Name)
	if _, still := after[mover]; still || len(after) != len(members)-1 {
		t.Errorf("after the move: %d members (was %d), mover still in: %v", len(after), len(members), still)
	}
	if sum.Removed != 1 || sum.Updated != 1 || e.writes()-before != 2 {
		t.Errorf("move: removed %d, updated %d, %d writes; want 1, 1, 2", sum.Removed, sum.Updated, e.writes()-before)
	}
	c, err := e.rpc.Contacts.Get(ctx, members[mover].UUID)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Fields[target.FieldFacility].String(); got != elsewhere.Name {
		t.Errorf("mover's facility field %q, want %q", got, elsewhere.Name)
	}
	// Analytics still places the worker's earlier answers in the old district.
	as, err := target.NewAttributeStore(ctx, e.db, e.rp.WorkspaceUUID())
	if err != nil {
		t.Fatal(err)
	}
	old, err := as.At(ctx, c.UUID, movedAt)
	if err != nil {
		t.Fatal(err)
	}
	now, err := as.At(ctx, c.UUID, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if old.DistrictID != district || now.DistrictID == district || now.FacilityID != elsewhere.ID || old.ValidTo.IsZero() || !now.ValidTo.IsZero() {
		t.Errorf("attributes before the move %+v, after %+v", old, now)
	}
	if byURN, err := as.AtURN(ctx, c.URNs[0], movedAt); err != nil || byURN.WorkerID != mover {
		t.Errorf("by URN: %+v, %v", byURN, err)
	}
}

func editResource(t testing.TB, c *fhir.Client, typ, id string, edit func(map[string]any)) {
	t.Helper()
	ctx := context.Background()
	res, _, err := c.Read(ctx, typ, id)
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
