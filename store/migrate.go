package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// Migration is one step in the history of a package's tables. A package
// keeps its migrations in one slice, in order, and only ever appends to it:
// the n-th element is version n.
type Migration struct {
	// Name says what the step does ("sync journal"); it is recorded, and a
	// database whose version n has another name was made by other code.
	Name string
	// SQL holds the statements, separated by semicolons, in the portable
	// dialect of the package documentation: PostgreSQL DDL that SQLite is
	// given translated.
	SQL string
	// Func, when set, runs after SQL in the same transaction: a data
	// migration that SQL alone cannot express. It may run more than once if
	// the transaction is retried, like any function given to InTx.
	Func func(ctx context.Context, tx *Tx) error
}

// ErrSchemaTooNew matches a *SchemaTooNewError.
var ErrSchemaTooNew = errors.New("store: the database is newer than this program")

// SchemaTooNewError reports a database whose tables were migrated by a
// newer version of a package than the one running: the program must be
// upgraded, and it changes nothing meanwhile.
type SchemaTooNewError struct {
	Owner    string // the package, as given to Migrate
	Version  int    // its version in the database
	Known    int    // the newest version this program knows
	LastName string // the name of the database's newest migration
}

func (e *SchemaTooNewError) Error() string {
	return fmt.Sprintf("store: the %s tables are at version %d (%q) but this program knows only %d; use a newer version of the program with this database",
		e.Owner, e.Version, e.LastName, e.Known)
}

// Is makes errors.Is(err, ErrSchemaTooNew) true.
func (e *SchemaTooNewError) Is(target error) bool { return target == ErrSchemaTooNew }

var ownerName = regexp.MustCompile(`^[a-z][a-z0-9]*$`)

// Migrate brings the tables of owner (a package's name, such as "target",
// which prefixes each of its tables: "target_contact") to the last of
// migrations. Each migration runs once per database, in its own
// transaction, and is recorded in store_schema; two processes migrating at
// once wait for each other. Migrate refuses (*SchemaTooNewError) a database
// that a newer version of the program has migrated further, and a database
// whose recorded history differs from migrations.
func (db *DB) Migrate(ctx context.Context, owner string, migrations []Migration) error {
	if !ownerName.MatchString(owner) {
		return fmt.Errorf("store: migration owner %q: want a lowercase package name", owner)
	}
	steps := make([]string, len(migrations))
	for i, m := range migrations {
		sql, err := portableDDL(owner, m.SQL, db.dialect)
		if err != nil {
			return fmt.Errorf("store: %s migration %d (%s): %w", owner, i+1, m.Name, err)
		}
		steps[i] = sql
	}
	for {
		done, err := db.migrateStep(ctx, owner, migrations, steps)
		if err != nil || done {
			return err
		}
	}
}

