package ihris_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/internal/httpx"
)

// generated starts a server with a generated workforce.
func generated(t testing.TB, w ihristest.Workforce) *ihristest.Server {
	t.Helper()
	srv, err := ihristest.Start(ihristest.WithWorkforce(w))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

func count(t *testing.T, reg *ihris.Registry, c ihris.Criteria) (int, []ihris.HealthWorker) {
	t.Helper()
	var out []ihris.HealthWorker
	for w, err := range reg.Find(context.Background(), c) {
		if err != nil {
			t.Fatalf("Find(%v): %v", c, err)
		}
		if !c.Match(w) {
			t.Errorf("Find(%v) returned %s, who does not match", c, w.ID)
		}
		out = append(out, w)
	}
	ids := map[string]bool{}
	for _, w := range out {
		if ids[w.ID] {
			t.Errorf("Find(%v) returned %s twice", c, w.ID)
		}
		ids[w.ID] = true
	}
	return len(out), out
}

func TestFindAgainstGroundTruth(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Seed: 3, Workers: 800, Regions: 3, Districts: 8, Facilities: 40})
	truth := srv.Truth()
	// Each part runs in parallel with its own registry, its requests told
	// apart by their User-Agent.
	registry := func(t *testing.T, agent string) *ihris.Registry {
		t.Helper()
		client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()), fhir.WithUserAgent(agent))
		if err != nil {
			t.Fatal(err)
		}
		reg, err := ihris.NewRegistry(client, ihris.WithPageSize(200))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := reg.Places(t.Context()); err != nil { // load the caches up front
			t.Fatal(err)
		}
		return reg
	}
	requests := func(agent string) int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Header.Get("User-Agent") == agent {
				n++
			}
		}
		return n
	}
	districts := slices.Sorted(maps.Keys(truth.ByDistrict))
	t.Run("status", func(t *testing.T) {
		t.Parallel()
		reg := registry(t, t.Name())
		if n, _ := count(t, reg, ihris.Criteria{}); n != truth.ActiveWorkers {
			t.Errorf("active workers = %d, want %d", n, truth.ActiveWorkers)
		}
		if n, _ := count(t, reg, ihris.Criteria{Status: ihris.StatusInactive}); n != truth.Workers-truth.ActiveWorkers {
			t.Errorf("inactive workers = %d, want %d", n, truth.Workers-truth.ActiveWorkers)
		}
	})
	t.Run("regions", func(t *testing.T) {
		t.Parallel()
		reg := registry(t, t.Name())
		for _, region := range slices.Sorted(maps.Keys(truth.ByRegion)) {
			if n, _ := count(t, reg, ihris.Criteria{Places: []string{region}}); n != truth.ByRegion[region] {
				t.Errorf("region %s: %d workers, want %d", region, n, truth.ByRegion[region])
			}
		}
	})
	t.Run("districts", func(t *testing.T) {
		t.Parallel()
		reg := registry(t, t.Name())
		for _, d := range districts {
			before := requests(t.Name())
			n, _ := count(t, reg, ihris.Criteria{Places: []string{d}})
			if n != truth.ByDistrict[d] {
				t.Errorf("district %s: %d workers, want %d", d, n, truth.ByDistrict[d])
			}
			// One count of Locations written since the tree was cached, then
			// each page of roles (at most two per worker here) and one request
			// for that page's workers: requests follow pages, not workers.
			if got, pages := requests(t.Name())-before, (2*n)/200+1; got > 1+2*pages {
				t.Errorf("district %s (%d workers) took %d requests, want at most %d", d, n, got, 1+2*pages)
			}
		}
	})
	t.Run("cadres and jobs", func(t *testing.T) {
		t.Parallel()
		reg := registry(t, t.Name())
		for _, cadre := range slices.Sorted(maps.Keys(truth.ByCadre)) {
			if n, _ := count(t, reg, ihris.Criteria{Cadres: []string{cadre}}); n != truth.ByCadre[cadre] {
				t.Errorf("cadre %s: %d workers, want %d", cadre, n, truth.ByCadre[cadre])
			}
		}
		for _, job := range slices.Sorted(maps.Keys(truth.ByJob))[:5] {
			if n, _ := count(t, reg, ihris.Criteria{Jobs: []string{job}}); n != truth.ByJob[job] {
				t.Errorf("job %s: %d workers, want %d", job, n, truth.ByJob[job])
			}
		}
	})
	t.Run("employment status and picked workers", func(t *testing.T) {
		t.Parallel()
		reg := registry(t, t.Name())
		for _, st := range slices.Sorted(maps.Keys(truth.ByEmploymentStatus)) {
			if n, _ := count(t, reg, ihris.Criteria{EmploymentStatuses: []string{st}}); n != truth.ByEmploymentStatus[st] {
				t.Errorf("employment status %s: %d workers, want %d", st, n, truth.ByEmploymentStatus[st])
			}
		}
		// Workers picked by hand still meet the other conditions.
		inactive := truth.Inactive[0]
		_, picked := count(t, reg, ihris.Criteria{Workers: []string{"P000002", inactive, "P000001", "P000002"}})
		if len(picked) != 2 || picked[0].ID != "P000001" || picked[1].ID != "P000002" {
			t.Errorf("picked workers = %d, want P000001 and P000002 (%s is inactive)", len(picked), inactive)
		}
	})
	t.Run("nurses of a district", func(t *testing.T) {
		t.Parallel()
		// The server narrows, the full scan agrees.
		reg := registry(t, t.Name())
		c := ihris.Criteria{Places: []string{districts[0]}, Cadres: []string{"nurse"}}
		n, _ := count(t, reg, c)
		want := 0
		for w, err := range reg.All(t.Context()) {
			if err != nil {
				t.Fatal(err)
			}
			if w.Active && slices.ContainsFunc(w.CurrentRoles(), func(r ihris.Role) bool {
				d, _ := r.At("district")
				return r.Cadre.Code == "nurse" && d.ID == districts[0]
			}) {
				want++
			}
		}
		if n != want || n == 0 {
			t.Errorf("nurses of %s = %d, full scan finds %d", districts[0], n, want)
		}
	})
}

