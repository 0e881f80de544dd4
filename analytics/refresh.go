package analytics

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
)

// Refresh fetches from RapidPro what changed since the last refresh — the
// workspace's flow starts, the runs of the tracked flows given (all of
// them when none is), and the messages sent for them — and says how each
// flow's headline numbers moved.
//
// Every batch of records is written in one transaction with the
// checkpoint that covers it, so a refresh cancelled or killed at any point
// loses nothing and counts nothing twice: the next one resumes where the
// last committed batch ended. A refresh reads each run again only when
// RapidPro has modified it, and each message again only while its status
// may still change (see [WithMessageSettle]). Refreshes of one workspace
// take turns, across processes too (a lock in the store). The first
// refresh or [Monitor.TrackRapidPro] of a Monitor also records the
// workspace's time zone ([Monitor.Location]).
func (m *Monitor) Refresh(ctx context.Context, rp *rapidpro.Client, flows ...string) (*Refreshed, error) {
	if err := m.checkClient(rp); err != nil {
		return nil, err
	}
	began := time.Now()
	lease, err := m.db.Lock(ctx, "analytics/refresh/"+m.workspace, m.cfg.holder, store.LockOptions{})
	if err != nil {
		return nil, fmt.Errorf("analytics: waiting for the refresh lock: %w", err)
	}
	defer lease.Release(context.WithoutCancel(ctx))

	if len(flows) == 0 {
		all, err := m.trackedUUIDs(ctx)
		if err != nil {
			return nil, err
		}
		flows = all
	}
	out := &Refreshed{Calls: map[string]int{}}
	if read, err := m.recordZone(ctx, rp); err != nil {
		return nil, err
	} else if read {
		out.Calls["v2"]++
	}
	r := &refresh{m: m, rp: rp, lease: lease, calls: out.Calls, cache: newWorkerCache(m.cfg.dir), out: out}
	for _, u := range flows {
		fr := FlowRefresh{}
		f, err := m.Flow(ctx, u)
		if err != nil {
			return nil, err
		}
		fr.Flow = f
		if err := m.db.QueryRow(ctx, `SELECT counts FROM analytics_flow WHERE workspace = $1 AND uuid = $2`, m.workspace, u).Scan(jsonScanner{&fr.Before}); err != nil {
			return nil, fmt.Errorf("analytics: reading the last counts of flow %s: %w", u, err)
		}
		out.Flows = append(out.Flows, fr)
	}

	if out.Starts, err = r.starts(ctx); err != nil {
		return out, err
	}
	for i := range out.Flows {
		if out.Flows[i].Runs, out.Flows[i].NewRuns, err = r.runs(ctx, out.Flows[i].Flow.UUID); err != nil {
			return out, err
		}
	}
	if out.Messages, err = r.messages(ctx); err != nil {
		return out, err
	}
	if m.cfg.dir != nil {
		r.progress(StageWorkers, "", 0)
		for _, fr := range out.Flows {
			if err := r.resolveWorkers(ctx, fr.Flow.UUID); err != nil {
				return out, err
			}
		}
	}
	for i := range out.Flows {
		fr := &out.Flows[i]
		now := m.cfg.now()
		if fr.After, err = m.recordCounts(ctx, fr.Flow.UUID, now); err != nil {
			return out, err
		}
		fr.Flow.RefreshedOn = now
	}
	r.progress(StageDone, "", 0)
	out.Took = time.Since(began)
	return out, nil
}

// recordCounts analyses a flow after a refresh and records its counts,
// which the next refresh compares with, and when it was refreshed.
func (m *Monitor) recordCounts(ctx context.Context, flowUUID string, now time.Time) (Counts, error) {
	a, err := m.Analyze(ctx, flowUUID, Filter{})
	if err != nil {
		return Counts{}, err
	}
	counts, _ := json.Marshal(a.Counts)
	if _, err := m.db.Exec(ctx, `UPDATE analytics_flow SET refreshed_on = $1, counts = $2 WHERE workspace = $3 AND uuid = $4`,
		now, string(counts), m.workspace, flowUUID); err != nil {
		return Counts{}, fmt.Errorf("analytics: recording the refresh of flow %s: %w", flowUUID, err)
	}
	return a.Counts, nil
}

