package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/store/storetest"
)

// runMigrations are a table shaped like the run store of analytics.
var runMigrations = []store.Migration{{
	Name: "runs",
	SQL: `
CREATE TABLE bench_run (
	uuid        TEXT PRIMARY KEY,
	flow        TEXT NOT NULL,
	contact     TEXT NOT NULL,
	responded   BOOLEAN NOT NULL,
	exit_type   TEXT,
	created_on  TIMESTAMPTZ NOT NULL,
	modified_on TIMESTAMPTZ NOT NULL,
	exited_on   TIMESTAMPTZ,
	path_len    INTEGER NOT NULL,
	results     TEXT NOT NULL
);
CREATE INDEX bench_run_flow_idx ON bench_run (flow, modified_on);
CREATE INDEX bench_run_contact_idx ON bench_run (contact);`,
}}

// runsUpsert keeps the newest version of each run, as an incremental fetch
// that meets a run again must.
var runsUpsert = store.Insert{
	Table:    "bench_run",
	Columns:  []string{"uuid", "flow", "contact", "responded", "exit_type", "created_on", "modified_on", "exited_on", "path_len", "results"},
	Conflict: []string{"uuid"},
	Update:   []string{"responded", "exit_type", "modified_on", "exited_on", "path_len", "results"},
	Where:    "bench_run.modified_on < excluded.modified_on",
}

var epoch = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)

// run returns the values of run i, in version v.
func run(i, v int) []any {
	created := epoch.Add(time.Duration(i) * time.Second)
	var exit any
	var exited any
	if i%3 != 0 {
		exit, exited = "completed", created.Add(time.Hour)
	}
	return []any{
		fmt.Sprintf("1c6d0b4e-5f1a-4d7e-9a3b-%012d", i),
		"8f8e1c2a-0d33-4c3e-b8a6-0f2d2e6f7a10",
		fmt.Sprintf("a1b2c3d4-0000-4000-8000-%012d", i%50000),
		i%3 != 0,
		exit,
		created,
		created.Add(time.Duration(v) * time.Minute),
		exited,
		3 + i%5,
		`{"stock_level":{"value":"12","category":"Has Stock","node":"b7a1f0e4-6c2d-4d1a-9b8e-3f5a2c1d0e9f","time":"2026-01-05T08:10:00Z"},"facility":{"value":"Kakata","category":"All Responses"}}`,
	}
}

func TestBatch(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := t.Context()
		if err := db.Migrate(ctx, "bench", runMigrations); err != nil {
			t.Fatal(err)
		}
		count := func(where string, args ...any) int {
			var n int
			if err := db.QueryRow(ctx, `SELECT count(*) FROM bench_run WHERE `+where, args...).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		write := func(ins store.Insert, rows ...[]any) int64 {
			var affected int64
			err := db.InTx(ctx, func(tx *store.Tx) error {
				b, err := tx.Batch(ins)
				if err != nil {
					return err
				}
				for _, r := range rows {
					if err := b.Add(ctx, r...); err != nil {
						return err
					}
				}
				if err := b.Flush(ctx); err != nil {
					return err
				}
				affected = b.Affected()
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			return affected
		}

		// 1,234 rows, 100 a statement: full statements and a tail.
		small := runsUpsert
		small.Rows = 100
		var rows [][]any
		for i := range 1234 {
			rows = append(rows, run(i, 1))
		}
		if n := write(small, rows...); n != 1234 {
			t.Errorf("Affected = %d, want 1234", n)
		}
		if n := count("true"); n != 1234 {
			t.Errorf("%d rows, want 1234", n)
		}

		// Upserts: an older version changes nothing, a newer one updates;
		// the same key twice in one batch ends with the later row, as one
		// statement each would.
		older, newer, twice1, twice2 := run(1, 0), run(2, 5), run(3, 6), run(3, 7)
		newer[8] = 99
		twice1[8], twice2[8] = 98, 97
		if n := write(small, older, newer, twice1, twice2); n != 3 {
			t.Errorf("Affected = %d, want 3 (the older version is skipped)", n)
		}
		if n := count("path_len >= 97"); n != 2 {
			t.Errorf("%d updated rows, want 2", n)
		}
		if n := count("uuid = $1 AND path_len = 97", twice2[0]); n != 1 {
			t.Error("the later of two rows with one key did not win")
		}
		var modified time.Time
		if err := db.QueryRow(ctx, `SELECT modified_on FROM bench_run WHERE uuid = $1`, older[0]).Scan(&modified); err != nil {
			t.Fatal(err)
		}
		if !modified.Equal(epoch.Add(time.Second + time.Minute)) {
			t.Errorf("the older version overwrote the newer: modified_on %v", modified)
		}

		// DO NOTHING keeps existing rows; a plain insert of one fails.
		keep := store.Insert{Table: "bench_run", Columns: runsUpsert.Columns, Conflict: []string{"uuid"}}
		if n := write(keep, run(5, 9), run(5000, 1)); n != 1 {
			t.Errorf("DO NOTHING: Affected = %d, want 1", n)
		}
		err := db.InTx(ctx, func(tx *store.Tx) error {
			b, err := tx.Batch(store.Insert{Table: "bench_run", Columns: runsUpsert.Columns})
			if err != nil {
				return err
			}
			b.Add(ctx, run(6, 1)...)
			return b.Flush(ctx)
		})
		if err == nil || !strings.Contains(err.Error(), "store: insert into bench_run:") {
			t.Errorf("a duplicate plain insert: %v", err)
		}
	})
}

func TestBatchMistakes(t *testing.T) {
	t.Parallel()
	db := storetest.Open(t, storetest.DSN(t, store.SQLite))
	for _, c := range []struct {
		ins  store.Insert
		want string
	}{
		{store.Insert{Table: "bench_run; DROP TABLE x", Columns: []string{"a"}}, "bad table name"},
		{store.Insert{Table: "bench_run"}, "no columns"},
		{store.Insert{Table: "bench_run", Columns: []string{"a b"}}, `bad column name "a b"`},
		{store.Insert{Table: "bench_run", Columns: []string{"a"}, Conflict: []string{"b"}}, `"b" is not among the columns`},
		{store.Insert{Table: "bench_run", Columns: []string{"a"}, Update: []string{"a"}}, "Update needs Conflict"},
		{store.Insert{Table: "bench_run", Columns: []string{"a"}, Conflict: []string{"a"}, Where: "true"}, "Where needs Update"},
	} {
		err := db.InTx(t.Context(), func(tx *store.Tx) error {
			_, err := tx.Batch(c.ins)
			return err
		})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Batch(%+v) = %v, want %q", c.ins, err, c.want)
		}
	}
	err := db.InTx(t.Context(), func(tx *store.Tx) error {
		b, err := tx.Batch(store.Insert{Table: "t", Columns: []string{"a", "b"}})
		if err != nil {
			return err
		}
		return b.Add(t.Context(), 1)
	})
	if err == nil || !strings.Contains(err.Error(), "1 values for 2 columns") {
		t.Errorf("Add with too few values: %v", err)
	}
}

