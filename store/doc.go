// Package store is the database that the module's stateful packages
// (target, analytics, usecase) keep their state in: an embedded SQLite file
// by default, or a PostgreSQL database that several Data Managers or
// processes share. The caller opens one with [Open] and hands it to each
// package, which applies its own migrations and owns its own tables.
//
//	db, err := store.Open(ctx, "mhero.db") // or "postgres://mhero@db.moh.example/mhero"
//	…
//	defer db.Close()
//	err = db.Migrate(ctx, "target", targetMigrations) // in target's constructor
//
// What the package gives its users:
//
//   - [DB.InTx]: write transactions that behave as if run one at a time on
//     both dialects (SQLite's single writer, PostgreSQL's SERIALIZABLE),
//     retried when another process got in the way, never failing with
//     "database is locked"; [DB.ReadTx] for a consistent snapshot.
//   - [DB.Migrate]: a package's ordered migrations, each applied once and
//     recorded, safe when processes start at once; a database migrated by
//     a newer program is refused ([ErrSchemaTooNew]).
//   - [DB.Lock] and [DB.TryLock]: named locks across processes, whose
//     holder and start time the one kept waiting learns ([LockedError]), and
//     which outlive no killed holder; [Lease.Check] fences a holder that
//     lost its lease.
//   - [Cursor] and [SetCursor]: named checkpoints saved in the same
//     transaction as the work they cover, so a job killed at any point
//     resumes without loss or double counting.
//   - [Tx.Batch]: multi-row inserts and upserts, for the tens of thousands
//     of rows a second an ingest needs.
//
// # Portable SQL
//
// Packages write one SQL for both dialects: PostgreSQL's, restricted to
// what SQLite runs the same way. The store's tests run every statement
// shape below on both.
//
// Statements (Exec, Query, QueryRow, in InTx, ReadTx or on the DB):
//
//   - Parameters are $1, $2, …, as PostgreSQL writes them; a parameter may
//     be used twice. (SQLite takes $n too.)
//   - Upsert: INSERT … ON CONFLICT (key columns) DO UPDATE SET c =
//     excluded.c [WHERE …] or DO NOTHING. Name the conflict columns. In
//     INSERT … SELECT … ON CONFLICT, SQLite needs the SELECT to have a
//     WHERE clause (WHERE true will do).
//   - INSERT/UPDATE/DELETE … RETURNING columns.
//   - Times are time.Time values in and out, in UTC, to the microsecond
//     (PostgreSQL's precision; finer digits are dropped). Do not compute
//     times in SQL (now(), CURRENT_TIMESTAMP, date arithmetic): pass them
//     from Go, where tests can set the clock. An expression over a time
//     (MAX(at)) scans through [ScanTime].
//   - Booleans: BOOLEAN columns, TRUE and FALSE, bool values.
//   - []byte for BYTEA. An empty non-NULL value reads back as nil on SQLite
//     (its driver's quirk): do not give empty and NULL different meanings.
//   - Casts with CAST(x AS BIGINT), not x::bigint. SUM over integers is
//     NUMERIC on PostgreSQL: CAST(SUM(x) AS BIGINT) scans into an int64 on
//     both. Division of integers truncates on both.
//   - Not portable, so not used: ILIKE, ::casts, GREATEST/LEAST (SQLite's
//     are the two-argument max/min), arrays, JSON operators, date functions,
//     LIMIT without ORDER BY where the order matters, SELECT … FOR UPDATE
//     (not needed: InTx is serial), string_agg/group_concat. Where a
//     statement must differ, branch on [Querier.Dialect].
//
// Schema (Migration.SQL) is PostgreSQL DDL that SQLite is given translated:
//
//   - TIMESTAMPTZ for times (TIMESTAMP without a zone is refused); on
//     SQLite it holds the microseconds since 1970 UTC as an integer.
//   - BYTEA for bytes (BLOB on SQLite).
//   - BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY (or BY DEFAULT) for
//     a generated key, the one identity form (INTEGER PRIMARY KEY
//     AUTOINCREMENT on SQLite: no value is used twice, as in PostgreSQL).
//   - TEXT for strings, JSON and UUIDs; BIGINT, INTEGER, DOUBLE PRECISION,
//     BOOLEAN; NOT NULL, DEFAULT constants, PRIMARY KEY, UNIQUE,
//     REFERENCES … ON DELETE CASCADE (foreign keys are enforced on both),
//     CHECK, CREATE [UNIQUE] INDEX … [WHERE …].
//   - ALTER TABLE … ADD COLUMN, RENAME COLUMN, DROP COLUMN; SQLite cannot
//     change a column's type or constraints: create a new table, copy, drop
//     and rename instead.
//   - No JSONB, SERIAL, ENUM, arrays or domain types.
//
// # Schema conventions
//
// Each package that stores state owns a name (its package name: "target",
// "analytics", "usecase"), its tables and its migrations:
//
//   - its tables and indexes are named owner_thing ("target_contact",
//     "target_contact_group_idx"), lower_snake_case; Migrate refuses other
//     names, so that packages never collide;
//   - it applies its migrations with DB.Migrate(ctx, owner, migrations)
//     when it is given the DB, and only appends to them once released;
//   - it documents each table (what a row is, its key, who writes it) in
//     its own package documentation;
//   - a foreign key stays within one owner's tables; a reference to
//     another package's rows is a plain column (an iHRIS id, a RapidPro
//     UUID), so each package can migrate on its own;
//   - keys are the natural ones where the data has them (RapidPro UUIDs,
//     iHRIS ids) and an identity only for rows that have none (journal
//     entries); times are TIMESTAMPTZ; JSON kept whole is TEXT;
//   - a job's checkpoint is a cursor named owner/job[/instance]
//     ("analytics/runs/<flow uuid>"); a lock is named owner/what
//     ("target/sync/<workspace>").
//
// The store's own tables:
//
//   - store_schema (owner, version, name, applied_at): the migrations
//     applied, per owner; primary key (owner, version).
//   - store_lock (name, holder, token, since, expires, host, pid,
//     machine): who holds each named lock; token identifies the lease,
//     expires is renewed by its heartbeat, machine tells whether pid can
//     be checked from here.
//   - store_cursor (name, value, updated_at): the named cursors.
//
// # SQLite and PostgreSQL
//
// SQLite (modernc.org/sqlite, pure Go: no C compiler needed) runs in WAL
// mode with synchronous=FULL, foreign keys on and a busy timeout. A DB keeps
// one writer connection, so the writers of a process queue in Go, and a
// pool of read-only connections beside it; write transactions begin
// IMMEDIATE, so two processes never deadlock upgrading a read to a write.
// Several processes may share a file on one machine, not over a network
// file system.
//
// PostgreSQL (pgx through database/sql) is for a database shared by
// several machines or Data Managers. Give the schema in the DSN
// (search_path=mhero) to keep the tables out of public.
//
// Locks: on SQLite a lock is a lease row, renewed every TTL/3 (see
// [LockOptions]); a holder killed on this machine is recognised at once,
// one on another machine when its lease expires. On PostgreSQL a lock is a
// session-level advisory lock on a connection kept for it, which ends with
// the holder's session; its holder is recorded in store_lock too, so that
// the one kept waiting can be told who holds it.
package store
