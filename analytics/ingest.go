package analytics

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
)

// maxIn bounds the values of one IN list (PostgreSQL and SQLite take far
// more; this keeps statements small).
const maxIn = 500

// anonymous rewrites a statement's numbered parameters ($1, $2, …) as
// SQLite's anonymous ones (?) when q is SQLite: SQLite finds a numbered
// parameter by a linear search, which makes a statement with hundreds of
// them (an IN list) slow to prepare. Each $n must appear once, in order.
func anonymous(q store.Querier, stmt string) string {
	if q.Dialect() != store.SQLite {
		return stmt
	}
	return numbered.ReplaceAllString(stmt, "?")
}

var numbered = regexp.MustCompile(`\$[0-9]+`)

// placeholders returns "$from, $from+1, …" for n parameters.
func placeholders(from, n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('$')
		b.WriteString(strconv.Itoa(from + i))
	}
	return b.String()
}

// chunks splits list into slices of at most maxIn.
func chunks[T any](list []T) [][]T {
	var out [][]T
	for len(list) > maxIn {
		out = append(out, list[:maxIn])
		list = list[maxIn:]
	}
	if len(list) > 0 {
		out = append(out, list)
	}
	return out
}

// batchResult says what a batch of runs changed.
type batchResult struct {
	runs, newRuns int
	addedWorkers  map[string]int64
}

// ingester turns RapidPro runs into rows. Its buffers are reused from run
// to run, so that an ingest of a million runs allocates little.
type ingester struct {
	fs      *flowState
	asks    []int
	first   []time.Time
	facts   []fact
	values  []storedValue
	steps   []storedStep
	keys    []string
	factBuf []byte
}

// digest computes a run's facts, values and path against fs (adding the
// questions, categories and nodes it meets for the first time).
func (in *ingester) digest(r *rapidpro.Run) (facts, results, path string) {
	fs := in.fs
	created := r.CreatedOn.Time

	// Values first: one from a node the definition did not show makes the
	// node ask its question, for this run's path too.
	in.keys = in.keys[:0]
	for k := range r.Values {
		in.keys = append(in.keys, k)
	}
	slices.Sort(in.keys)
	for _, k := range in.keys {
		v := r.Values[k]
		qu := fs.question(k, v.Name)
		if v.Node != "" && !slices.Contains(qu.nodes, v.Node) {
			qu.nodes = append(qu.nodes, v.Node)
			qu.dirty = true
			n := fs.node(v.Node)
			fs.nodeQ[n] = append(fs.nodeQ[n], qu.idx)
		}
	}

	nq := len(fs.questions)
	in.asks = slices.Grow(in.asks[:0], nq)[:nq]
	in.first = slices.Grow(in.first[:0], nq)[:nq]
	clear(in.asks)
	clear(in.first)
	in.steps = in.steps[:0]
	for _, s := range r.Path {
		n := fs.node(s.Node)
		in.steps = append(in.steps, storedStep{node: n, ms: s.Time.Sub(created).Milliseconds()})
		for _, q := range fs.nodeQ[n] {
			if in.asks[q] == 0 {
				in.first[q] = s.Time.Time
			}
			in.asks[q]++
		}
	}

	in.facts = in.facts[:0]
	in.values = in.values[:0]
	for q := range nq {
		if in.asks[q] > 0 {
			in.facts = append(in.facts, fact{q: q, cat: -1, asks: in.asks[q], wait: -1})
		}
	}
	for _, k := range in.keys {
		v := r.Values[k]
		qu := fs.byKey[k]
		cat := qu.category(v.Category)
		in.values = append(in.values, storedValue{q: qu.idx, ms: v.Time.Sub(created).Milliseconds(), value: v.Value})
		i := slices.IndexFunc(in.facts, func(f fact) bool { return f.q == qu.idx })
		if i < 0 {
			in.facts = append(in.facts, fact{q: qu.idx, cat: cat, asks: 0, wait: -1})
			continue
		}
		in.facts[i].cat = cat
		if cat != qu.timeoutIdx && !v.Time.IsZero() {
			in.facts[i].wait = max(0, int64(v.Time.Sub(in.first[qu.idx]).Seconds()))
		}
	}
	// In the order asked; values never asked (no path) by their time.
	valueTime := func(q int) time.Time {
		for _, v := range in.values {
			if v.q == q {
				return created.Add(time.Duration(v.ms) * time.Millisecond)
			}
		}
		return time.Time{}
	}
	slices.SortStableFunc(in.facts, func(a, b fact) int {
		ta, tb := in.first[a.q], in.first[b.q]
		if a.asks == 0 {
			ta = valueTime(a.q)
		}
		if b.asks == 0 {
			tb = valueTime(b.q)
		}
		if c := ta.Compare(tb); c != 0 {
			return c
		}
		return fs.questions[a.q].position - fs.questions[b.q].position
	})
	in.factBuf = appendFacts(in.factBuf[:0], in.facts)
	facts = string(in.factBuf)
	in.factBuf = appendValues(in.factBuf[:0], in.values)
	results = string(in.factBuf)
	in.factBuf = appendPath(in.factBuf[:0], in.steps)
	path = string(in.factBuf)
	return facts, results, path
}

