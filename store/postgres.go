package store

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"
)

// postgresMaxConns caps the writers' pool (the readers' is half as
// large): a Data Manager's program needs a few connections (plus one per
// lock held), and a shared server has many clients.
const postgresMaxConns = 16

func (db *DB) openPostgres(ctx context.Context, dsn string) error {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		// pgx masks the passwords of a URL that parses, as this one did.
		return fmt.Errorf("%w: %v", ErrBadDSN, err)
	}
	// The session's time zone only shows in text output and date
	// arithmetic; the instants are the same in any zone.
	cfg.RuntimeParams["timezone"] = "UTC"
	if cfg.RuntimeParams["application_name"] == "" {
		cfg.RuntimeParams["application_name"] = "mhero"
	}
	afterConnect := stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		// pgx reads timestamptz in the process's local zone by default;
		// read it in UTC, as SQLite does, so a time round-trips to an
		// equal value on both.
		c.TypeMap().RegisterType(&pgtype.Type{
			Name:  "timestamptz",
			OID:   pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC},
		})
		return nil
	})
	w := stdlib.OpenDB(*cfg, afterConnect)
	w.SetMaxOpenConns(postgresMaxConns)
	w.SetMaxIdleConns(postgresMaxConns)
	w.SetConnMaxIdleTime(5 * time.Minute)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("store: connect to %s: %w", db.name, err)
	}
	// The readers refuse to write, as SQLite's do, so that a write sent
	// through Query fails on both dialects alike.
	rcfg := cfg.Copy()
	rcfg.RuntimeParams["default_transaction_read_only"] = "on"
	r := stdlib.OpenDB(*rcfg, afterConnect)
	r.SetMaxOpenConns(postgresMaxConns / 2)
	r.SetMaxIdleConns(postgresMaxConns / 2)
	r.SetConnMaxIdleTime(5 * time.Minute)
	db.r, db.w = r, w
	return nil
}

// postgresRetryable reports a PostgreSQL error after which the whole
// transaction was rolled back and can be run again: a serialization failure
// or a deadlock.
func postgresRetryable(err error) bool {
	var e *pgconn.PgError
	if !errors.As(err, &e) {
		return false
	}
	switch e.Code {
	case "40001", // serialization_failure
		"40P01": // deadlock_detected
		return true
	}
	return false
}