func TestFindRejectsUnknownCodes(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Workers: 50, Regions: 2, Districts: 4, Facilities: 8})
	reg := newRegistry(t, srv)
	for _, c := range []ihris.Criteria{
		{Places: []string{"Atlantis"}},
		{Cadres: []string{"wizard"}},
		{Jobs: []string{""}},
	} {
		for _, err := range reg.Find(context.Background(), c) {
			if !errors.Is(err, ihris.ErrUnknownCode) && !errors.Is(err, ihris.ErrInvalidCriteria) {
				t.Errorf("Find(%+v) error = %v", c, err)
			}
			break
		}
	}
}

func TestStreamingRequestsGrowWithPagesNotWorkers(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Seed: 1, Workers: 1000, Regions: 3, Districts: 9, Facilities: 40})
	reg := newRegistry(t, srv, ihris.WithPageSize(100))
	ctx := context.Background()
	if _, err := reg.Places(ctx); err != nil {
		t.Fatal(err)
	}
	srv.ResetRequests()
	n, roles := 0, 0
	warned := map[string]bool{}
	for w, err := range reg.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		n++
		roles += len(w.Roles)
		for _, wn := range w.Warnings {
			warned[wn.Resource] = true
		}
		for _, r := range w.Roles {
			if len(r.Places) == 0 {
				t.Errorf("role %s of %s has no place chain", r.ID, w.ID)
			}
		}
	}
	// Every quirk the generator planted is a warning on its worker or place.
	places, _ := reg.Places(ctx)
	for _, w := range places.Warnings() {
		warned[w.Resource] = true
	}
	quirks := 0
	for quirk, refs := range srv.Truth().Quirks {
		for _, ref := range refs {
			quirks++
			if !warned[ref] {
				t.Errorf("%s has quirk %s but no warning", ref, quirk)
			}
		}
	}
	if quirks == 0 {
		t.Error("the generator planted no quirk to check")
	}
	if n != srv.Truth().Workers || roles != srv.Truth().Roles {
		t.Errorf("streamed %d workers with %d roles, want %d with %d", n, roles, srv.Truth().Workers, srv.Truth().Roles)
	}
	// One count of Locations written since the tree was cached, then the
	// pages.
	if got := srv.RequestCount(); got != 11 {
		t.Errorf("requests = %d, want 11 (1 + 1000 workers / 100 per page)", got)
	}
	// The cache serves the second pass; only the pages are read again.
	srv.ResetRequests()
	for _, err := range reg.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.RequestCount(); got != 11 {
		t.Errorf("second pass: %d requests, want 11", got)
	}
}