// writeRuns writes a batch of runs of one flow in tx: new runs are added,
// runs seen before are brought up to date (keeping the worker recorded when
// they began). workers[i] is runs[i]'s worker, nil when unknown; ids and
// the result's addedWorkers are as for internWorkers.
func (m *Monitor) writeRuns(ctx context.Context, tx *store.Tx, flowUUID string, runs []rapidpro.Run, workers []*known, ids map[string]int64) (batchResult, error) {
	var res batchResult
	fs, err := loadFlow(ctx, tx, m.workspace, flowUUID)
	if err != nil {
		return res, err
	}
	// The runs seen before, with their worker.
	type prior struct {
		id, worker int64
	}
	existing := make(map[string]prior, len(runs))
	uuids := make([]any, 0, len(runs))
	for i := range runs {
		uuids = append(uuids, runs[i].UUID)
	}
	for _, part := range chunks(uuids) {
		rows, err := tx.Query(ctx, anonymous(tx, `SELECT d.uuid, d.id, r.worker_id FROM analytics_run_detail d JOIN analytics_run r ON r.id = d.id
			WHERE d.uuid IN (`+placeholders(1, len(part))+`)`), part...)
		if err != nil {
			return res, fmt.Errorf("analytics: reading runs: %w", err)
		}
		for rows.Next() {
			var u string
			var k prior
			if err := rows.Scan(&u, &k.id, &k.worker); err != nil {
				rows.Close()
				return res, err
			}
			existing[u] = k
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return res, err
		}
	}
	sends, err := m.internSends(ctx, tx, flowUUID, runs)
	if err != nil {
		return res, err
	}
	workerIDs, added, err := internWorkers(ctx, tx, workers, ids)
	if err != nil {
		return res, err
	}
	res.addedWorkers = added

	var nextID int64
	if len(existing) < len(runs) {
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM analytics_run`).Scan(&nextID); err != nil {
			return res, fmt.Errorf("analytics: allocating run ids: %w", err)
		}
	}
	// New runs are plain inserts (a COPY on PostgreSQL), runs seen before
	// upserts: an upsert costs the database a check of the key first.
	runIns := store.Insert{
		Table: "analytics_run",
		Columns: []string{"id", "flow_id", "send_id", "worker_id", "created_on", "exit_type", "responded",
			"answered", "misfits", "replied", "stop_q", "answered_all", "state", "facts"},
	}
	detailIns := store.Insert{
		Table:   "analytics_run_detail",
		Columns: []string{"id", "uuid", "flow_id", "contact_uuid", "urn", "name", "created_on", "modified_on", "exited_on", "results", "path"},
	}
	newRun, err := tx.Batch(runIns)
	if err != nil {
		return res, err
	}
	newDetail, err := tx.Batch(detailIns)
	if err != nil {
		return res, err
	}
	runIns.Conflict, runIns.Update = []string{"id"}, []string{"worker_id", "exit_type", "responded", "answered", "misfits", "replied", "stop_q", "answered_all", "state", "facts"}
	detailIns.Conflict, detailIns.Update = []string{"id"}, []string{"urn", "name", "modified_on", "exited_on", "results", "path"}
	runBatch, err := tx.Batch(runIns)
	if err != nil {
		return res, err
	}
	detailBatch, err := tx.Batch(detailIns)
	if err != nil {
		return res, err
	}
	in := &ingester{fs: fs}
	var fresh []any // contacts of new runs
	seen := make(map[string]int64, len(runs))
	for i := range runs {
		r := &runs[i]
		k, ok := existing[r.UUID]
		isNew := false
		if !ok {
			// A run twice in one batch (modified while the pages were
			// read) takes the id given to it the first time.
			if id, dup := seen[r.UUID]; dup {
				k = prior{id: id}
				// Its first version must be written before the upsert.
				if err := newRun.Flush(ctx); err != nil {
					return res, err
				}
				if err := newDetail.Flush(ctx); err != nil {
					return res, err
				}
			} else {
				nextID++
				k = prior{id: nextID}
				res.newRuns++
				fresh = append(fresh, r.Contact.UUID)
				isNew = true
			}
		}
		seen[r.UUID] = k.id
		runB, detailB := runBatch, detailBatch
		if isNew {
			runB, detailB = newRun, newDetail
		}
		worker := k.worker
		if worker == 0 {
			worker = workerIDs[i]
		}
		facts, results, path := in.digest(r)
		var exited any
		if !r.ExitedOn.IsZero() {
			exited = r.ExitedOn.Time
		}
		o := judge(fs, r.ExitType, in.facts)
		if err := runB.Add(ctx, k.id, fs.id, sends[i], worker, r.CreatedOn.Time, r.ExitType, r.Responded,
			o.answered, int64(o.misfits), int64(o.replied), o.stopAt, o.answeredAll, packState(r.ExitType, r.Responded, o), facts); err != nil {
			return res, err
		}
		urn := r.Contact.URN
		if urn == "" {
			urn = r.Contact.AnonDisplay
		}
		if err := detailB.Add(ctx, k.id, r.UUID, fs.id, r.Contact.UUID, urn, r.Contact.Name, r.CreatedOn.Time, r.ModifiedOn.Time, exited, results, path); err != nil {
			return res, err
		}
		res.runs++
	}
	for _, b := range []*store.Batch{newRun, newDetail, runBatch, detailBatch} {
		if err := b.Flush(ctx); err != nil {
			return res, err
		}
	}
	if err := fs.save(ctx, tx); err != nil {
		return res, err
	}
	// Messages fetched before their run belong to it now.
	if len(fresh) > 0 {
		if err := linkMessages(ctx, tx, fs.id, fresh, true); err != nil {
			return res, err
		}
	}
	return res, nil
}

// internSends returns the analytics_send id of each run's flow start,
// adding the starts not seen yet (a start made by a trigger is never
// listed by the flow_starts endpoint; its first run dates it). Runs no
// start made get 0.
func (m *Monitor) internSends(ctx context.Context, tx *store.Tx, flowUUID string, runs []rapidpro.Run) ([]int64, error) {
	out := make([]int64, len(runs))
	first := map[string]time.Time{}
	var list []any
	for i := range runs {
		if s := runs[i].Start; s != nil && s.UUID != "" {
			t, ok := first[s.UUID]
			if !ok {
				list = append(list, s.UUID)
			}
			if !ok || runs[i].CreatedOn.Before(t) {
				first[s.UUID] = runs[i].CreatedOn.Time
			}
		}
	}
	if len(list) == 0 {
		return out, nil
	}
	ids := map[string]int64{}
	created := map[string]time.Time{}
	for _, part := range chunks(list) {
		rows, err := tx.Query(ctx, anonymous(tx, `SELECT uuid, id, created_on FROM analytics_send WHERE workspace = $1 AND uuid IN (`+placeholders(2, len(part))+`)`),
			append([]any{m.workspace}, part...)...)
		if err != nil {
			return nil, fmt.Errorf("analytics: reading sends: %w", err)
		}
		for rows.Next() {
			var u string
			var id int64
			var t time.Time
			if err := rows.Scan(&u, &id, &t); err != nil {
				rows.Close()
				return nil, err
			}
			ids[u], created[u] = id, t
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	for _, v := range list {
		u := v.(string)
		if id, ok := ids[u]; ok {
			// A start known only from its runs is dated by its earliest.
			if first[u].Before(created[u]) {
				if _, err := tx.Exec(ctx, `UPDATE analytics_send SET created_on = $1 WHERE id = $2 AND status = ''`, first[u], id); err != nil {
					return nil, err
				}
			}
			continue
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO analytics_send (workspace, uuid, flow_uuid, status, groups, contacts, created_on)
			VALUES ($1, $2, $3, '', '[]', 0, $4) RETURNING id`, m.workspace, u, flowUUID, first[u]).Scan(&id); err != nil {
			return nil, fmt.Errorf("analytics: recording send %s: %w", u, err)
		}
		ids[u] = id
	}
	for i := range runs {
		if s := runs[i].Start; s != nil && s.UUID != "" {
			out[i] = ids[s.UUID]
		}
	}
	return out, nil
}

