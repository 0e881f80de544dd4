package ihris_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	models "github.com/samply/golang-fhir-models/fhir-models/fhir"
)

// testClock is a server clock the test moves by hand.
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// collect drains a change feed.
func collect(t *testing.T, feed *ihris.Changes) map[string]ihris.Change {
	t.Helper()
	out := map[string]ihris.Change{}
	for ch, err := range feed.All() {
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[ch.ID]; dup {
			t.Errorf("worker %s reported twice", ch.ID)
		}
		out[ch.ID] = ch
	}
	return out
}

func TestChangesSinceCheckpoint(t *testing.T) {
	clock := &testClock{now: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	srv := demoServer(t, ihristest.WithClock(clock.Now))
	reg := newRegistry(t, srv, ihris.WithPageSize(250))
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// From the beginning: every worker, no deletion.
	first := reg.ChangesSince(ctx, ihris.Checkpoint{})
	all := collect(t, first)
	if len(all) != 1007 {
		t.Fatalf("first sync: %d workers, want 1007", len(all))
	}
	cp := first.Checkpoint()
	if !cp.Time().Equal(clock.Now()) {
		t.Errorf("checkpoint = %v, want the newest lastUpdated %v", cp.Time(), clock.Now())
	}
	text, _ := cp.MarshalText()
	var stored ihris.Checkpoint
	if err := stored.UnmarshalText(text); err != nil || !stored.Time().Equal(cp.Time()) {
		t.Fatalf("checkpoint round trip %q: %v, %v", text, stored, err)
	}
	if again := collect(t, reg.ChangesSince(ctx, stored)); len(again) != 0 {
		t.Errorf("nothing changed, yet %d changes", len(again))
	}

	// A renamed worker, a transfer, a deleted worker, a deleted role.
	clock.Advance(time.Minute)
	res, _, err := client.Read(ctx, "Practitioner", "P10004")
	if err != nil {
		t.Fatal(err)
	}
	p, _ := fhir.As[models.Practitioner](res)
	p.Name[0].Text = ptr("Tekiokio Traifrop-Ndlovu")
	if _, _, err := client.Update(ctx, res); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	res, _, err = client.Read(ctx, "PractitionerRole", "PR10001") // held by P9999
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := fhir.As[models.PractitionerRole](res)
	pr.Location[0].Reference = ptr("Location/TF.W.RSH.1")
	if _, _, err := client.Update(ctx, res); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	deleteAll(t, client, "PractitionerRole", "P10009") // a worker deleted with their role
	if _, err := client.Delete(ctx, "Practitioner", "P10009"); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	lostRole := "PR10006" // P10004's role
	if _, err := client.Delete(ctx, "PractitionerRole", lostRole); err != nil {
		t.Fatal(err)
	}
	last := clock.Now()

	feed := reg.ChangesSince(ctx, stored)
	changes := collect(t, feed)
	var ids []string
	for id := range changes {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if want := []string{"P10004", "P10009", "P9999"}; !slices.Equal(ids, want) {
		t.Fatalf("changed = %v, want %v", ids, want)
	}
	if w := changes["P10004"].Worker; w.DisplayName() != "Tekiokio Traifrop-Ndlovu" || slices.ContainsFunc(w.Roles, func(r ihris.Role) bool { return r.ID == lostRole }) {
		t.Errorf("P10004 = %q with roles %+v; want the new name and the deleted role gone", w.DisplayName(), w.Roles)
	}
	if w := changes["P9999"].Worker; len(w.Roles) == 0 || w.Roles[0].FacilityID != "TF.W.RSH.1" {
		t.Errorf("P9999 roles = %+v, want the transfer to TF.W.RSH.1", w.Roles)
	}
	if !changes["P10009"].Deleted {
		t.Errorf("P10009 = %+v, want a deletion", changes["P10009"])
	}
	next := feed.Checkpoint()
	if !next.Time().Equal(last) {
		t.Errorf("checkpoint = %v, want the last write %v", next.Time(), last)
	}
	if again := collect(t, reg.ChangesSince(ctx, next)); len(again) != 0 {
		t.Errorf("after the second sync: %d changes, want none", len(again))
	}
}

func TestChangesCheckpointNotAdvancedWhenInterrupted(t *testing.T) {
	srv := demoServer(t)
	reg := newRegistry(t, srv)
	feed := reg.ChangesSince(context.Background(), ihris.Checkpoint{})
	for _, err := range feed.All() {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if !feed.Checkpoint().IsZero() {
		t.Errorf("checkpoint advanced to %v after an interrupted sync", feed.Checkpoint())
	}
}

// deleteAll deletes the resources of a type that point at a practitioner.
func deleteAll(t *testing.T, client *fhir.Client, typ, practitioner string) {
	t.Helper()
	ctx := context.Background()
	var ids []string
	for res, err := range client.Search(ctx, typ, &fhir.SearchParams{Params: map[string][]string{"practitioner": {"Practitioner/" + practitioner}}}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, res.ID())
	}
	for _, id := range ids {
		if _, err := client.Delete(ctx, typ, id); err != nil {
			t.Fatal(err)
		}
	}
}

func ptr[T any](v T) *T { return &v }
