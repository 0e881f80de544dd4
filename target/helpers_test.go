package target_test

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
	"github.com/mhero-go/mhero/target"
)

// env is an iHRIS, a RapidPro workspace and a store, all in process.
type env struct {
	ihris *ihristest.Server
	rp    *rapidprotest.Server
	reg   *ihris.Registry
	fhir  *fhir.Client
	rpc   *rapidpro.Client
	db    *store.DB
	dsn   string
	kind  store.Dialect
}

// onStores runs f on SQLite, and on PostgreSQL when MHERO_TEST_POSTGRES
// gives a server (see storetest).
func onStores(t *testing.T, f func(t *testing.T, kind store.Dialect)) {
	for _, kind := range storetest.Dialects {
		t.Run(string(kind), func(t *testing.T) {
			t.Parallel()
			f(t, kind)
		})
	}
}

func newEnv(t testing.TB, workers int, seed uint64) *env {
	return newEnvOn(t, workers, seed, store.SQLite)
}

func newEnvOn(t testing.TB, workers int, seed uint64, kind store.Dialect) *env {
	t.Helper()
	e := &env{kind: kind}
	// Skips now when PostgreSQL is not configured, before any server runs.
	e.dsn = storetest.DSN(t, kind)
	if raceEnabled && kind == store.Postgres {
		// CI runs only -race, where each sync is ten times slower: the
		// PostgreSQL half checks the store on a smaller registry, the
		// SQLite half keeps the full size.
		workers = min(workers, 1500)
	}
	e.ihris = ihristest.NewServer(ihristest.WithWorkforce(ihristest.Workforce{Seed: seed, Workers: workers}), ihristest.WithServerOptions(fhirtest.WithPageSize(100, 1000)))
	t.Cleanup(e.ihris.Close)
	e.rp = rapidprotest.NewServer(rapidprotest.WithRateLimits(0, 0), rapidprotest.WithSeed(seed),
		rapidprotest.WithWorkspace(rapidprotest.Workspace{UUID: "6a1f7c1e-1f4e-4a55-9a4e-3c6a2b1d0e9f", Name: "mHero Liberia", Country: "LR"}))
	t.Cleanup(func() { e.rp.Close() })
	var err error
	e.fhir, err = fhir.NewClient(e.ihris.URL(), fhir.WithHTTPClient(e.ihris.Client()))
	if err != nil {
		t.Fatal(err)
	}
	e.reg, err = ihris.NewRegistry(e.fhir, ihris.WithPageSize(500))
	if err != nil {
		t.Fatal(err)
	}
	e.rpc, err = rapidpro.NewClient(e.rp.URL(), e.rp.Token(), rapidpro.WithoutPacing())
	if err != nil {
		t.Fatal(err)
	}
	e.db = storetest.Open(t, e.dsn)
	return e
}

func (e *env) syncer(t testing.TB, opts ...target.Option) *target.Syncer {
	t.Helper()
	s, err := target.New(context.Background(), e.reg, e.rpc, e.db, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writes counts the requests that could change RapidPro.
func (e *env) writes() int {
	return e.rp.RequestCount("POST", "") + e.rp.RequestCount("DELETE", "")
}

// contacts reads every contact of the workspace through the API.
func (e *env) contacts(t testing.TB) []rapidpro.Contact {
	t.Helper()
	var out []rapidpro.Contact
	for c, err := range e.rpc.Contacts.List(context.Background(), nil) {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b rapidpro.Contact) int {
		switch {
		case a.UUID < b.UUID:
			return -1
		case a.UUID > b.UUID:
			return 1
		}
		return 0
	})
	return out
}

func (e *env) members(t testing.TB, group string) map[string]rapidpro.Contact {
	t.Helper()
	out := map[string]rapidpro.Contact{}
	for c, err := range e.rpc.Contacts.List(context.Background(), &rapidpro.ContactListParams{Group: group}) {
		if err != nil {
			t.Fatal(err)
		}
		out[c.Fields[target.FieldIHRISID].String()] = c
	}
	return out
}

func TestMain(m *testing.M) {
	switch os.Getenv("MHERO_TARGET_CHILD") {
	case "":
	case "bench":
		os.Exit(childBench())
	default:
		os.Exit(childSync())
	}
	os.Exit(m.Run())
}