// internWorkers returns the analytics_worker id of each worker (0 for
// unknown ones), adding the attribute sets not stored yet. ids holds the
// ids known to be committed; the ids given in this transaction are
// returned in added, to be remembered once it commits.
func internWorkers(ctx context.Context, tx *store.Tx, workers []*known, ids map[string]int64) (out []int64, added map[string]int64, err error) {
	out = make([]int64, len(workers))
	added = map[string]int64{}
	var list []any
	want := map[string]*known{}
	for _, w := range workers {
		if w == nil {
			continue
		}
		if _, ok := ids[w.fp]; ok {
			continue
		}
		if _, ok := want[w.fp]; !ok {
			want[w.fp] = w
			list = append(list, w.fp)
		}
	}
	for _, part := range chunks(list) {
		rows, err := tx.Query(ctx, anonymous(tx, `SELECT fingerprint, id FROM analytics_worker WHERE fingerprint IN (`+placeholders(1, len(part))+`)`), part...)
		if err != nil {
			return nil, nil, fmt.Errorf("analytics: reading workers: %w", err)
		}
		for rows.Next() {
			var fp string
			var id int64
			if err := rows.Scan(&fp, &id); err != nil {
				rows.Close()
				return nil, nil, err
			}
			added[fp] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	if len(added) < len(list) {
		var next int64
		if err := tx.QueryRow(ctx, `SELECT COALESCE(MAX(id), 0) FROM analytics_worker`).Scan(&next); err != nil {
			return nil, nil, fmt.Errorf("analytics: allocating worker ids: %w", err)
		}
		b, err := tx.Batch(store.Insert{Table: "analytics_worker", Columns: []string{"id", "fingerprint", "ihris_id", "name", "gender",
			"facility_id", "facility", "district_id", "district", "region_id", "region", "cadre", "cadre_name"}})
		if err != nil {
			return nil, nil, err
		}
		for _, v := range list {
			fp := v.(string)
			if _, ok := added[fp]; ok {
				continue
			}
			w := want[fp]
			next++
			if err := b.Add(ctx, next, fp, w.ID, w.Name, w.Gender, w.FacilityID, w.Facility, w.DistrictID, w.District,
				w.RegionID, w.Region, w.Cadre, w.CadreName); err != nil {
				return nil, nil, fmt.Errorf("analytics: recording a worker: %w", err)
			}
			added[fp] = next
		}
		if err := b.Flush(ctx); err != nil {
			return nil, nil, fmt.Errorf("analytics: recording workers: %w", err)
		}
	}
	for i, w := range workers {
		if w == nil {
			continue
		}
		if id, ok := ids[w.fp]; ok {
			out[i] = id
		} else {
			out[i] = added[w.fp]
		}
	}
	return out, added, nil
}

// linkMessages gives the messages of the contacts (of one flow) to their
// runs: each message belongs to the contact's latest run of the flow begun
// before it. Then it counts again the messages of those contacts' runs.
// When onlyIfAny, it first checks that any of them has a message, which a
// first ingest of runs, before any message, makes the common case.
func linkMessages(ctx context.Context, tx *store.Tx, flowID int64, contacts []any, onlyIfAny bool) error {
	for _, part := range chunks(contacts) {
		in := placeholders(2, len(part))
		args := append([]any{flowID}, part...)
		if onlyIfAny {
			var one int
			err := tx.QueryRow(ctx, anonymous(tx, `SELECT COUNT(*) FROM (SELECT 1 FROM analytics_message WHERE flow_id = $1 AND contact_uuid IN (`+in+`) LIMIT 1) x`), args...).Scan(&one)
			if err != nil {
				return fmt.Errorf("analytics: linking messages: %w", err)
			}
			if one == 0 {
				continue
			}
		}
		if _, err := tx.Exec(ctx, anonymous(tx, `
UPDATE analytics_message SET run_id = (
	SELECT d.id FROM analytics_run_detail d
	WHERE d.flow_id = analytics_message.flow_id AND d.contact_uuid = analytics_message.contact_uuid
		AND d.created_on <= analytics_message.created_on
	ORDER BY d.created_on DESC, d.id DESC LIMIT 1)
WHERE flow_id = $1 AND contact_uuid IN (`+in+`)`), args...); err != nil {
			return fmt.Errorf("analytics: linking messages to runs: %w", err)
		}
		if _, err := tx.Exec(ctx, anonymous(tx, `
UPDATE analytics_run SET
	out_msgs = (SELECT COUNT(*) FROM analytics_message m WHERE m.run_id = analytics_run.id AND m.direction = 'out'),
	out_failed = (SELECT COUNT(*) FROM analytics_message m WHERE m.run_id = analytics_run.id AND m.direction = 'out'
		AND m.status IN ('failed', 'errored'))
WHERE id IN (SELECT id FROM analytics_run_detail WHERE flow_id = $1 AND contact_uuid IN (`+in+`))`), args...); err != nil {
			return fmt.Errorf("analytics: counting the messages of runs: %w", err)
		}
	}
	return nil
}
