package target_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/mhero-go/mhero/fhir"
	"github.com/mhero-go/mhero/fhir/fhirtest"
	"github.com/mhero-go/mhero/ihris"
	"github.com/mhero-go/mhero/ihris/ihristest"
	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/rapidpro/rapidprotest"
	"github.com/mhero-go/mhero/target"
	_ "modernc.org/sqlite"
)

// env is an iHRIS, a RapidPro workspace and a store, all in process.
type env struct {
	ihris *ihristest.Server
	rp    *rapidprotest.Server
	reg   *ihris.Registry
	fhir  *fhir.Client
	rpc   *rapidpro.Client
	db    *sql.DB
	dsn   string
	kind  storeKind
}

// storeKind names the database a test runs on.
type storeKind string

const (
	sqliteStore   storeKind = "sqlite"
	postgresStore storeKind = "postgres"
)

// postgresEnv names the environment variable holding the DSN of a
// PostgreSQL server the store tests may use (.ci/run starts one).
const postgresEnv = "MHERO_TEST_POSTGRES"

// onStores runs f on SQLite, and on PostgreSQL when MHERO_TEST_POSTGRES
// gives a server.
func onStores(t *testing.T, f func(t *testing.T, kind storeKind)) {
	for _, kind := range []storeKind{sqliteStore, postgresStore} {
		t.Run(string(kind), func(t *testing.T) {
			if kind == postgresStore && os.Getenv(postgresEnv) == "" {
				t.Skip(postgresEnv + " is not set: no PostgreSQL server to test the store on (.ci/run starts one)")
			}
			t.Parallel()
			f(t, kind)
		})
	}
}

func newEnv(t testing.TB, workers int, seed uint64) *env {
	return newEnvOn(t, workers, seed, sqliteStore)
}

func newEnvOn(t testing.TB, workers int, seed uint64, kind storeKind) *env {
	if raceEnabled && kind == postgresStore {
		// CI runs only -race, where each sync is ten times slower: the
		// PostgreSQL half checks the store on a smaller registry, the
		// SQLite half keeps the full size.
		workers = min(workers, 1500)
	}
	t.Helper()
	e := &env{}
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
	e.kind = kind
	if kind == postgresStore {
		e.dsn = postgresSchema(t)
	} else {
		e.dsn = filepath.Join(t.TempDir(), "mhero.db")
	}
	e.db = openStore(t, kind, e.dsn)
	return e
}

func openStore(t testing.TB, kind storeKind, dsn string) *sql.DB {
	if kind == postgresStore {
		db, err := sql.Open("pgx", dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	return openSQLite(t, dsn)
}

// postgresSchema makes a schema of its own for the test on the server of
// MHERO_TEST_POSTGRES, and returns a DSN whose connections use it.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(postgresEnv)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := fmt.Sprintf("target_test_%d_%d", os.Getpid(), schemaSeq.Add(1))
	if _, err := admin.Exec(`DROP SCHEMA IF EXISTS ` + name + ` CASCADE; CREATE SCHEMA ` + name); err != nil {
		t.Fatalf("PostgreSQL at %s: %v", postgresEnv, err)
	}
	t.Cleanup(func() {
		if db, err := sql.Open("pgx", base); err == nil {
			_, _ = db.Exec(`DROP SCHEMA IF EXISTS ` + name + ` CASCADE`)
			db.Close()
		}
	})
	if strings.Contains(base, "://") {
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		return base + sep + "search_path=" + name
	}
	return base + " search_path=" + name
}

var schemaSeq atomic.Int64

func openSQLite(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
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