// migrateStep applies the first migration the database lacks, in one
// transaction holding the migration lock, and reports whether none was
// left.
func (db *DB) migrateStep(ctx context.Context, owner string, migrations []Migration, steps []string) (done bool, err error) {
	// READ COMMITTED on PostgreSQL: the statements after the lock must see
	// what the process that held it before committed, which a snapshot
	// taken at the transaction's first statement would not.
	err = retry(ctx, db.dialect, func() error {
		return db.run(ctx, db.w, &sql.TxOptions{}, func(tx *Tx) error {
			if db.dialect == Postgres {
				if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('mhero.store.migrate.' || coalesce(current_schema(), ''), 0))`); err != nil {
					return err
				}
			}
			if _, err := tx.Exec(ctx, schemaTable); err != nil {
				return err
			}
			applied, err := appliedMigrations(ctx, tx, owner)
			if err != nil {
				return err
			}
			if n := len(applied); n > len(migrations) {
				return &SchemaTooNewError{Owner: owner, Version: n, Known: len(migrations), LastName: applied[n-1]}
			}
			for i, name := range applied {
				if name != migrations[i].Name {
					return fmt.Errorf("store: %s migration %d is %q in the database but %q in this program: the database was made by other code",
						owner, i+1, name, migrations[i].Name)
				}
			}
			v := len(applied) + 1
			if v > len(migrations) {
				done = true
				return nil
			}
			m := migrations[v-1]
			if strings.TrimSpace(steps[v-1]) != "" {
				if _, err := tx.Exec(ctx, steps[v-1]); err != nil {
					return fmt.Errorf("store: %s migration %d (%s): %w", owner, v, m.Name, err)
				}
			}
			if m.Func != nil {
				if err := m.Func(ctx, tx); err != nil {
					return fmt.Errorf("store: %s migration %d (%s): %w", owner, v, m.Name, err)
				}
			}
			_, err = tx.Exec(ctx, `INSERT INTO store_schema (owner, version, name, applied_at) VALUES ($1, $2, $3, $4)`,
				owner, v, m.Name, time.Now())
			return err
		})
	})
	return done, err
}

// schemaTable records the migrations applied, per owner.
const schemaTable = `CREATE TABLE IF NOT EXISTS store_schema (
	owner      TEXT NOT NULL,
	version    INTEGER NOT NULL,
	name       TEXT NOT NULL,
	applied_at TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (owner, version)
)`

// appliedMigrations returns the names of owner's migrations in the
// database, in order.
func appliedMigrations(ctx context.Context, q Querier, owner string) ([]string, error) {
	rows, err := q.Query(ctx, `SELECT version, name FROM store_schema WHERE owner = $1 ORDER BY version`, owner)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var v int
		var name string
		if err := rows.Scan(&v, &name); err != nil {
			return nil, err
		}
		if v != len(names)+1 {
			return nil, fmt.Errorf("store: %s migration %d is missing from store_schema", owner, len(names)+1)
		}
		names = append(names, name)
	}
	return names, rows.Err()
}

// The DDL of the portable dialect that SQLite is given translated.
var (
	timestampTZ = regexp.MustCompile(`(?i)\bTIMESTAMPTZ\b|\bTIMESTAMP\s+WITH\s+TIME\s+ZONE\b`)
	timestamp   = regexp.MustCompile(`(?i)\bTIMESTAMP\b(\s+WITH\s+TIME\s+ZONE\b)?`)
	bytea       = regexp.MustCompile(`(?i)\bBYTEA\b`)
	identityPK  = regexp.MustCompile(`(?i)\b(?:BIGINT|INTEGER|INT|INT8|INT4)\s+GENERATED\s+(?:ALWAYS|BY\s+DEFAULT)\s+AS\s+IDENTITY\s+PRIMARY\s+KEY\b`)
	identity    = regexp.MustCompile(`(?i)\bAS\s+IDENTITY\b`)
	created     = regexp.MustCompile(`(?i)\bCREATE\s+(?:UNIQUE\s+)?(?:TEMP\s+|TEMPORARY\s+)?(TABLE|INDEX|VIEW|TRIGGER)\s+(?:IF\s+NOT\s+EXISTS\s+)?("?)([A-Za-z_][A-Za-z0-9_]*)`)
)

// portableDDL checks a migration's SQL against the rules of the package
// documentation and returns it as dialect runs it: unchanged for
// PostgreSQL, translated for SQLite.
func portableDDL(owner, ddl string, dialect Dialect) (string, error) {
	line := func(at int) int { return 1 + strings.Count(ddl[:at], "\n") }
	for _, m := range created.FindAllStringSubmatchIndex(ddl, -1) {
		kind, name := ddl[m[2]:m[3]], ddl[m[6]:m[7]]
		if !strings.HasPrefix(name, owner+"_") {
			return "", fmt.Errorf("line %d: %s %s: the names of %s's tables and indexes start with %q", line(m[0]), strings.ToUpper(kind), name, owner, owner+"_")
		}
	}
	for _, m := range timestamp.FindAllStringSubmatchIndex(ddl, -1) {
		if m[2] < 0 {
			return "", fmt.Errorf("line %d: TIMESTAMP without time zone: use TIMESTAMPTZ, which stores an instant (kept in UTC)", line(m[0]))
		}
	}
	if n, pk := len(identity.FindAllStringIndex(ddl, -1)), identityPK.FindAllStringIndex(ddl, -1); n != len(pk) {
		at := identity.FindStringIndex(ddl)[0]
		return "", fmt.Errorf("line %d: an identity column must be declared BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY (or BY DEFAULT), the one form SQLite has too", line(at))
	}
	if dialect == Postgres {
		return ddl, nil
	}
	ddl = timestampTZ.ReplaceAllString(ddl, "TIMESTAMP")
	ddl = bytea.ReplaceAllString(ddl, "BLOB")
	// AUTOINCREMENT: like an identity, a value is never used twice, even
	// after the newest row is deleted.
	ddl = identityPK.ReplaceAllString(ddl, "INTEGER PRIMARY KEY AUTOINCREMENT")
	return ddl, nil
}

// storeMigrations are the store's own tables.
var storeMigrations = []Migration{{
	Name: "locks and cursors",
	SQL: `
CREATE TABLE store_lock (
	name    TEXT PRIMARY KEY,
	holder  TEXT NOT NULL,
	token   TEXT NOT NULL,
	since   TIMESTAMPTZ NOT NULL,
	expires TIMESTAMPTZ NOT NULL,
	host    TEXT NOT NULL,
	pid     BIGINT NOT NULL,
	machine TEXT NOT NULL
);
CREATE TABLE store_cursor (
	name       TEXT PRIMARY KEY,
	value      TEXT NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);`,
}}
