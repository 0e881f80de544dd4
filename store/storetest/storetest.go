// Package storetest gives tests a fresh, empty store database on each
// dialect, so that a package's store tests run on SQLite always and on a
// real PostgreSQL server when one is configured:
//
//	func TestJournal(t *testing.T) {
//		t.Parallel()
//		storetest.Each(t, func(t *testing.T, db *store.DB) {
//			// …the same test on both…
//		})
//	}
//
// PostgreSQL tests run when MHERO_TEST_POSTGRES holds a DSN ("postgres://
// user@127.0.0.1:5432/db?sslmode=disable"), each in a schema of its own that
// is dropped afterwards; .ci/run starts a server and sets it. Without it
// they skip with a message, except under CI (CI set), where they fail.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver of the admin connection

	"github.com/mhero-go/mhero/store"
)

// EnvPostgres names the environment variable holding the PostgreSQL DSN of
// the tests.
const EnvPostgres = "MHERO_TEST_POSTGRES"

// Dialects are the dialects Each runs a test on.
var Dialects = []store.Dialect{store.SQLite, store.Postgres}

// Each runs f as parallel subtests named "sqlite" and "postgres", each with
// a fresh empty database, closed when the subtest ends.
func Each(t *testing.T, f func(t *testing.T, db *store.DB)) {
	t.Helper()
	EachDSN(t, func(t *testing.T, dsn string) {
		f(t, Open(t, dsn))
	})
}

// EachDSN is Each for tests that open the database themselves (in several
// handles, or in another process): f gets the DSN of a fresh empty
// database.
func EachDSN(t *testing.T, f func(t *testing.T, dsn string)) {
	t.Helper()
	for _, d := range Dialects {
		t.Run(string(d), func(t *testing.T) {
			t.Parallel()
			f(t, DSN(t, d))
		})
	}
}

// DSN returns the DSN of a fresh empty database of dialect d: a file in a
// temporary directory, or a new PostgreSQL schema (dropped when the test
// ends). It skips the test when PostgreSQL is not configured, or fails it
// under CI.
func DSN(t testing.TB, d store.Dialect) string {
	t.Helper()
	switch d {
	case store.SQLite:
		return filepath.Join(t.TempDir(), "store.db")
	case store.Postgres:
		return postgresSchema(t)
	}
	t.Fatalf("storetest: unknown dialect %q", d)
	return ""
}

// Open opens dsn for the test and closes it when the test ends.
func Open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	db, err := store.Open(ctx, dsn)
	if err != nil {
		t.Fatalf("storetest: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

var admin struct {
	once sync.Once
	db   *sql.DB
	err  error
}

// postgresSchema creates a schema for the test and returns a DSN whose
// search_path is that schema.
func postgresSchema(t testing.TB) string {
	t.Helper()
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("storetest: CI is set but %s is not: .ci/run starts PostgreSQL and sets it", EnvPostgres)
		}
		t.Skipf("skipping the PostgreSQL variant: set %s to a PostgreSQL DSN (postgres://user@127.0.0.1:5432/db?sslmode=disable) to run it; .ci/run does", EnvPostgres)
	}
	if u, err := url.Parse(base); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("storetest: %s: want a postgres:// URL", EnvPostgres)
	}
	admin.once.Do(func() {
		admin.db, admin.err = sql.Open("pgx", base)
		if admin.err == nil {
			admin.db.SetMaxOpenConns(4)
		}
	})
	if admin.err != nil {
		t.Fatalf("storetest: %s: %v", EnvPostgres, admin.err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.db.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("storetest: PostgreSQL at %s: %v", EnvPostgres, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.db.ExecContext(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("storetest: drop schema %s: %v", schema, err)
		}
	})
	// pgx sends a parameter it does not know to the server, as a setting.
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
