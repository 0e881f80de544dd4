package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// sqliteParams configure every SQLite connection. The driver applies the
// busy timeout first, so that switching a new file to WAL waits for another
// process opening it at the same moment.
//
//   - busy_timeout: how long a statement waits for another process's write
//     lock before the retry loop of Exec/InTx takes over; the driver ends
//     the wait early when the statement's context ends.
//   - journal_mode=WAL: readers never block the writer nor it them.
//   - synchronous=FULL: in WAL mode, NORMAL may lose the last transactions on
//     a power cut (never on a crash of the process); FULL costs one fsync
//     per commit, which batched writes make negligible.
//   - foreign_keys: off by default in SQLite, always on in PostgreSQL.
//   - _time_integer_format=unix_micro, _inttotime: a time.Time is written as
//     microseconds since 1970 UTC and read back, from a TIMESTAMP column, as
//     a time.Time in UTC: exactly what PostgreSQL's timestamptz keeps, and
//     it sorts and compares as a number.
//   - temp_store: sorts and temporary indexes stay in memory.
//   - cache_size: the page cache of each connection (see writerCache).
//   - journal_size_limit: the WAL file shrinks back after a large ingest.
var sqliteParams = []string{
	"_busy_timeout=5000",
	"_journal_mode=WAL",
	"_synchronous=FULL",
	"_foreign_keys=1",
	"_time_integer_format=unix_micro",
	"_inttotime=1",
	"_pragma=temp_store(MEMORY)",
	"_pragma=journal_size_limit(67108864)",
}

// The page cache of the writer connection and of each reader, measured:
//   - the writer's 8 MiB: with 32, a write-heavy process kept the whole 32
//     MiB resident once its database grew past it (a target sync of 20,000
//     workers peaked at 139 MiB, 102 with 8), and ingests of 100,000 and
//     1,000,000 runs were no faster;
//   - each reader's 2 MiB, SQLite's default: a reader's cache barely
//     survives another connection's writes, and large scans gain nothing
//     from a larger one. With 32 MiB, an analysis of 1,000,000 runs took as
//     long (8.0 and 7.8 CPU-s against 7.4 and 7.8) and peaked at 138 MiB
//     against 80, and a target sync of 35,000 workers at 133 against 105.
const (
	writerCache = "_pragma=cache_size(-8192)"
	readerCache = "_pragma=cache_size(-2048)"
)

func (db *DB) openSQLite(ctx context.Context, name string) error {
	path, query, _ := strings.Cut(strings.TrimPrefix(name, "file:"), "?")
	if dir := filepath.Dir(path); dir != "" {
		if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
			return fmt.Errorf("store: cannot open %s: directory %s does not exist", name, dir)
		}
	}
	sep := "?"
	if query != "" {
		sep = "&"
	}
	common := name + sep + strings.Join(sqliteParams, "&")

	// One writer connection: the writers of this process wait for it in Go
	// (and their contexts), never in SQLite's lock.
	w, err := sql.Open("sqlite", common+"&_txlock=immediate&"+writerCache)
	if err != nil {
		return fmt.Errorf("store: open %s: %w", name, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("store: open %s: %w", name, err)
	}

	// Readers refuse to write (query_only), so a write sent to the wrong
	// pool fails at once instead of waiting for the lock.
	r, err := sql.Open("sqlite", common+"&_query_only=1&"+readerCache)
	if err != nil {
		w.Close()
		return fmt.Errorf("store: open %s: %w", name, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("store: open %s: %w", name, err)
	}
	db.r, db.w = r, w
	return nil
}

// sqliteBusy reports an error meaning that another connection held a lock
// the statement needed: SQLITE_BUSY (with its extended codes, such as
// BUSY_SNAPSHOT) or SQLITE_LOCKED. Nothing was written: it can be retried.
func sqliteBusy(err error) bool {
	var e *sqlite.Error
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code() & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	return false
}
