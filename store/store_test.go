package store_test

import (
	"bytes"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
)

func TestOpenDSN(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := t.Context()
	for _, dsn := range []string{
		filepath.Join(dir, "plain.db"),
		"file:" + filepath.Join(dir, "uri.db") + "?cache=private",
		"sqlite:" + filepath.Join(dir, "scheme.db"),
		"sqlite://" + filepath.Join(dir, "url.db"), // sqlite:///abs/path
	} {
		db, err := store.Open(ctx, dsn)
		if err != nil {
			t.Errorf("Open(%q): %v", dsn, err)
			continue
		}
		if db.Dialect() != store.SQLite {
			t.Errorf("Open(%q).Dialect() = %q", dsn, db.Dialect())
		}
		db.Close()
	}
	for _, name := range []string{"plain.db", "uri.db", "scheme.db", "url.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("no file %s: %v", name, err)
		}
	}

	for dsn, want := range map[string]string{
		"":                         "empty",
		":memory:":                 "not a file",
		"file::memory:":            "not a file",
		"file:x.db?mode=memory":    "not a file",
		"sqlite:":                  "not a file",
		"mysql://u@h/db":           `unknown scheme "mysql"`,
		dir + "/missing/dir/x.db":  "directory " + dir + "/missing/dir does not exist",
		"postgres://u@h:bad/db":    "bad DSN",
		"postgresql://[::1/db":     "bad DSN",
		"postgres://u@h/db?x=%zz1": "bad DSN",
	} {
		_, err := store.Open(ctx, dsn)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%q) = %v, want an error saying %q", dsn, err, want)
		}
	}
}

func TestOpenPostgresErrorHidesPassword(t *testing.T) {
	t.Parallel()
	// Port 1 of loopback refuses connections: no server is needed.
	for _, dsn := range []string{
		"postgres://mhero:s3cr3t@127.0.0.1:1/db?sslmode=disable&connect_timeout=5",
		"postgresql://mhero@127.0.0.1:1/db?sslmode=disable&password=s3cr3t",
		"postgres://mhero:s3cr3t@127.0.0.1:notaport/db",
	} {
		_, err := store.Open(t.Context(), dsn)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
}

func TestSQLiteSettings(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, storetest.DSN(t, store.SQLite))
	ctx := t.Context()
	for pragma, want := range map[string]string{
		"journal_mode": "wal",
		"foreign_keys": "1",
		"synchronous":  "2", // FULL
		"busy_timeout": "5000",
	} {
		// Every connection, reader or writer, has the settings.
		var got string
		if err := db.QueryRow(ctx, "PRAGMA "+pragma).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("reader: PRAGMA %s = %s, want %s", pragma, got, want)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error { return tx.QueryRow(ctx, "PRAGMA "+pragma).Scan(&got) })
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("writer: PRAGMA %s = %s, want %s", pragma, got, want)
		}
	}
}

func TestQueryOnlyReads(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		// A write sent to the readers fails at once, and says why.
		_, err := db.Query(t.Context(), "DELETE FROM store_cursor")
		if err == nil || !strings.Contains(strings.ReplaceAll(err.Error(), "-", ""), "readonly") {
			t.Errorf("a write through Query: %v, want a read-only error", err)
		}
	})
}

// portableMigrations use every construct the package documents.
var portableMigrations = []store.Migration{{
	Name: "portable",
	SQL: `
CREATE TABLE kit_parent (
	id      BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name    TEXT NOT NULL UNIQUE,
	at      TIMESTAMPTZ NOT NULL,
	maybe   TIMESTAMPTZ,
	body    BYTEA,
	ok      BOOLEAN NOT NULL DEFAULT FALSE,
	score   DOUBLE PRECISION,
	n       BIGINT
);
CREATE TABLE kit_child (
	parent BIGINT NOT NULL REFERENCES kit_parent (id) ON DELETE CASCADE,
	k      TEXT NOT NULL,
	PRIMARY KEY (parent, k)
);
CREATE INDEX kit_parent_at_idx ON kit_parent (at);`,
}}

