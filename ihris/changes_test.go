package ihris_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
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
func collect(t *testing.T, feed *ihris.ChangeFeed) map[string]ihris.Change {
	t.Helper()
	out := map[string]ihris.Change{}
	for ch, err := range feed.All(t.Context()) {
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
	t.Parallel()
	clock := &testClock{now: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	srv, err := ihristest.Start(ihristest.WithServerOptions(fhirtest.WithClock(clock.Now)),
		ihristest.WithWorkforce(ihristest.Workforce{Seed: 7, Workers: 300, Regions: 3, Districts: 9, Facilities: 30}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	reg := newRegistry(t, srv, ihris.WithPageSize(50))
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	// From the beginning: every worker, no deletion, and the checkpoint is
	// the newest lastUpdated the generator wrote, not the clock.
	first := reg.ChangesSince(ihris.Checkpoint{})
	all := collect(t, first)
	if len(all) != srv.Truth().Workers {
		t.Fatalf("first sync: %d workers, want %d", len(all), srv.Truth().Workers)
	}
	cp := first.Checkpoint()
	if !cp.Time().Equal(srv.Truth().Newest) {
		t.Errorf("checkpoint = %v, want the newest lastUpdated %v", cp.Time(), srv.Truth().Newest)
	}
	text, _ := cp.MarshalText()
	var stored ihris.Checkpoint
	if err := stored.UnmarshalText(text); err != nil || !stored.Time().Equal(cp.Time()) {
		t.Fatalf("checkpoint round trip %q: %v, %v", text, stored, err)
	}
	if again := collect(t, reg.ChangesSince(stored)); len(again) != 0 {
		t.Errorf("nothing changed, yet %d changes", len(again))
	}

	// Pick four workers with roles: one renamed, one transferred, one
	// deleted with their roles, one losing a role.
	var withRoles []ihris.HealthWorker
	for _, id := range slices.Sorted(maps.Keys(all)) {
		if w := all[id].Worker; len(w.Roles) > 0 {
			withRoles = append(withRoles, w)
		}
	}
	renamed, moved, deleted, demoted := withRoles[0], withRoles[1], withRoles[2], withRoles[3]
	lostRole := demoted.Roles[0].ID

	clock.Advance(time.Minute)
	res, _, err := client.Read(ctx, "Practitioner", renamed.ID)
	if err != nil {
		t.Fatal(err)
	}
	p, _ := fhir.As[models.Practitioner](res)
	p.Name[0].Text = ptr("Renamed Worker")
	if _, _, err := client.Update(ctx, res); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	res, _, err = client.Read(ctx, "PractitionerRole", moved.Roles[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	target := renamed.Roles[0].FacilityID
	pr, _ := fhir.As[models.PractitionerRole](res)
	pr.Location[0].Reference = ptr("Location/" + target)
	if _, _, err := client.Update(ctx, res); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	for _, r := range deleted.Roles {
		if _, err := client.Delete(ctx, "PractitionerRole", r.ID); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := client.Delete(ctx, "Practitioner", deleted.ID); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if _, err := client.Delete(ctx, "PractitionerRole", lostRole); err != nil {
		t.Fatal(err)
	}
	last := clock.Now()

	feed := reg.ChangesSince(stored)
	changes := collect(t, feed)
	want := []string{renamed.ID, moved.ID, deleted.ID, demoted.ID}
	slices.Sort(want)
	if got := slices.Sorted(maps.Keys(changes)); !slices.Equal(got, want) {
		t.Fatalf("changed = %v, want %v", got, want)
	}
	if w := changes[renamed.ID].Worker; w.DisplayName() != "Renamed Worker" {
		t.Errorf("renamed worker = %q", w.DisplayName())
	}
	if w := changes[moved.ID].Worker; !slices.ContainsFunc(w.Roles, func(r ihris.Role) bool { return r.FacilityID == target }) {
		t.Errorf("moved worker's roles = %+v, want one at %s", w.Roles, target)
	}
	if !changes[deleted.ID].Deleted {
		t.Errorf("%s = %+v, want a deletion", deleted.ID, changes[deleted.ID])
	}
	if w := changes[demoted.ID].Worker; changes[demoted.ID].Deleted || slices.ContainsFunc(w.Roles, func(r ihris.Role) bool { return r.ID == lostRole }) {
		t.Errorf("worker who lost a role = %+v", changes[demoted.ID])
	}
	next := feed.Checkpoint()
	if !next.Time().Equal(last) {
		t.Errorf("checkpoint = %v, want the last write %v", next.Time(), last)
	}
	if again := collect(t, reg.ChangesSince(next)); len(again) != 0 {
		t.Errorf("after the second sync: %d changes, want none", len(again))
	}
}

func TestChangesCheckpointNotAdvancedWhenInterrupted(t *testing.T) {
	t.Parallel()
	reg := newRegistry(t, sharedDemo(t))
	feed := reg.ChangesSince(ihris.Checkpoint{})
	for _, err := range feed.All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		break
	}
	if !feed.Checkpoint().IsZero() {
		t.Errorf("checkpoint advanced to %v after an interrupted sync", feed.Checkpoint())
	}
}

func ptr[T any](v T) *T { return &v }

// TestChangesBetweenPassesAreNotLost: a Practitioner edited while the feed
// reads roles must come in the next feed, even though a role written
// later moved the checkpoint past it.
func TestChangesBetweenPassesAreNotLost(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	srv, err := ihristest.Start(ihristest.WithServerOptions(fhirtest.WithClock(clock.Now)),
		ihristest.WithWorkforce(ihristest.Workforce{Seed: 7, Workers: 60, Regions: 1, Districts: 2, Facilities: 4}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	reg := newRegistry(t, srv, ihris.WithPageSize(10))
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	base := reg.ChangesSince(ihris.Checkpoint{})
	all := collect(t, base)
	ids := slices.Sorted(maps.Keys(all))
	edited, other := all[ids[0]].Worker, all[ids[1]].Worker
	if len(other.Roles) == 0 {
		t.Fatal("the second worker has no role")
	}

	// One change so the next feed has a Practitioner page to read.
	clock.Advance(time.Minute)
	touch(t, client, "Practitioner", ids[2])

	feed := reg.ChangesSince(base.Checkpoint())
	wrote := false
	for ch, err := range feed.All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		if !wrote && ch.ID == ids[2] {
			// The Practitioner pass is over; the roles pass has not begun.
			wrote = true
			clock.Advance(time.Second)
			touch(t, client, "Practitioner", edited.ID)
			clock.Advance(time.Second)
			touch(t, client, "PractitionerRole", other.Roles[0].ID)
		}
	}
	if !wrote {
		t.Fatal("the touched worker never came")
	}
	next := collect(t, reg.ChangesSince(feed.Checkpoint()))
	if _, ok := next[edited.ID]; !ok {
		t.Errorf("%s, edited during the previous feed, is missing from the next one (checkpoint %v)", edited.ID, feed.Checkpoint())
	}
}

// touch writes a new version of a resource, unchanged but for the
// Practitioner's name text.
func touch(t *testing.T, client *fhir.Client, typ, id string) {
	t.Helper()
	ctx := context.Background()
	res, _, err := client.Read(ctx, typ, id)
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := fhir.As[models.Practitioner](res); ok && len(p.Name) > 0 {
		p.Name[0].Text = ptr("Touched " + id)
	}
	if _, _, err := client.Update(ctx, res); err != nil {
		t.Fatal(err)
	}
}

// TestCheckpointAtAnInstantSharedAcrossPages: writes sharing one
// meta.lastUpdated, spread over several pages, are each reported once; a
// checkpoint stored as text and read by another Registry then reports
// only the writes made later at that same instant.
func TestCheckpointAtAnInstantSharedAcrossPages(t *testing.T) {
	t.Parallel()
	clock := &testClock{now: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
	srv, err := ihristest.Start(ihristest.WithServerOptions(fhirtest.WithClock(clock.Now)),
		ihristest.WithWorkforce(ihristest.Workforce{Seed: 8, Workers: 60, Regions: 1, Districts: 2, Facilities: 4}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	reg := newRegistry(t, srv, ihris.WithPageSize(7))
	base := reg.ChangesSince(ihris.Checkpoint{})
	ids := slices.Sorted(maps.Keys(collect(t, base)))

	clock.Advance(time.Minute) // then frozen: every write below shares it
	for _, id := range ids[:20] {
		touch(t, client, "Practitioner", id)
	}
	feed := reg.ChangesSince(base.Checkpoint())
	if got := slices.Sorted(maps.Keys(collect(t, feed))); !slices.Equal(got, ids[:20]) {
		t.Fatalf("changes = %v, want %v", got, ids[:20])
	}
	text, err := feed.Checkpoint().MarshalText()
	if err != nil {
		t.Fatal(err)
	}

	for _, id := range ids[20:23] {
		touch(t, client, "Practitioner", id)
	}
	var restored ihris.Checkpoint
	if err := restored.UnmarshalText(text); err != nil {
		t.Fatal(err)
	}
	other := newRegistry(t, srv, ihris.WithPageSize(7))
	if got := slices.Sorted(maps.Keys(collect(t, other.ChangesSince(restored)))); !slices.Equal(got, ids[20:23]) {
		t.Errorf("after a restored checkpoint: changes = %v, want %v (written at the same instant)", got, ids[20:23])
	}
}

// handOver gives a PractitionerRole to another Practitioner (a position
// filled by someone else).
func handOver(t *testing.T, client *fhir.Client, roleID, to string) {
	t.Helper()
	ctx := t.Context()
	res, _, err := client.Read(ctx, "PractitionerRole", roleID)
	if err != nil {
		t.Fatal(err)
	}
	pr, _ := fhir.As[models.PractitionerRole](res)
	pr.Practitioner.Reference = ptr("Practitioner/" + to)
	if _, _, err := client.Update(ctx, res); err != nil {
		t.Fatal(err)
	}
}

// TestChangesReportTheWorkerWhoLostARoleToAnother: a PractitionerRole
// handed to another Practitioner (a position filled by someone else)
// changes both workers, and every holder since the checkpoint when it
// changed hands twice, whatever the server's version ids look like (FHIR
// allows any string; some servers write UUIDs).
func TestChangesReportTheWorkerWhoLostARoleToAnother(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		versions []fhirtest.Option
	}{
		{"integer version ids", nil},
		{"UUID version ids", []fhirtest.Option{fhirtest.WithVersionIDs(fhirtest.UUIDVersionID)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &testClock{now: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
			srv, err := ihristest.Start(ihristest.WithServerOptions(append(tc.versions, fhirtest.WithClock(clock.Now))...),
				ihristest.WithWorkforce(ihristest.Workforce{Seed: 5, Workers: 40, Regions: 1, Districts: 2, Facilities: 4}))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			reg := newRegistry(t, srv, ihris.WithPageSize(10))
			client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
			if err != nil {
				t.Fatal(err)
			}
			// Every role gets a second version first, so that the one
			// current at the checkpoint is not a first version.
			all := collect(t, reg.ChangesSince(ihris.Checkpoint{}))
			var with []ihris.HealthWorker
			for _, id := range slices.Sorted(maps.Keys(all)) {
				if w := all[id].Worker; len(w.Roles) > 0 {
					with = append(with, w)
				}
			}
			first, second, third := with[0], with[1], with[2]
			moved, twice := first.Roles[0].ID, second.Roles[0].ID
			clock.Advance(time.Minute)
			touch(t, client, "PractitionerRole", moved)
			touch(t, client, "PractitionerRole", twice)
			base := reg.ChangesSince(ihris.Checkpoint{})
			collect(t, base)

			clock.Advance(time.Minute)
			handOver(t, client, moved, third.ID) // first -> third
			clock.Advance(time.Second)
			handOver(t, client, twice, first.ID) // second -> first -> third
			clock.Advance(time.Second)
			handOver(t, client, twice, third.ID)
			feed := reg.ChangesSince(base.Checkpoint())
			changes := collect(t, feed)
			want := slices.Sorted(slices.Values([]string{first.ID, second.ID, third.ID}))
			if got := slices.Sorted(maps.Keys(changes)); !slices.Equal(got, want) {
				t.Fatalf("changes = %v, want %v: every holder of %s and %s since the checkpoint", got, want, moved, twice)
			}
			if slices.ContainsFunc(changes[first.ID].Worker.Roles, func(r ihris.Role) bool { return r.ID == moved || r.ID == twice }) {
				t.Errorf("%s still holds %s or %s", first.ID, moved, twice)
			}
			if c := feed.Coverage(); !c.Deletions || !c.Handovers {
				t.Errorf("coverage %+v on a server with _history", c)
			}
		})
	}
}

// TestIncrementalSyncWithoutHistory: on a server that does not serve
// type-level _history, an incremental feed still brings every update
// (found by _lastUpdated), and says it could not look for deletions; one
// without instance _history either says it could not look for the
// earlier holder of a position.
func TestIncrementalSyncWithoutHistory(t *testing.T) {
	t.Parallel()
	typeLevel := regexp.MustCompile(`/(Practitioner|PractitionerRole)/_history$`)
	for _, tc := range []struct {
		name      string
		refused   func(path string) bool
		handovers bool
	}{
		{"no type-level history", typeLevel.MatchString, true},
		{"no history at all", func(p string) bool { return strings.Contains(p, "_history") }, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			clock := &testClock{now: time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)}
			srv, err := ihristest.Start(ihristest.WithServerOptions(fhirtest.WithClock(clock.Now)),
				ihristest.WithWorkforce(ihristest.Workforce{Seed: 3, Workers: 30, Regions: 1, Districts: 1, Facilities: 2}))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(srv.Close)
			srv.InjectFault(fhirtest.Fault{Status: http.StatusNotFound, Times: 1 << 20,
				Match: func(r *http.Request) bool { return tc.refused(r.URL.Path) }})
			client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
			if err != nil {
				t.Fatal(err)
			}
			reg := newRegistry(t, srv, ihris.WithPageSize(10))
			base := reg.ChangesSince(ihris.Checkpoint{})
			all := collect(t, base)
			if c := base.Coverage(); !c.Deletions {
				t.Errorf("a first sync misses no deletion, yet coverage %+v", c)
			}
			ids := slices.Sorted(maps.Keys(all))
			var holder, other string
			for _, id := range ids {
				if len(all[id].Worker.Roles) > 0 && holder == "" {
					holder = id
				} else if other == "" {
					other = id
				}
			}
			clock.Advance(time.Minute)
			touch(t, client, "Practitioner", ids[0])
			touch(t, client, "PractitionerRole", all[holder].Worker.Roles[0].ID)
			mid := reg.ChangesSince(base.Checkpoint())
			collect(t, mid) // sees the touches

			clock.Advance(time.Minute)
			handOver(t, client, all[holder].Worker.Roles[0].ID, other)
			gone := ids[len(ids)-1]
			if _, err := client.Delete(t.Context(), "Practitioner", gone); err != nil {
				t.Fatal(err)
			}
			feed := reg.ChangesSince(mid.Checkpoint())
			changes := collect(t, feed)
			if _, ok := changes[other]; !ok {
				t.Errorf("the new holder %s of a role is missing: %v", other, slices.Sorted(maps.Keys(changes)))
			}
			if _, ok := changes[holder]; ok != tc.handovers {
				t.Errorf("the earlier holder %s came: %v, want %v", holder, ok, tc.handovers)
			}
			if _, ok := changes[gone]; ok {
				t.Errorf("deleted %s reported on a server that cannot show deletions", gone)
			}
			if c := feed.Coverage(); c.Deletions || c.Handovers != tc.handovers {
				t.Errorf("coverage %+v, want no deletions and handovers %v", c, tc.handovers)
			}
			if feed.Checkpoint().Time().Before(clock.Now()) {
				t.Errorf("checkpoint %v, want the last update %v", feed.Checkpoint().Time(), clock.Now())
			}
		})
	}
}

// TestChangeFeedReadsUnderTheContextOfAll: a feed holds no context; each
// run of All reads under its own.
func TestChangeFeedReadsUnderTheContextOfAll(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Seed: 3, Workers: 20, Regions: 1, Districts: 1, Facilities: 2})
	feed := newRegistry(t, srv).ChangesSince(ihris.Checkpoint{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, err := range feed.All(ctx) {
		if !errors.Is(err, context.Canceled) {
			t.Errorf("All under a cancelled context: %v, want context.Canceled", err)
		}
		break
	}
	if n := srv.RequestCount(); n != 0 {
		t.Errorf("%d requests under a cancelled context", n)
	}
	if got := collect(t, feed); len(got) != 20 || feed.Checkpoint().IsZero() {
		t.Errorf("the same feed, run again: %d workers, checkpoint %v", len(got), feed.Checkpoint())
	}
}

// TestFirstSyncWithoutHistory: a server that does not serve _history (some
// HAPI deployments turn it off) still gives the first, full sync.
func TestFirstSyncWithoutHistory(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Seed: 3, Workers: 30, Regions: 1, Districts: 1, Facilities: 2})
	srv.InjectFault(fhirtest.Fault{Status: http.StatusNotFound, Times: 1 << 20,
		Match: func(r *http.Request) bool { return strings.Contains(r.URL.Path, "_history") }})
	feed := newRegistry(t, srv).ChangesSince(ihris.Checkpoint{})
	if got := collect(t, feed); len(got) != 30 {
		t.Errorf("first sync without _history: %d workers, want 30", len(got))
	}
	if feed.Checkpoint().IsZero() {
		t.Error("the checkpoint did not advance")
	}
}
