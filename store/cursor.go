package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Cursor returns the value of the named cursor (a checkpoint: how far a
// job got, in the job's own encoding), and whether it was set. Name
// cursors after their owner: "analytics/runs/<flow uuid>".
func Cursor(ctx context.Context, q Querier, name string) (value string, ok bool, err error) {
	err = q.QueryRow(ctx, `SELECT value FROM store_cursor WHERE name = $1`, name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	return value, err == nil, err
}

// SetCursor sets the named cursor in tx: the transaction that writes what
// the job did up to that point, so the cursor never moves past work that
// was not saved, and work saved is never done again.
func SetCursor(ctx context.Context, tx *Tx, name, value string) error {
	_, err := tx.Exec(ctx, `
INSERT INTO store_cursor (name, value, updated_at) VALUES ($1, $2, $3)
ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
		name, value, time.Now())
	return err
}

// DeleteCursor removes the named cursor in tx, so that its job starts
// again from the beginning (a full reconcile).
func DeleteCursor(ctx context.Context, tx *Tx, name string) error {
	_, err := tx.Exec(ctx, `DELETE FROM store_cursor WHERE name = $1`, name)
	return err
}