func TestPortableSQL(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Migrate(ctx, "kit", portableMigrations); err != nil {
			t.Fatal(err)
		}
		// Times keep their instant to the microsecond, whatever their zone,
		// and come back in UTC.
		zone := time.FixedZone("EAT", 3*3600)
		at := time.Date(2026, 3, 4, 5, 6, 7, 891234567, zone)
		want := at.Truncate(time.Microsecond).UTC()
		body := []byte{0, 1, 2, 0xff, 'x', 0}

		var id1, id2 int64
		err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO kit_parent (name, at, body, ok, score, n) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
				"first", at, body, true, 0.25, int64(1)<<40).Scan(&id1); err != nil {
				return err
			}
			// $n may repeat, as in PostgreSQL.
			return tx.QueryRow(ctx, `INSERT INTO kit_parent (name, at, maybe, body) VALUES ($1, $2, $2, $3) RETURNING id`,
				"second", at.Add(time.Hour), []byte{}).Scan(&id2)
		})
		if err != nil {
			t.Fatal(err)
		}
		if id1 <= 0 || id2 <= id1 {
			t.Errorf("identities %d, %d: want increasing", id1, id2)
		}

		var (
			gotAt    time.Time
			maybe    sql.Null[time.Time]
			gotBody  []byte
			ok       bool
			score    sql.NullFloat64
			n        int64
			newest   time.Time
			earliest time.Time
		)
		if err := db.QueryRow(ctx, `SELECT at, maybe, body, ok, score, n FROM kit_parent WHERE id = $1`, id1).
			Scan(&gotAt, &maybe, &gotBody, &ok, &score, &n); err != nil {
			t.Fatal(err)
		}
		if !gotAt.Equal(want) || gotAt.Location() != time.UTC || gotAt != want {
			t.Errorf("time: got %v (%v), want %v", gotAt, gotAt.Location(), want)
		}
		if maybe.Valid {
			t.Errorf("NULL time read as %v", maybe.V)
		}
		if !bytes.Equal(gotBody, body) || !ok || score.Float64 != 0.25 || n != 1<<40 {
			t.Errorf("got body %x ok %v score %v n %d", gotBody, ok, score, n)
		}
		if err := db.QueryRow(ctx, `SELECT maybe, body FROM kit_parent WHERE id = $1`, id2).Scan(&maybe, &gotBody); err != nil {
			t.Fatal(err)
		}
		// (An empty BYTEA reads as nil on SQLite, as NULL does: see the
		// package documentation.)
		if !maybe.Valid || maybe.V != want.Add(time.Hour) || len(gotBody) != 0 {
			t.Errorf("second row: maybe %v, body %#v; want %v and an empty body", maybe, gotBody, want.Add(time.Hour))
		}

		// Comparisons and ordering work on instants; an expression over a
		// time scans through ScanTime.
		var count int
		if err := db.QueryRow(ctx, `SELECT count(*) FROM kit_parent WHERE at > $1`, at.Add(time.Minute)).Scan(&count); err != nil || count != 1 {
			t.Errorf("count of later rows = %d, %v; want 1", count, err)
		}
		if err := db.QueryRow(ctx, `SELECT MAX(at), MIN(at) FROM kit_parent`).Scan(store.ScanTime(&newest), store.ScanTime(&earliest)); err != nil {
			t.Fatal(err)
		}
		if newest != want.Add(time.Hour) || earliest != want {
			t.Errorf("MAX, MIN = %v, %v; want %v, %v", newest, earliest, want.Add(time.Hour), want)
		}

		// Upsert, and foreign keys enforced on both.
		_, err = db.Exec(ctx, `INSERT INTO kit_parent (name, at, n) VALUES ($1, $2, $3)
			ON CONFLICT (name) DO UPDATE SET n = kit_parent.n + excluded.n`, "first", at, 5)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT n FROM kit_parent WHERE name = 'first'`).Scan(&n); err != nil || n != 1<<40+5 {
			t.Errorf("after upsert n = %d, %v", n, err)
		}
		if _, err := db.Exec(ctx, `INSERT INTO kit_child (parent, k) VALUES ($1, 'a')`, id1+1000); err == nil {
			t.Error("a child of a missing parent was inserted: foreign keys are off")
		}
		if _, err := db.Exec(ctx, `INSERT INTO kit_child (parent, k) VALUES ($1, 'a')`, id1); err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx, `DELETE FROM kit_parent WHERE id = $1`, id1); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT count(*) FROM kit_child`).Scan(&count); err != nil || count != 0 {
			t.Errorf("ON DELETE CASCADE left %d children (%v)", count, err)
		}
	})
}

