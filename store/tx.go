package store

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"time"
)

// Tx is a transaction of a DB, handed to the function given to InTx or
// ReadTx. It is valid only while that function runs.
type Tx struct {
	tx      *sql.Tx
	conn    *sql.Conn // the transaction's connection, for what database/sql cannot say (COPY)
	dialect Dialect
}

// Dialect returns the kind of database.
func (tx *Tx) Dialect() Dialect { return tx.dialect }

// Exec runs a statement in the transaction.
func (tx *Tx) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return tx.tx.ExecContext(ctx, query, args...)
}

// Query runs a statement that returns rows in the transaction.
func (tx *Tx) Query(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return tx.tx.QueryContext(ctx, query, args...)
}

// QueryRow runs a statement that returns at most one row in the
// transaction.
func (tx *Tx) QueryRow(ctx context.Context, query string, args ...any) *sql.Row {
	return tx.tx.QueryRowContext(ctx, query, args...)
}

// Prepare prepares a statement run several times in the transaction; it is
// closed with the transaction.
func (tx *Tx) Prepare(ctx context.Context, query string) (*sql.Stmt, error) {
	return tx.tx.PrepareContext(ctx, query)
}

// retryFor bounds the time a transaction is run again while it keeps
// meeting conflicts (each SQLite attempt has already waited up to the busy
// timeout); the context may end it sooner.
const retryFor = time.Minute

// InTx runs fn in a write transaction and commits it if fn returns nil;
// otherwise, or if fn panics, it rolls the transaction back and returns
// fn's error unchanged.
//
// Transactions behave as if run one after another, on both dialects: on
// SQLite they take the write lock when they begin, on PostgreSQL they are
// SERIALIZABLE. So a read-then-write in fn (check a checkpoint, then move
// it) needs no lock of its own.
//
// When the transaction could not run because of another one — SQLite's
// write lock held by another process for longer than the busy timeout, or
// a PostgreSQL serialization failure or deadlock — nothing was committed
// and InTx runs fn again, for up to a minute, while ctx lasts. So fn must have
// no effect outside the transaction: no network call, no message sent, no
// change to variables it does not reset at its start.
//
// On SQLite the transaction holds the process's one writer connection: in
// fn, write through tx, never through db (which would wait for fn to end).
func (db *DB) InTx(ctx context.Context, fn func(tx *Tx) error) error {
	opts := &sql.TxOptions{}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelSerializable
	}
	return retry(ctx, db.dialect, func() error { return db.run(ctx, db.w, opts, fn) })
}

// ReadTx runs fn in a read-only transaction: every statement in it sees
// the same snapshot of the database, whatever commits meanwhile. Use it for
// reports that read several tables; a single query needs no transaction.
func (db *DB) ReadTx(ctx context.Context, fn func(tx *Tx) error) error {
	opts := &sql.TxOptions{ReadOnly: true}
	if db.dialect == Postgres {
		opts.Isolation = sql.LevelRepeatableRead
	}
	return retry(ctx, db.dialect, func() error { return db.run(ctx, db.r, opts, fn) })
}

// run runs one attempt of a transaction. (The SQLite driver ends
// SQLite's own transaction when a COMMIT fails, so the connection goes back
// to the pool clean.)
func (db *DB) run(ctx context.Context, pool *sql.DB, opts *sql.TxOptions, fn func(tx *Tx) error) (err error) {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close() // back to the pool, after the commit or rollback
	stx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		return err
	}
	committed := false
	defer func() {
		if !committed {
			stx.Rollback()
		}
	}()
	if err := fn(&Tx{tx: stx, conn: conn, dialect: db.dialect}); err != nil {
		return err
	}
	if err := stx.Commit(); err != nil {
		return err
	}
	committed = true
	return nil
}

// retry runs attempt until it succeeds, fails with an error that retrying
// cannot help, or has kept failing for retryFor, or ctx ends, waiting a
// little longer (with jitter) after each failure. Each conflict means
// another transaction committed, so all make progress.
func retry(ctx context.Context, d Dialect, attempt func() error) error {
	start := time.Now()
	wait := 5 * time.Millisecond
	for i := 1; ; i++ {
		err := attempt()
		if err == nil || !retryable(d, err) {
			return err
		}
		if time.Since(start) > retryFor {
			return fmt.Errorf("store: gave up after %d attempts in %s: %w", i, time.Since(start).Round(time.Second), err)
		}
		t := time.NewTimer(wait/2 + rand.N(wait))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("store: %w (while waiting to retry after: %w)", ctx.Err(), err)
		case <-t.C:
		}
		wait = min(2*wait, 500*time.Millisecond)
	}
}

// retryable reports an error after which nothing was committed and the
// same work can be done again.
func retryable(d Dialect, err error) bool {
	if d == SQLite {
		return sqliteBusy(err)
	}
	return postgresRetryable(err)
}
