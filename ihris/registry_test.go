package ihris_test

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/internal/fixtures"
)

// demo is the server seeded with the iHRIS demo bundles and terminology,
// started by the first test that needs it (loading takes seconds under
// -race) and shared by the tests that only read.
var demo struct {
	once sync.Once
	srv  *ihristest.Server
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if demo.srv != nil {
		demo.srv.Close()
	}
	os.Exit(code)
}

// sharedDemo returns the demo server; tests must not change its data.
func sharedDemo(t testing.TB) *ihristest.Server {
	t.Helper()
	dir := fixtures.Dir(t, "fixtures", "ihris")
	demo.once.Do(func() {
		demo.srv, demo.err = ihristest.Start(
			ihristest.WithSeedDir(filepath.Join(dir, "demo")),
			ihristest.WithSeedDir(filepath.Join(dir, "terminology")))
	})
	if demo.err != nil {
		t.Fatal(demo.err)
	}
	return demo.srv
}

func newRegistry(t testing.TB, srv *ihristest.Server, opts ...ihris.Option) *ihris.Registry {
	t.Helper()
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ihris.NewRegistry(client, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

func TestAllDemoPractitionersLoad(t *testing.T) {
	t.Parallel()
	srv := sharedDemo(t)
	// Other tests use the shared server meanwhile: this one's requests are
	// told apart by their User-Agent.
	const agent = "ihris-test/all-demo"
	client, err := fhir.NewClient(srv.URL(), fhir.WithHTTPClient(srv.Client()), fhir.WithUserAgent(agent))
	if err != nil {
		t.Fatal(err)
	}
	reg, err := ihris.NewRegistry(client, ihris.WithPageSize(200))
	if err != nil {
		t.Fatal(err)
	}
	requests := func() int {
		n := 0
		for _, r := range srv.Requests() {
			if r.Header.Get("User-Agent") == agent {
				n++
			}
		}
		return n
	}
	ctx := context.Background()

	places, err := reg.Places(ctx)
	if err != nil {
		t.Fatal(err)
	}
	// The demo facilities write managingOrganization as a bare string (15)
	// and 8 places of the Ethiopian sample write positions as strings: each
	// is a warning, and every place is kept.
	placeWarnings := map[string]int{}
	for _, w := range places.Warnings() {
		placeWarnings[w.Path]++
	}
	if want := map[string]int{"managingOrganization": 15, "position.latitude": 8, "position.longitude": 8}; !maps.Equal(placeWarnings, want) {
		t.Errorf("place warnings by element = %v, want %v", placeWarnings, want)
	}
	// Country, region, district and facility bundles, and the Ethiopian
	// sample, whose country ET is also in the country bundle.
	if places.Len() != 247+5+30+15+26-1 {
		t.Errorf("places = %d, want every demo Location", places.Len())
	}

	before := requests()
	var workers, roles, current, withFacility int
	var warnings []ihris.Warning
	ids := map[string]bool{}
	for w, err := range reg.All(ctx) {
		if err != nil {
			t.Fatal(err)
		}
		workers++
		ids[w.ID] = true
		roles += len(w.Roles)
		current += len(w.CurrentRoles())
		for _, r := range w.Roles {
			if _, ok := r.Facility(); ok {
				withFacility++
			}
		}
		warnings = append(warnings, w.Warnings...)
	}
	if workers != 1007 || len(ids) != 1007 {
		t.Errorf("workers = %d (%d distinct), want all 1007", workers, len(ids))
	}
	if roles != 1008 || withFacility != 1008 {
		t.Errorf("roles = %d (%d with a facility), want 1008", roles, withFacility)
	}
	if current != 1008-13 {
		t.Errorf("current roles = %d, want 995 (13 have ended)", current)
	}
	// 16 practitioners carry the old dependents extension with a string
	// valueInteger: one warning each, nothing else is wrong in the demo.
	quirky := map[string]bool{}
	for _, w := range warnings {
		if !strings.HasSuffix(w.Path, ".valueInteger") || !strings.HasPrefix(w.Resource, "Practitioner/") {
			t.Errorf("unexpected warning %s", w)
		}
		quirky[w.Resource] = true
	}
	if len(warnings) != 16 || len(quirky) != 16 {
		t.Errorf("%d warnings on %d workers, want 16 on 16", len(warnings), len(quirky))
	}
	// 1007 practitioners in pages of 200 with their roles: 6 pages, after
	// one count of Locations written since the tree was cached.
	if got := requests() - before; got != 7 {
		t.Errorf("requests = %d, want 7 (one per page, one for the tree)", got)
	}
}