func TestInTx(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Migrate(ctx, "kit", portableMigrations); err != nil {
			t.Fatal(err)
		}
		insert := func(tx *store.Tx, name string) error {
			_, err := tx.Exec(ctx, `INSERT INTO kit_parent (name, at) VALUES ($1, $2)`, name, time.Now())
			return err
		}
		exists := func(name string) bool {
			var n int
			if err := db.QueryRow(ctx, `SELECT count(*) FROM kit_parent WHERE name = $1`, name).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n == 1
		}

		if err := db.InTx(ctx, func(tx *store.Tx) error { return insert(tx, "committed") }); err != nil {
			t.Fatal(err)
		}
		boom := errors.New("boom")
		if err := db.InTx(ctx, func(tx *store.Tx) error {
			if err := insert(tx, "rolled back"); err != nil {
				return err
			}
			return boom
		}); err != boom {
			t.Errorf("InTx returned %v, want fn's error unchanged", err)
		}
		func() {
			defer func() {
				if recover() == nil {
					t.Error("the panic did not go through InTx")
				}
			}()
			db.InTx(ctx, func(tx *store.Tx) error {
				insert(tx, "panicked")
				panic("boom")
			})
		}()
		if !exists("committed") || exists("rolled back") || exists("panicked") {
			t.Errorf("committed %v, rolled back %v, panicked %v; want only the first", exists("committed"), exists("rolled back"), exists("panicked"))
		}
		// The writer is free again after the panic.
		if err := db.InTx(ctx, func(tx *store.Tx) error { return insert(tx, "after") }); err != nil {
			t.Fatal(err)
		}
	})
}

// TestInTxSerial has many writers, in two handles (as two processes would
// be), do read-then-write increments: transactions behave as if run one
// after another on both dialects, so none is lost, and none fails.
func TestInTxSerial(t *testing.T) {
	t.Parallel()
	storetest.EachDSN(t, func(t *testing.T, dsn string) {
		ctx := t.Context()
		dbs := []*store.DB{storetest.Open(t, dsn), storetest.Open(t, dsn)}
		if err := dbs[0].Migrate(ctx, "kit", portableMigrations); err != nil {
			t.Fatal(err)
		}
		if _, err := dbs[0].Exec(ctx, `INSERT INTO kit_parent (name, at, n) VALUES ('counter', $1, 0)`, time.Now()); err != nil {
			t.Fatal(err)
		}
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			db := dbs[w%2]
			wg.Go(func() {
				for range each {
					err := db.InTx(ctx, func(tx *store.Tx) error {
						var n int64
						if err := tx.QueryRow(ctx, `SELECT n FROM kit_parent WHERE name = 'counter'`).Scan(&n); err != nil {
							return err
						}
						_, err := tx.Exec(ctx, `UPDATE kit_parent SET n = $1 WHERE name = 'counter'`, n+1)
						return err
					})
					if err != nil {
						errs <- err
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("InTx: %v", err)
		}
		var n int64
		if err := dbs[1].QueryRow(ctx, `SELECT n FROM kit_parent WHERE name = 'counter'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != workers*each {
			t.Errorf("counter = %d, want %d: increments were lost", n, workers*each)
		}
	})
}

func TestReadTxSnapshot(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Migrate(ctx, "kit", portableMigrations); err != nil {
			t.Fatal(err)
		}
		count := func(q store.Querier) int {
			var n int
			if err := q.QueryRow(ctx, `SELECT count(*) FROM kit_parent`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		err := db.ReadTx(ctx, func(tx *store.Tx) error {
			before := count(tx)
			if _, err := db.Exec(ctx, `INSERT INTO kit_parent (name, at) VALUES ('meanwhile', $1)`, time.Now()); err != nil {
				return err
			}
			if after := count(tx); after != before {
				t.Errorf("the snapshot moved: %d rows, then %d", before, after)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		err = db.ReadTx(ctx, func(tx *store.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM kit_parent`)
			return err
		})
		if err == nil {
			t.Error("a read-only transaction wrote")
		}
		if n := count(db); n != 1 {
			t.Errorf("%d rows after the read-only transaction, want 1", n)
		}
	})
}

func TestCursor(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		get := func() (string, bool) {
			v, ok, err := store.Cursor(ctx, db, "kit/runs")
			if err != nil {
				t.Fatal(err)
			}
			return v, ok
		}
		if v, ok := get(); ok || v != "" {
			t.Errorf("unset cursor = %q, %v", v, ok)
		}
		// A cursor set in a transaction that rolls back never moved.
		db.InTx(ctx, func(tx *store.Tx) error {
			if err := store.SetCursor(ctx, tx, "kit/runs", "lost"); err != nil {
				t.Fatal(err)
			}
			return errors.New("the writes failed")
		})
		if v, ok := get(); ok {
			t.Errorf("cursor of a rolled back transaction = %q", v)
		}
		for _, want := range []string{`{"after":"2026-01-01T00:00:00Z"}`, "second"} {
			if err := db.InTx(ctx, func(tx *store.Tx) error { return store.SetCursor(ctx, tx, "kit/runs", want) }); err != nil {
				t.Fatal(err)
			}
			if v, ok := get(); !ok || v != want {
				t.Errorf("cursor = %q, %v; want %q", v, ok, want)
			}
		}
		if err := db.InTx(ctx, func(tx *store.Tx) error { return store.DeleteCursor(ctx, tx, "kit/runs") }); err != nil {
			t.Fatal(err)
		}
		if v, ok := get(); ok {
			t.Errorf("deleted cursor = %q", v)
		}
	})
}