func TestFindInARegionWithManyFacilitiesPostsTheSearch(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Seed: 5, Workers: 300, Regions: 1, Districts: 3, Facilities: 250})
	reg := newRegistry(t, srv)
	region := slices.Collect(maps.Keys(srv.Truth().ByRegion))[0]
	srv.ResetRequests()
	if n, _ := count(t, reg, ihris.Criteria{Places: []string{region}}); n != srv.Truth().ByRegion[region] {
		t.Errorf("region %s: %d workers, want %d", region, n, srv.Truth().ByRegion[region])
	}
	// 250 facilities do not fit a URL that proxies accept: POST _search.
	if !slices.ContainsFunc(srv.Requests(), func(r fhirtest.Request) bool {
		return r.Method == "POST" && r.URL == "/fhir/PractitionerRole/_search"
	}) {
		t.Errorf("no POST PractitionerRole/_search among %d requests", len(srv.Requests()))
	}
}

func TestStreamingSurvivesExpiredPageLinks(t *testing.T) {
	t.Parallel()
	srv, err := ihristest.Start(ihristest.WithServerOptions(fhirtest.WithPageExpiry(time.Nanosecond, 0)),
		ihristest.WithWorkforce(ihristest.Workforce{Seed: 2, Workers: 400, Regions: 2, Districts: 4, Facilities: 12}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	reg := newRegistry(t, srv, ihris.WithPageSize(50))
	seen := map[string]bool{}
	for w, err := range reg.All(context.Background()) {
		if err != nil {
			t.Fatal(err)
		}
		if seen[w.ID] {
			t.Errorf("%s streamed twice", w.ID)
		}
		seen[w.ID] = true
	}
	if len(seen) != 400 {
		t.Errorf("streamed %d workers with every page link expired, want 400", len(seen))
	}
	if !slices.ContainsFunc(srv.Requests(), func(r fhirtest.Request) bool { return r.Status == 410 }) {
		t.Error("no page link expired: the test proves nothing")
	}
}

// TestFindByRoleSurvivesExpiredPageLinks: a search narrowed by place or
// cadre pages through PractitionerRoles, and the location tree (more than
// HAPI's 200 a page) through Locations; an expired link must end neither.
func TestFindByRoleSurvivesExpiredPageLinks(t *testing.T) {
	t.Parallel()
	srv, err := ihristest.Start(ihristest.WithServerOptions(fhirtest.WithPageSize(20, 200)),
		ihristest.WithWorkforce(ihristest.Workforce{Seed: 4, Workers: 300, Regions: 2, Districts: 4, Facilities: 250}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	// Every other page link has expired: the generator stamps a whole
	// level of places with one instant, so links that always expired would
	// never get past the first page of them.
	follows := 0
	srv.InjectFault(fhirtest.Fault{Status: http.StatusGone, Times: 1 << 20, Match: func(r *http.Request) bool {
		if !r.URL.Query().Has("_getpages") {
			return false
		}
		follows++
		return follows%2 == 1
	}})
	reg := newRegistry(t, srv, ihris.WithPageSize(20))
	region := slices.Sorted(maps.Keys(srv.Truth().ByRegion))[0]
	if n, _ := count(t, reg, ihris.Criteria{Places: []string{region}}); n != srv.Truth().ByRegion[region] {
		t.Errorf("region %s with expiring page links: %d workers, want %d", region, n, srv.Truth().ByRegion[region])
	}
	if !slices.ContainsFunc(srv.Requests(), func(r fhirtest.Request) bool { return r.Status == 410 }) {
		t.Error("no page link expired: the test proves nothing")
	}
}

// TestRolesBeyondTheIncludeLimitAreNotLost: a page of Practitioners whose
// roles do not all fit the server's include limit still gives every worker
// all their roles, in All, Find and ChangesSince.
func TestRolesBeyondTheIncludeLimitAreNotLost(t *testing.T) {
	t.Parallel()
	srv, err := ihristest.Start(ihristest.WithServerOptions(fhirtest.WithMaxIncludes(10)),
		ihristest.WithWorkforce(ihristest.Workforce{Seed: 6, Workers: 200, Regions: 2, Districts: 4, Facilities: 12}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	reg := newRegistry(t, srv, ihris.WithPageSize(25), ihris.WithMaxIncludes(10))
	ctx := context.Background()
	roles := 0
	for w, err := range reg.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		roles += len(w.Roles)
	}
	if roles != srv.Truth().Roles {
		t.Errorf("All: %d roles, want %d", roles, srv.Truth().Roles)
	}
	roles = 0
	for ch, err := range reg.ChangesSince(ihris.Checkpoint{}).All(t.Context()) {
		if err != nil {
			t.Fatal(err)
		}
		roles += len(ch.Worker.Roles)
	}
	if roles != srv.Truth().Roles {
		t.Errorf("ChangesSince: %d roles, want %d", roles, srv.Truth().Roles)
	}
	region := slices.Sorted(maps.Keys(srv.Truth().ByRegion))[0]
	if n, _ := count(t, reg, ihris.Criteria{Places: []string{region}}); n != srv.Truth().ByRegion[region] {
		t.Errorf("region %s: %d workers, want %d", region, n, srv.Truth().ByRegion[region])
	}
}

// TestAwkwardWorkersAreNotLost: a worker whose role points at a Location
// nobody knows, one with an ended role beside a current one, workers
// sharing a phone and workers without a role are all streamed, with every
// role, and the unknown facility is a warning.
func TestAwkwardWorkersAreNotLost(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Seed: 12, Workers: 150, Regions: 1, Districts: 3, Facilities: 6})
	reg := newRegistry(t, srv, ihris.WithPageSize(20))
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	truth := srv.Truth()
	if len(truth.SharedPhones) == 0 || len(truth.NoRole) == 0 {
		t.Fatal("the generator made no shared phone or role-less worker to check")
	}
	lost, ended := "P000001", "P000002"
	for id, role := range map[string]string{
		lost:  `{"resourceType":"PractitionerRole","active":true,"period":{"start":"2020-01-01"},"practitioner":{"reference":"Practitioner/P000001"},"location":[{"reference":"Location/NOWHERE"}]}`,
		ended: `{"resourceType":"PractitionerRole","active":false,"period":{"start":"2001-01-01","end":"2010-01-01"},"practitioner":{"reference":"Practitioner/P000002"},"location":[{"reference":"Location/NOWHERE"}]}`,
	} {
		res, err := fhir.ParseResource([]byte(role))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := client.Create(ctx, res); err != nil {
			t.Fatalf("role for %s: %v", id, err)
		}
	}
	got := map[string]ihris.HealthWorker{}
	roles := 0
	for w, err := range reg.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		got[w.ID] = w
		roles += len(w.Roles)
	}
	if len(got) != truth.Workers || roles != truth.Roles+2 {
		t.Errorf("streamed %d workers with %d roles, want %d with %d", len(got), roles, truth.Workers, truth.Roles+2)
	}
	if !slices.ContainsFunc(got[lost].Warnings, func(w ihris.Warning) bool { return strings.Contains(w.Message, "NOWHERE") }) {
		t.Errorf("%s: no warning about the unknown facility in %v", lost, got[lost].Warnings)
	}
	if w := got[ended]; len(w.CurrentRoles()) != len(w.Roles)-1 {
		t.Errorf("%s: %d current roles of %d, want the ended one left out", ended, len(w.CurrentRoles()), len(w.Roles))
	}
	for number, ids := range truth.SharedPhones {
		for _, id := range ids {
			if len(got[id].Phones) == 0 {
				t.Errorf("%s, sharing %s, streamed without a phone", id, httpx.MaskPhone(number))
			}
		}
	}
	for _, id := range truth.NoRole {
		if w, ok := got[id]; !ok || len(w.Roles) != 0 {
			t.Errorf("worker without a role %s: streamed %v with %d roles", id, ok, len(w.Roles))
		}
	}
	// Selecting everyone active keeps the worker whose facility is unknown.
	if _, ws := count(t, reg, ihris.Criteria{}); !slices.ContainsFunc(ws, func(w ihris.HealthWorker) bool { return w.ID == lost }) && got[lost].Active {
		t.Errorf("%s left out of the active workers", lost)
	}
}

// TestFindSeesAFacilityOpenedAfterTheTreeWasCached: a facility added under
// a district after the registry cached the location tree, and a worker
// posted there, are found by a search of that district at once, not only
// when the cache expires.
func TestFindSeesAFacilityOpenedAfterTheTreeWasCached(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Seed: 13, Workers: 100, Regions: 1, Districts: 3, Facilities: 6})
	reg := newRegistry(t, srv, ihris.WithPageSize(20), ihris.WithCacheTTL(time.Hour))
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	district := slices.Sorted(maps.Keys(srv.Truth().ByDistrict))[0]
	_, before := count(t, reg, ihris.Criteria{Places: []string{district}})

	var mover string
	for w, err := range reg.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if w.Active && len(w.Roles) > 0 && !slices.ContainsFunc(before, func(b ihris.HealthWorker) bool { return b.ID == w.ID }) {
			mover = w.ID
			break
		}
	}
	for _, body := range []string{
		`{"resourceType":"Location","id":"NEWFAC","name":"New Clinic","status":"active","physicalType":{"coding":[{"code":"bu"}]},"partOf":{"reference":"Location/` + district + `"}}`,
		`{"resourceType":"PractitionerRole","id":"PRNEW","active":true,"period":{"start":"2026-01-01"},"practitioner":{"reference":"Practitioner/` + mover + `"},"location":[{"reference":"Location/NEWFAC"}]}`,
	} {
		res, err := fhir.ParseResource([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := client.Update(ctx, res); err != nil {
			t.Fatal(err)
		}
	}
	_, after := count(t, reg, ihris.Criteria{Places: []string{district}})
	if !slices.ContainsFunc(after, func(w ihris.HealthWorker) bool { return w.ID == mover }) {
		t.Errorf("%s, posted to a facility opened in %s after the tree was cached, not found (%d workers there before, %d after)",
			mover, district, len(before), len(after))
	}
}

// TestFindByCadreKeepsAJobCodedWithoutItsSystem: a role whose job coding
// lacks the ihris-job system (hand-made or migrated data) still has its
// cadre resolved, so Find must not leave it out on the server.
func TestFindByCadreKeepsAJobCodedWithoutItsSystem(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Seed: 14, Workers: 60, Regions: 1, Districts: 2, Facilities: 4})
	reg := newRegistry(t, srv, ihris.WithPageSize(20))
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	_, nurses := count(t, reg, ihris.Criteria{Cadres: []string{"nurse"}})
	if len(nurses) == 0 {
		t.Fatal("no nurse to copy a job from")
	}
	job, facility := nurses[0].Roles[0].Job.Code, nurses[0].Roles[0].FacilityID
	var worker string
	for w, err := range reg.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if w.Active && !slices.ContainsFunc(nurses, func(n ihris.HealthWorker) bool { return n.ID == w.ID }) {
			worker = w.ID
			break
		}
	}
	res, err := fhir.ParseResource([]byte(`{"resourceType":"PractitionerRole","active":true,"period":{"start":"2020-01-01"},` +
		`"code":[{"coding":[{"code":"` + job + `"}]}],"practitioner":{"reference":"Practitioner/` + worker + `"},` +
		`"location":[{"reference":"Location/` + facility + `"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := client.Create(ctx, res); err != nil {
		t.Fatal(err)
	}
	w, err := reg.Worker(ctx, worker)
	if err != nil {
		t.Fatal(err)
	}
	c := ihris.Criteria{Cadres: []string{"nurse"}}
	if !c.Match(w) {
		t.Fatalf("%s does not match %v: roles %+v", worker, c, w.Roles)
	}
	if _, after := count(t, reg, c); !slices.ContainsFunc(after, func(n ihris.HealthWorker) bool { return n.ID == worker }) {
		t.Errorf("%s matches %v yet Find left them out", worker, c)
	}
}

// TestStreamsPlaceARoleAtAFacilityOpenedAfterTheTreeWasCached: All and
// ChangesSince give a role at a new facility its chain of places, not an
// "unknown facility" warning, without waiting for the cache to expire.
func TestStreamsPlaceARoleAtAFacilityOpenedAfterTheTreeWasCached(t *testing.T) {
	t.Parallel()
	srv := generated(t, ihristest.Workforce{Seed: 15, Workers: 40, Regions: 1, Districts: 2, Facilities: 4})
	reg := newRegistry(t, srv, ihris.WithPageSize(20), ihris.WithCacheTTL(time.Hour))
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	feed := reg.ChangesSince(ihris.Checkpoint{})
	collect(t, feed)
	district := slices.Sorted(maps.Keys(srv.Truth().ByDistrict))[0]
	for _, body := range []string{
		`{"resourceType":"Location","id":"NEWFAC2","name":"New Clinic","status":"active","partOf":{"reference":"Location/` + district + `"}}`,
		`{"resourceType":"PractitionerRole","id":"PRNEW2","active":true,"period":{"start":"2026-01-01"},"practitioner":{"reference":"Practitioner/P000003"},"location":[{"reference":"Location/NEWFAC2"}]}`,
	} {
		res, err := fhir.ParseResource([]byte(body))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := client.Update(ctx, res); err != nil {
			t.Fatal(err)
		}
	}
	placed := func(w ihris.HealthWorker) bool {
		return slices.ContainsFunc(w.Roles, func(r ihris.Role) bool { return r.ID == "PRNEW2" && r.Within(district) })
	}
	changes := collect(t, reg.ChangesSince(feed.Checkpoint()))
	if !placed(changes["P000003"].Worker) {
		t.Errorf("ChangesSince: P000003's new role is not placed in %s: %+v", district, changes["P000003"].Worker.Roles)
	}
	for w, err := range reg.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		if w.ID == "P000003" && !placed(w) {
			t.Errorf("All: P000003's new role is not placed in %s", district)
		}
	}
}