func (m *Monitor) trackedUUIDs(ctx context.Context) ([]string, error) {
	rows, err := m.db.Query(ctx, `SELECT uuid FROM analytics_flow WHERE workspace = $1 ORDER BY uuid`, m.workspace)
	if err != nil {
		return nil, fmt.Errorf("analytics: listing flows: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// jsonScanner scans a JSON text column into a value.
type jsonScanner struct{ v any }

func (j jsonScanner) Scan(src any) error {
	switch s := src.(type) {
	case string:
		return json.Unmarshal([]byte(s), j.v)
	case []byte:
		return json.Unmarshal(s, j.v)
	case nil:
		return nil
	}
	return fmt.Errorf("analytics: cannot read %T as JSON", src)
}

// refresh is one Refresh under way.
type refresh struct {
	m     *Monitor
	rp    *rapidpro.Client
	lease *store.Lease
	calls map[string]int
	cache *workerCache
	out   *Refreshed
}

// invalid records the records of a page that did not decode.
func (r *refresh) invalid(what string, errs []*rapidpro.DecodeError) {
	for _, e := range errs {
		r.out.Warnings = append(r.out.Warnings, fmt.Sprintf("%s %s left out: %v", what, cmp.Or(e.ID, "(no id)"), e))
	}
}

func (r *refresh) progress(stage Stage, flow string, done int) {
	if r.m.cfg.progress != nil {
		r.m.cfg.progress(Progress{Stage: stage, Flow: flow, Done: done, Calls: maps.Clone(r.calls)})
	}
}

// loadCursor reads a cursor holding JSON into v (left as it is when the
// cursor was never set).
func loadCursor(ctx context.Context, db *store.DB, name string, v any) error {
	s, ok, err := store.Cursor(ctx, db, name)
	if err != nil || !ok {
		return err
	}
	if err := json.Unmarshal([]byte(s), v); err != nil {
		return fmt.Errorf("analytics: cursor %s: %w", name, err)
	}
	return nil
}

// saveCursor sets a cursor to v as JSON, in the transaction of the work it
// covers.
func saveCursor(ctx context.Context, tx *store.Tx, name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return store.SetCursor(ctx, tx, name, string(b))
}

// starts fetches the workspace's flow starts modified since the last
// refresh (all of them: a flow tracked later finds its earlier sends).
func (r *refresh) starts(ctx context.Context) (int, error) {
	name := "analytics/starts/" + r.m.workspace
	var cp rapidpro.Checkpoint
	if err := loadCursor(ctx, r.m.db, name, &cp); err != nil {
		return 0, err
	}
	n := 0
	cursor := ""
	for {
		page, err := r.rp.FlowStarts.ListPage(ctx, &rapidpro.FlowStartListParams{After: cp.After, Reverse: true, Cursor: cursor})
		r.calls["v2"]++
		if err != nil {
			return n, fmt.Errorf("analytics: reading flow starts: %w", err)
		}
		r.invalid("flow start", page.Invalid)
		var fresh []rapidpro.FlowStart
		next := cp
		for _, s := range page.Results {
			if seenBy(cp, s.ModifiedOn.Time, s.UUID) {
				continue
			}
			fresh = append(fresh, s)
			next.Observe(s.ModifiedOn.Time, s.UUID)
		}
		err = r.m.db.InTx(ctx, func(tx *store.Tx) error {
			if err := r.lease.Check(ctx, tx); err != nil {
				return err
			}
			for _, s := range fresh {
				groups := make([]string, 0, len(s.Groups))
				for _, g := range s.Groups {
					groups = append(groups, g.Name)
				}
				gj, _ := json.Marshal(groups)
				if _, err := tx.Exec(ctx, `
INSERT INTO analytics_send (workspace, uuid, flow_uuid, status, groups, contacts, created_on, modified_on)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (workspace, uuid) DO UPDATE SET flow_uuid = excluded.flow_uuid, status = excluded.status,
	groups = excluded.groups, contacts = excluded.contacts, created_on = excluded.created_on, modified_on = excluded.modified_on`,
					r.m.workspace, s.UUID, s.Flow.UUID, s.Status, string(gj), len(s.Contacts), s.CreatedOn.Time, s.ModifiedOn.Time); err != nil {
					return fmt.Errorf("analytics: recording flow start %s: %w", s.UUID, err)
				}
			}
			return saveCursor(ctx, tx, name, next)
		})
		if err != nil {
			return n, err
		}
		cp = next
		n += len(fresh)
		r.progress(StageStarts, "", n)
		if page.Next == "" || page.Next == cursor {
			return n, nil
		}
		cursor = page.Next
	}
}

// seenBy reports whether a checkpoint already covers an object (RapidPro's
// after filter is inclusive).
func seenBy(cp rapidpro.Checkpoint, modified time.Time, id string) bool {
	if cp.After.IsZero() {
		return false
	}
	return modified.Before(cp.After) || (modified.Equal(cp.After) && slices.Contains(cp.Seen, id))
}

// runs fetches a flow's runs modified since its checkpoint, and writes
// them in batches of up to Monitor's batch size (a page, when pages come
// slowly), each with the checkpoint after it.
func (r *refresh) runs(ctx context.Context, flowUUID string) (total, fresh int, err error) {
	name := runsCursor(r.m.workspace, flowUUID)
	var cp rapidpro.Checkpoint
	if err := loadCursor(ctx, r.m.db, name, &cp); err != nil {
		return 0, 0, err
	}
	var buf []rapidpro.Run
	var since time.Time
	// flush writes the runs read, a batch a transaction, each with the
	// checkpoint just after its last run.
	flush := func() error {
		for len(buf) > 0 {
			chunk := buf[:min(len(buf), r.m.cfg.batch)]
			next := cp
			for _, run := range chunk {
				next.Observe(run.ModifiedOn.Time, run.UUID)
			}
			workers, err := r.workersOf(ctx, chunk)
			if err != nil {
				return err
			}
			var res batchResult
			err = r.m.db.InTx(ctx, func(tx *store.Tx) error {
				if err := r.lease.Check(ctx, tx); err != nil {
					return err
				}
				var err error
				if res, err = r.m.writeRuns(ctx, tx, flowUUID, chunk, workers, r.cache.ids); err != nil {
					return err
				}
				return saveCursor(ctx, tx, name, next)
			})
			if err != nil {
				return err
			}
			maps.Copy(r.cache.ids, res.addedWorkers)
			cp = next
			total += res.runs
			fresh += res.newRuns
			buf = buf[len(chunk):]
			r.progress(StageRuns, flowUUID, total)
		}
		buf = nil
		return nil
	}
	cursor := ""
	for {
		page, err := r.rp.Runs.ListPage(ctx, &rapidpro.RunListParams{Flow: flowUUID, After: cp.After, Reverse: true, Cursor: cursor})
		r.calls["runs"]++
		if err != nil {
			// What was read and not written is read again next time.
			return total, fresh, fmt.Errorf("analytics: reading the runs of flow %s: %w", flowUUID, err)
		}
		r.invalid("run", page.Invalid)
		if len(buf) == 0 {
			since = time.Now()
		}
		for _, run := range page.Results {
			// (A run modified while the pages are read may come twice; the
			// later one wins when they are written.)
			if seenBy(cp, run.ModifiedOn.Time, run.UUID) {
				continue
			}
			buf = append(buf, run)
		}
		last := page.Next == "" || page.Next == cursor
		if last || len(buf) >= r.m.cfg.batch || time.Since(since) > time.Second {
			if err := flush(); err != nil {
				return total, fresh, err
			}
		}
		if last {
			return total, fresh, nil
		}
		cursor = page.Next
	}
}

// workersOf looks up the worker of each run not stored with one yet.
func (r *refresh) workersOf(ctx context.Context, runs []rapidpro.Run) ([]*known, error) {
	out := make([]*known, len(runs))
	if r.m.cfg.dir == nil {
		return out, nil
	}
	stored := map[string]bool{}
	uuids := make([]any, len(runs))
	for i := range runs {
		uuids[i] = runs[i].UUID
	}
	for _, part := range chunks(uuids) {
		rows, err := r.m.db.Query(ctx, anonymous(r.m.db, `SELECT d.uuid FROM analytics_run_detail d JOIN analytics_run x ON x.id = d.id
			WHERE x.worker_id <> 0 AND d.uuid IN (`+placeholders(1, len(part))+`)`), part...)
		if err != nil {
			return nil, fmt.Errorf("analytics: reading runs: %w", err)
		}
		for rows.Next() {
			var u string
			if err := rows.Scan(&u); err != nil {
				rows.Close()
				return nil, err
			}
			stored[u] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for i := range runs {
		if stored[runs[i].UUID] {
			continue
		}
		var err error
		if out[i], err = r.cache.at(ctx, runs[i].Contact.UUID, runs[i].CreatedOn.Time); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// resolveWorkers looks up again the workers of a flow's runs stored
// without one (the contact was synced after the run began, say).
func (r *refresh) resolveWorkers(ctx context.Context, flowUUID string) error {
	fs, err := loadFlow(ctx, r.m.db, r.m.workspace, flowUUID)
	if err != nil {
		return err
	}
	rows, err := r.m.db.Query(ctx, `SELECT r.id, d.contact_uuid, r.created_on FROM analytics_run r JOIN analytics_run_detail d ON d.id = r.id
		WHERE r.flow_id = $1 AND r.worker_id = 0`, fs.id)
	if err != nil {
		return fmt.Errorf("analytics: reading runs without a worker: %w", err)
	}
	type found struct {
		id int64
		w  *known
	}
	var todo []found
	for rows.Next() {
		var id int64
		var contact string
		var at time.Time
		if err := rows.Scan(&id, &contact, &at); err != nil {
			rows.Close()
			return err
		}
		w, err := r.cache.at(ctx, contact, at)
		if err != nil {
			rows.Close()
			return err
		}
		if w != nil {
			todo = append(todo, found{id, w})
		}
		if len(todo) >= r.m.cfg.batch {
			break // the rest next time: memory stays bounded
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(todo) == 0 {
		return nil
	}
	var added map[string]int64
	err = r.m.db.InTx(ctx, func(tx *store.Tx) error {
		if err := r.lease.Check(ctx, tx); err != nil {
			return err
		}
		ws := make([]*known, len(todo))
		for i := range todo {
			ws[i] = todo[i].w
		}
		var ids []int64
		var err error
		if ids, added, err = internWorkers(ctx, tx, ws, r.cache.ids); err != nil {
			return err
		}
		for i, f := range todo {
			if _, err := tx.Exec(ctx, `UPDATE analytics_run SET worker_id = $1 WHERE id = $2 AND worker_id = 0`, ids[i], f.id); err != nil {
				return fmt.Errorf("analytics: recording a run's worker: %w", err)
			}
		}
		return nil
	})
	if err == nil {
		maps.Copy(r.cache.ids, added)
	}
	return err
}

// messageCursor is the state of the sweeps over the workspace's messages,
// which RapidPro lists newest first by creation time only: a sweep reads
// from the newest message down to From, and resumes from Next when
// interrupted; once done, the next sweep starts from After.
type messageCursor struct {
	// After is where the next sweep will stop: the newest message the last
	// one saw, or the oldest whose status could still change.
	After time.Time `json:"after,omitzero"`
	// The sweep under way, if any: its lower bound, the page to read
	// next, the newest message it saw, the oldest unsettled one, and the
	// flows it will have covered in full.
	From      time.Time `json:"from,omitzero"`
	Next      string    `json:"next,omitempty"`
	Top       time.Time `json:"top,omitzero"`
	Unsettled time.Time `json:"unsettled,omitzero"`
	Covering  []int64   `json:"covering,omitempty"`
	Active    bool      `json:"active,omitempty"`
}

// settled reports a message status that will not change.
func settled(status string) bool {
	switch status {
	case "delivered", "read", "failed", "handled":
		return true
	}
	return false
}

// messages sweeps the workspace's messages down to the last sweep's mark
// (or further, for flows whose earlier messages were never read), keeping
// those of tracked flows, and gives them to their runs.
func (r *refresh) messages(ctx context.Context) (int, error) {
	name := "analytics/messages/" + r.m.workspace
	var mc messageCursor
	if err := loadCursor(ctx, r.m.db, name, &mc); err != nil {
		return 0, err
	}
	flows := map[string]int64{}
	rows, err := r.m.db.Query(ctx, `SELECT f.uuid, f.id, f.messages_covered, (SELECT MIN(r.created_on) FROM analytics_run r WHERE r.flow_id = f.id)
		FROM analytics_flow f WHERE f.workspace = $1`, r.m.workspace)
	if err != nil {
		return 0, fmt.Errorf("analytics: reading flows: %w", err)
	}
	var from time.Time
	var covering []int64
	for rows.Next() {
		var u string
		var id int64
		var covered bool
		var first time.Time
		if err := rows.Scan(&u, &id, &covered, store.ScanTime(&first)); err != nil {
			rows.Close()
			return 0, err
		}
		flows[u] = id
		if first.IsZero() {
			continue // no run yet, so no message either
		}
		if !covered {
			covering = append(covering, id)
			if from.IsZero() || first.Before(from) {
				from = first
			}
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if !mc.Active {
		switch {
		case len(covering) == 0 && mc.After.IsZero():
			return 0, nil // nothing tracked has runs yet
		case len(covering) == 0:
			from = mc.After
		case !mc.After.IsZero() && mc.After.Before(from):
			from = mc.After
		}
		mc = messageCursor{After: mc.After, From: from, Covering: covering, Active: true}
	}
	n := 0
	for {
		page, err := r.rp.Messages.ListPage(ctx, &rapidpro.MessageListParams{After: mc.From, Cursor: mc.Next})
		r.calls["messages"]++
		if err != nil {
			return n, fmt.Errorf("analytics: reading messages: %w", err)
		}
		r.invalid("message", page.Invalid)
		next := mc
		var keep []rapidpro.Message
		for _, msg := range page.Results {
			t := msg.CreatedOn.Time
			if t.After(next.Top) {
				next.Top = t
			}
			if msg.Flow == nil || msg.Contact.UUID == "" {
				continue
			}
			if _, ok := flows[msg.Flow.UUID]; !ok {
				continue
			}
			keep = append(keep, msg)
			if !settled(msg.Status) && (next.Unsettled.IsZero() || t.Before(next.Unsettled)) {
				next.Unsettled = t
			}
		}
		done := page.Next == "" || page.Next == mc.Next
		next.Next = page.Next
		if done {
			after := next.Top
			if after.IsZero() {
				after = mc.From
			}
			horizon := next.Top.Add(-r.m.cfg.settle)
			if !next.Unsettled.IsZero() && next.Unsettled.Before(after) && next.Unsettled.After(horizon) {
				after = next.Unsettled
			}
			next = messageCursor{After: after}
		}
		err = r.m.db.InTx(ctx, func(tx *store.Tx) error {
			if err := r.lease.Check(ctx, tx); err != nil {
				return err
			}
			if err := writeMessages(ctx, tx, flows, keep); err != nil {
				return err
			}
			if done {
				for _, id := range mc.Covering {
					if _, err := tx.Exec(ctx, `UPDATE analytics_flow SET messages_covered = TRUE WHERE id = $1`, id); err != nil {
						return err
					}
				}
			}
			return saveCursor(ctx, tx, name, next)
		})
		if err != nil {
			return n, err
		}
		n += len(keep)
		r.progress(StageMessages, "", n)
		if done {
			return n, nil
		}
		mc = next
	}
}

// writeMessages stores messages of tracked flows and links them to their
// runs.
func writeMessages(ctx context.Context, tx *store.Tx, flows map[string]int64, msgs []rapidpro.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	b, err := tx.Batch(store.Insert{
		Table:    "analytics_message",
		Columns:  []string{"uuid", "flow_id", "contact_uuid", "direction", "status", "created_on", "modified_on"},
		Conflict: []string{"uuid"},
		Update:   []string{"status", "modified_on"},
	})
	if err != nil {
		return err
	}
	pairs := map[int64][]any{}
	seen := map[[2]string]bool{}
	for _, msg := range msgs {
		id := flows[msg.Flow.UUID]
		var modified any
		if !msg.ModifiedOn.IsZero() {
			modified = msg.ModifiedOn.Time
		}
		if err := b.Add(ctx, msg.UUID, id, msg.Contact.UUID, msg.Direction, msg.Status, msg.CreatedOn.Time, modified); err != nil {
			return err
		}
		k := [2]string{msg.Flow.UUID, msg.Contact.UUID}
		if !seen[k] {
			seen[k] = true
			pairs[id] = append(pairs[id], msg.Contact.UUID)
		}
	}
	if err := b.Flush(ctx); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(pairs)) {
		if err := linkMessages(ctx, tx, id, pairs[id], false); err != nil {
			return err
		}
	}
	return nil
}