// TestPortableSQLMore runs the rest of the statement shapes the package
// documentation promises on both dialects.
func TestPortableSQLMore(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		err := db.Migrate(ctx, "kit", append(portableMigrations[:1:1],
			store.Migration{Name: "shapes", SQL: `
CREATE TABLE kit_score (
	name  TEXT PRIMARY KEY,
	n     BIGINT NOT NULL CHECK (n >= 0),
	grp   TEXT NOT NULL DEFAULT 'none',
	old   TEXT
);
CREATE UNIQUE INDEX kit_score_grp_idx ON kit_score (grp, n) WHERE grp <> 'none';
ALTER TABLE kit_score ADD COLUMN extra INTEGER;
ALTER TABLE kit_score RENAME COLUMN extra TO bonus;
ALTER TABLE kit_score DROP COLUMN old;`}))
		if err != nil {
			t.Fatal(err)
		}
		for i, name := range []string{"a", "b", "c"} {
			if _, err := db.Exec(ctx, `INSERT INTO kit_score (name, n, grp, bonus) VALUES ($1, $2, 'g', $3)`, name, i*7, i); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.Exec(ctx, `INSERT INTO kit_score (name, n) VALUES ('neg', -1)`); err == nil {
			t.Error("CHECK was not enforced")
		}
		if _, err := db.Exec(ctx, `INSERT INTO kit_score (name, n, grp) VALUES ('dup', 7, 'g')`); err == nil {
			t.Error("the partial unique index was not enforced")
		}
		// INSERT … SELECT … WHERE true ON CONFLICT.
		if _, err := db.Exec(ctx, `INSERT INTO kit_score (name, n) SELECT name || '2', n FROM kit_score WHERE true
			ON CONFLICT (name) DO NOTHING`); err != nil {
			t.Fatal(err)
		}
		var sum, quotient, count int64
		var grp string
		if err := db.QueryRow(ctx, `SELECT CAST(SUM(n) AS BIGINT), CAST(SUM(bonus) AS BIGINT) / 2, count(*) FROM kit_score WHERE grp = $1`, "g").
			Scan(&sum, &quotient, &count); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(ctx, `SELECT grp FROM kit_score WHERE name = 'a2'`).Scan(&grp); err != nil {
			t.Fatal(err)
		}
		if sum != 21 || quotient != 1 || count != 3 || grp != "none" {
			t.Errorf("sum %d, 3/2 = %d, count %d, default %q; want 21, 1, 3, none", sum, quotient, count, grp)
		}
		// UPDATE … RETURNING, DELETE … RETURNING, in a write transaction:
		// the DB's Query and QueryRow only read, on both dialects.
		var n int64
		if err := db.QueryRow(ctx, `UPDATE kit_score SET n = n + 1 WHERE name = $1 RETURNING n`, "c").Scan(&n); err == nil {
			t.Error("DB.QueryRow wrote")
		}
		db.InTx(ctx, func(tx *store.Tx) error {
			if err := tx.QueryRow(ctx, `UPDATE kit_score SET n = n + 1 WHERE name = $1 RETURNING n`, "c").Scan(&n); err != nil || n != 15 {
				t.Errorf("UPDATE … RETURNING = %d, %v", n, err)
			}
			if err := tx.QueryRow(ctx, `DELETE FROM kit_score WHERE name = $1 RETURNING n`, "c").Scan(&n); err != nil || n != 15 {
				t.Errorf("DELETE … RETURNING = %d, %v", n, err)
			}
			return nil
		})
	})
}