// BenchmarkIngest loads b.N runs in transactions of 10,000, as a fetch of
// 40 pages of 250 would, with the batched upsert and, for comparison, one
// statement per row. The analytics goal is a million runs at 20,000 a
// second or more:
//
//	go test -run '^$' -bench 'Ingest/.*/batch' -benchtime=1000000x ./store
//
// with MHERO_TEST_POSTGRES set for the PostgreSQL half. On a shared machine
// the rows/s depend on its load; the CPU time of the test process (and of
// the server's processes) per row does not.
func BenchmarkIngest(b *testing.B) {
	for _, d := range storetest.Dialects {
		for _, mode := range []string{"batch", "row"} {
			b.Run(string(d)+"/"+mode, func(b *testing.B) {
				db := storetest.Open(b, storetest.DSN(b, d))
				ctx := context.Background()
				if err := db.Migrate(ctx, "bench", runMigrations); err != nil {
					b.Fatal(err)
				}
				const perTx = 10000
				b.ResetTimer()
				start := time.Now()
				for done := 0; done < b.N; done += perTx {
					n := min(perTx, b.N-done)
					err := db.InTx(ctx, func(tx *store.Tx) error {
						if mode == "row" {
							return ingestRows(ctx, tx, done, n)
						}
						batch, err := tx.Batch(runsUpsert)
						if err != nil {
							return err
						}
						for i := done; i < done+n; i++ {
							if err := batch.Add(ctx, run(i, 1)...); err != nil {
								return err
							}
						}
						if err := batch.Flush(ctx); err != nil {
							return err
						}
						return store.SetCursor(ctx, tx, "bench/runs", fmt.Sprint(done+n))
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "rows/s")
			})
		}
	}
}

// ingestRows writes runs one statement each, through a prepared statement.
func ingestRows(ctx context.Context, tx *store.Tx, from, n int) error {
	stmt, err := tx.Prepare(ctx, `INSERT INTO bench_run (uuid, flow, contact, responded, exit_type, created_on, modified_on, exited_on, path_len, results)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (uuid) DO UPDATE SET responded = excluded.responded, exit_type = excluded.exit_type, modified_on = excluded.modified_on,
	exited_on = excluded.exited_on, path_len = excluded.path_len, results = excluded.results
WHERE bench_run.modified_on < excluded.modified_on`)
	if err != nil {
		return err
	}
	for i := from; i < from+n; i++ {
		if _, err := stmt.ExecContext(ctx, run(i, 1)...); err != nil {
			return err
		}
	}
	return store.SetCursor(ctx, tx, "bench/runs", fmt.Sprint(from+n))
}
