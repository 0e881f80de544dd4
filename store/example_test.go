package store_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/mhero-go/mhero/store"
)

// A package keeps its migrations in one slice it only appends to.
var exampleMigrations = []store.Migration{{
	Name: "runs",
	SQL: `
CREATE TABLE example_run (
	uuid        TEXT PRIMARY KEY,
	responded   BOOLEAN NOT NULL,
	modified_on TIMESTAMPTZ NOT NULL
);`,
}}

// An incremental fetch writes a page of runs and moves its cursor in one
// transaction: killed at any point, it resumes where the saved work ends.
func Example() {
	dir, _ := os.MkdirTemp("", "store-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()

	db, err := store.Open(ctx, filepath.Join(dir, "mhero.db")) // or a postgres:// URL
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	if err := db.Migrate(ctx, "example", exampleMigrations); err != nil {
		log.Fatal(err)
	}

	page := []struct {
		uuid      string
		responded bool
		modified  time.Time
	}{
		{"run-1", true, time.Date(2026, 5, 4, 9, 30, 0, 0, time.UTC)},
		{"run-2", false, time.Date(2026, 5, 4, 9, 31, 0, 0, time.UTC)},
	}
	err = db.InTx(ctx, func(tx *store.Tx) error {
		b, err := tx.Batch(store.Insert{
			Table:    "example_run",
			Columns:  []string{"uuid", "responded", "modified_on"},
			Conflict: []string{"uuid"},
			Update:   []string{"responded", "modified_on"},
		})
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := b.Add(ctx, r.uuid, r.responded, r.modified); err != nil {
				return err
			}
		}
		if err := b.Flush(ctx); err != nil {
			return err
		}
		return store.SetCursor(ctx, tx, "example/runs", page[len(page)-1].modified.Format(time.RFC3339))
	})
	if err != nil {
		log.Fatal(err)
	}

	var responded int
	db.QueryRow(ctx, `SELECT count(*) FROM example_run WHERE responded`).Scan(&responded)
	cursor, _, _ := store.Cursor(ctx, db, "example/runs")
	fmt.Println("responded:", responded, "cursor:", cursor)
	// Output: responded: 1 cursor: 2026-05-04T09:31:00Z
}

// Two syncs of one workspace cannot run at once: the second is told who
// runs the first, and since when.
func ExampleDB_TryLock() {
	dir, _ := os.MkdirTemp("", "store-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := store.Open(ctx, filepath.Join(dir, "mhero.db"))
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()

	first, err := db.TryLock(ctx, "target/sync/ws-1", "target sync by alice", store.LockOptions{})
	if err != nil {
		log.Fatal(err)
	}
	defer first.Release(ctx)

	_, err = db.TryLock(ctx, "target/sync/ws-1", "target sync by bob", store.LockOptions{})
	var locked *store.LockedError
	if errors.As(err, &locked) {
		fmt.Println("held by:", locked.Holder, "since the first took it:", locked.Since.Equal(first.Since))
	}
	// Output: held by: target sync by alice since the first took it: true
}
