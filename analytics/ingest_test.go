package analytics

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
)

// TestWriteRunsAgain writes runs as refreshes meet them: new runs, one of
// them twice in a batch (modified while the pages were read), then new
// versions of stored runs among new runs. New runs and stored ones are
// written differently (a plain insert, an upsert): each run must be stored
// once, in its latest version.
func TestWriteRunsAgain(t *testing.T) {
	t.Parallel()
	g := newRunGen(t)
	eachDB(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		m, err := New(ctx, db, g.workspace, WithDirectory(g.directory()))
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Track(ctx, g.f); err != nil {
			t.Fatal(err)
		}
		cache := newWorkerCache(m.cfg.dir)
		write := func(runs []rapidpro.Run) batchResult {
			t.Helper()
			workers := make([]*known, len(runs))
			for i := range runs {
				if workers[i], err = cache.at(ctx, runs[i].Contact.UUID, runs[i].CreatedOn.Time); err != nil {
					t.Fatal(err)
				}
			}
			var res batchResult
			err := db.InTx(ctx, func(tx *store.Tx) error {
				var err error
				res, err = m.writeRuns(ctx, tx, g.f.UUID, runs, workers, cache.ids)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			maps.Copy(cache.ids, res.addedWorkers)
			return res
		}
		// later is run i, interrupted an hour after its last change.
		later := func(i int) rapidpro.Run {
			r := g.run(i)
			r.ExitType = "interrupted"
			r.ModifiedOn.Time = r.ModifiedOn.Add(time.Hour)
			r.ExitedOn = r.ModifiedOn
			return r
		}
		count := func(q string) int {
			t.Helper()
			var n int
			if err := db.QueryRow(ctx, q).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}

		var batch []rapidpro.Run
		for i := range 600 {
			batch = append(batch, g.run(i))
			if i == 400 {
				batch = append(batch, later(5))
			}
		}
		if res := write(batch); res.runs != 601 || res.newRuns != 600 {
			t.Fatalf("first batch: %d runs written, %d new; want 601, 600", res.runs, res.newRuns)
		}
		batch = batch[:0]
		// Enough stored runs for the upserts to be written before the
		// batch ends, and a new run twice among them.
		for i := range 300 {
			batch = append(batch, later(i), g.run(600+i))
			if i == 10 {
				batch = append(batch, later(600))
			}
		}
		if res := write(batch); res.runs != 601 || res.newRuns != 300 {
			t.Fatalf("second batch: %d runs written, %d new; want 601, 300", res.runs, res.newRuns)
		}

		if n := count(`SELECT COUNT(*) FROM analytics_run`); n != 900 {
			t.Errorf("%d runs stored, want 900", n)
		}
		if n := count(`SELECT COUNT(*) FROM analytics_run r JOIN analytics_run_detail d ON d.id = r.id`); n != 900 {
			t.Errorf("%d runs with their detail, want 900", n)
		}
		if n := count(`SELECT COUNT(*) FROM analytics_run r JOIN analytics_run_detail d ON d.id = r.id
			WHERE r.exit_type = 'interrupted' AND d.exited_on = d.modified_on`); n != 301 {
			t.Errorf("%d runs in their later version, want 301", n)
		}
		if n := count(`SELECT COUNT(DISTINCT worker_id) FROM analytics_run WHERE worker_id > 0`); n != 900 {
			t.Errorf("%d workers recorded, want 900", n)
		}
		a, err := m.Analyze(ctx, g.f.UUID, Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if a.Counts.Contacted != 900 || a.Counts.Interrupted != 301 {
			t.Errorf("analysis: %d contacted, %d interrupted; want 900, 301", a.Counts.Contacted, a.Counts.Interrupted)
		}
	})
}
