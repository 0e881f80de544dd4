package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Dialect names the database behind a DB.
type Dialect string

// The dialects Open knows.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open state database, safe for concurrent use. Packages that keep
// state take a *DB from their caller, apply their migrations with
// [DB.Migrate] and keep their tables in it.
//
// Writes (Exec, InTx) and reads (Query, QueryRow, ReadTx) use two pools,
// the readers' refusing to write. On SQLite the writers' pool is one
// connection, so that the writers of a process queue in Go instead of
// meeting "database is locked", and WAL lets the readers run beside it.
type DB struct {
	dialect Dialect
	r, w    *sql.DB // readers and writers
	name    string  // the DSN without its password, for errors

	mu     sync.Mutex
	leases map[*Lease]struct{} // held leases, released by Close
	closed bool
}

// ErrBadDSN reports a DSN that Open cannot use; the error says why.
var ErrBadDSN = errors.New("store: bad DSN")

// Open opens the state database that dsn names and brings the store's own
// tables up to date:
//
//   - a path ("mhero.db", "/var/lib/mhero/state.db"), or a "file:" URI
//     ("file:/var/lib/mhero/state.db?mode=rw"), or the same after "sqlite:"
//     ("sqlite:mhero.db", "sqlite:///var/lib/mhero/state.db"): an SQLite file,
//     created when missing (its directory must exist);
//   - "postgres://" or "postgresql://" URLs: a PostgreSQL database, through
//     pgx; every parameter pgx knows may be given (sslmode, connect_timeout,
//     search_path, application_name, …).
//
// SQLite is set up for several goroutines and processes at once and for
// durability: WAL, synchronous=FULL (a committed transaction survives a
// power cut), foreign keys on, a busy timeout whose wait ends with the
// context, write transactions that take the write lock when they begin
// (BEGIN IMMEDIATE) and are retried when another process held it too long.
// An in-memory SQLite database is refused: state must survive a restart.
func Open(ctx context.Context, dsn string) (*DB, error) {
	dialect, target, err := parseDSN(dsn)
	if err != nil {
		return nil, err
	}
	db := &DB{dialect: dialect, leases: map[*Lease]struct{}{}}
	switch dialect {
	case SQLite:
		db.name = target
		err = db.openSQLite(ctx, target)
	case Postgres:
		db.name = redactDSN(target)
		err = db.openPostgres(ctx, target)
	}
	if err != nil {
		return nil, err
	}
	if err := db.Migrate(ctx, "store", storeMigrations); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// parseDSN says which dialect a DSN names and what to hand its driver: the
// SQLite file name or URI, or the PostgreSQL URL.
func parseDSN(dsn string) (Dialect, string, error) {
	switch {
	case dsn == "":
		return "", "", fmt.Errorf("%w: empty (give a file path or a postgres:// URL)", ErrBadDSN)
	case strings.HasPrefix(dsn, "postgres://"), strings.HasPrefix(dsn, "postgresql://"):
		if _, err := url.Parse(dsn); err != nil {
			// url's error quotes the whole DSN, password included.
			return "", "", fmt.Errorf("%w: not a valid postgres:// URL", ErrBadDSN)
		}
		return Postgres, dsn, nil
	}
	name := dsn
	if rest, ok := strings.CutPrefix(name, "sqlite:"); ok {
		// sqlite:///abs/path and sqlite://rel/path, as in most URL-style
		// configurations, and sqlite:path.
		if p, ok := strings.CutPrefix(rest, "//"); ok {
			rest = p
		}
		name = rest
	}
	if i := strings.Index(name, "://"); i > 0 && !strings.HasPrefix(name, "file:") {
		return "", "", fmt.Errorf("%w: unknown scheme %q (want a file path, file:, sqlite:, postgres:// or postgresql://)", ErrBadDSN, name[:i])
	}
	path, query, _ := strings.Cut(strings.TrimPrefix(name, "file:"), "?")
	if path == "" || path == ":memory:" || strings.Contains(query, "mode=memory") {
		return "", "", fmt.Errorf("%w: %q is not a file; the store must survive a restart, so give it a file (a temporary directory's, in tests)", ErrBadDSN, dsn)
	}
	return SQLite, name, nil
}

// redactDSN hides the passwords of a PostgreSQL URL: the user's, and
// those pgx reads from the query.
func redactDSN(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
		}
	}
	u.RawQuery = q.Encode()
	return u.Redacted()
}

// Dialect returns the kind of database.
func (db *DB) Dialect() Dialect { return db.dialect }

// String returns the database's DSN, without its password.
func (db *DB) String() string { return db.name }

// Close releases the leases still held through db and closes its
// connections.
func (db *DB) Close() error {
	db.mu.Lock()
	if db.closed {
		db.mu.Unlock()
		return nil
	}
	db.closed = true
	leases := make([]*Lease, 0, len(db.leases))
	for l := range db.leases {
		leases = append(leases, l)
	}
	db.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, l := range leases {
		l.Release(ctx)
	}
	return errors.Join(db.w.Close(), db.r.Close())
}

// Querier is what a *DB and a *Tx have in common: statements in the
// portable SQL described in the package documentation, and the dialect for
// the rare statement that must differ.
type Querier interface {
	Dialect() Dialect
	Exec(ctx context.Context, query string, args ...any) (sql.Result, error)
	Query(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) *sql.Row
}

var (
	_ Querier = (*DB)(nil)
	_ Querier = (*Tx)(nil)
)

// Exec runs a statement that writes, outside any transaction (each
// statement is its own). On SQLite it waits for the writer connection and
// is retried while another process holds the write lock, until ctx ends.
func (db *DB) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := retry(ctx, db.dialect, func() error {
		var err error
		res, err = db.w.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// Query runs a statement that reads, on a read-only connection: a
// statement that writes fails there (INSERT … RETURNING goes in InTx).
func (db *DB) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.r.QueryContext(ctx, query, args...)
}

// QueryRow runs a statement that reads and returns at most one row, like
// Query.
func (db *DB) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return db.r.QueryRowContext(ctx, query, args...)
}
