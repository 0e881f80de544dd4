package analytics

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/mhero-go/mhero/rapidpro"
	"github.com/mhero-go/mhero/store"
	"github.com/mhero-go/mhero/workflow/flow"
)

// Monitor keeps the workflows of one RapidPro workspace under watch: it
// fetches their runs, flow starts and message deliveries into the state
// database ([Monitor.Refresh]) and analyses them ([Monitor.Analyze],
// [Monitor.NonResponders], [Monitor.Month], …). The analyses read only the
// database, so reports can be written without a connection to RapidPro.
//
// A Monitor is safe for concurrent use, and several processes may share
// one database: refreshes of a workspace take turns under a lock.
type Monitor struct {
	db        *store.DB
	workspace string
	cfg       config

	wmu    sync.Mutex
	windex *workerIndex // the stored workers read so far

	zmu      sync.Mutex
	zoneRead bool // the workspace's zone was read from RapidPro once
}

type config struct {
	dir        Directory
	loc        *time.Location
	thresholds Thresholds
	holder     string
	progress   func(Progress)
	settle     time.Duration
	now        func() time.Time
	batch      int
}

// Option configures a Monitor.
type Option func(*config) error

// WithDirectory sets where the health worker behind each contact is found
// (see [Directory]); usually the attributes the target sync recorded,
// through [TargetDirectory]. Without one, every run's worker is unknown and
// the breakdowns by place and cadre have a single "(unknown)" group.
func WithDirectory(d Directory) Option {
	return func(c *config) error {
		c.dir = d
		return nil
	}
}

// WithLocation sets the time zone of weeks, months and send labels
// (default UTC). Use the workspace's, so that a week starts on a Monday
// where the health workers are: [Monitor.Location] gives the one recorded
// in the store, offline.
func WithLocation(loc *time.Location) Option {
	return func(c *config) error {
		if loc == nil {
			return errors.New("analytics: WithLocation: nil location")
		}
		c.loc = loc
		return nil
	}
}

// WithThresholds sets what the analyses flag (see [Thresholds]).
func WithThresholds(t Thresholds) Option {
	return func(c *config) error {
		if t.Alpha >= 1 || t.MinGap >= 1 || t.MinMisfit >= 1 {
			return fmt.Errorf("analytics: WithThresholds: Alpha, MinGap and MinMisfit are proportions below 1")
		}
		c.thresholds = t.withDefaults()
		return nil
	}
}

// WithHolder names this process in the refresh lock, so that another
// process kept waiting is told who refreshes ("mhero monitor by alice").
func WithHolder(name string) Option {
	return func(c *config) error {
		c.holder = name
		return nil
	}
}

// WithProgress calls fn as a refresh goes (from the refreshing goroutine).
func WithProgress(fn func(Progress)) Option {
	return func(c *config) error {
		c.progress = fn
		return nil
	}
}

// WithMessageSettle sets how long after it was created a message may
// still change status (queued, wired or sent becoming delivered or failed,
// errored being retried): each refresh reads again the messages created
// that long before the newest one whose status was not final (default 72
// hours). 0 reads each message once.
func WithMessageSettle(d time.Duration) Option {
	return func(c *config) error {
		if d < 0 {
			return errors.New("analytics: WithMessageSettle: negative duration")
		}
		c.settle = d
		return nil
	}
}

// WithClock sets the clock that dates tracking and refreshes (default
// time.Now). Monitoring a sandbox, whose time is simulated, give it the
// sandbox's (sandbox.Sandbox.Now): a refresh dated by the wall clock would
// be months away from the runs it fetched, and the reports would say so.
func WithClock(now func() time.Time) Option {
	return func(c *config) error {
		c.now = now
		return nil
	}
}

// New returns the Monitor of the RapidPro workspace with the given UUID
// ([rapidpro.Client.WorkspaceUUID]), keeping its state in db, whose
// analytics tables it creates or upgrades.
func New(ctx context.Context, db *store.DB, workspace string, opts ...Option) (*Monitor, error) {
	if db == nil {
		return nil, errors.New("analytics: New needs a database")
	}
	if workspace == "" {
		return nil, errors.New("analytics: New needs the workspace UUID (rapidpro.Client.WorkspaceUUID after a first request, or the Workspace endpoint)")
	}
	cfg := config{loc: time.UTC, thresholds: DefaultThresholds, settle: 72 * time.Hour, now: time.Now, batch: 1000}
	for _, opt := range opts {
		if err := opt(&cfg); err != nil {
			return nil, err
		}
	}
	if err := db.Migrate(ctx, owner, migrations); err != nil {
		return nil, err
	}
	return &Monitor{db: db, workspace: workspace, cfg: cfg}, nil
}

// Workspaces lists the RapidPro workspaces whose workflows db tracks, so
// that a program writing reports offline can find the one to report on
// without asking RapidPro. It creates or upgrades the analytics tables, as
// New does.
func Workspaces(ctx context.Context, db *store.DB) ([]string, error) {
	if err := db.Migrate(ctx, owner, migrations); err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, `SELECT DISTINCT workspace FROM analytics_flow ORDER BY workspace`)
	if err != nil {
		return nil, fmt.Errorf("analytics: listing workspaces: %w", err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var ws string
		if err := rows.Scan(&ws); err != nil {
			return nil, err
		}
		out = append(out, ws)
	}
	return out, rows.Err()
}

// Workspace returns the UUID of the workspace the Monitor watches.
func (m *Monitor) Workspace() string { return m.workspace }

// Track starts watching the flow f (from a compiled workflow, an export or
// RapidPro's definitions endpoint), or updates what the Monitor knows of it
// after a new revision: its questions, their categories and the nodes that
// ask them (the runs already stored are judged again when that changes
// what their answers mean). The next Refresh fetches a newly tracked
// flow's runs from the beginning.
func (m *Monitor) Track(ctx context.Context, f *flow.Flow) error {
	if f == nil || f.UUID == "" {
		return errors.New("analytics: Track needs a flow with a UUID")
	}
	changed := false
	err := m.db.InTx(ctx, func(tx *store.Tx) error {
		if _, err := tx.Exec(ctx, `
INSERT INTO analytics_flow (workspace, uuid, name, tracked_on) VALUES ($1, $2, $3, $4)
ON CONFLICT (workspace, uuid) DO UPDATE SET name = excluded.name`, m.workspace, f.UUID, f.Name, m.cfg.now()); err != nil {
			return fmt.Errorf("analytics: tracking flow %s: %w", f.UUID, err)
		}
		fs, err := loadFlow(ctx, tx, m.workspace, f.UUID)
		if err != nil {
			return err
		}
		before := fs.judging()
		fs.define(f)
		changed = fs.judging() != before
		return fs.save(ctx, tx)
	})
	if err != nil || !changed {
		return err
	}
	// The runs' outcomes were judged by other questions: judge them again.
	return m.rejudge(ctx, f.UUID)
}

// judging describes what judging a run's facts depends on.
func (fs *flowState) judging() string {
	var b strings.Builder
	for _, qu := range fs.questions {
		fmt.Fprintf(&b, "%d:%v:%d:%d;", qu.idx, qu.wait, qu.otherIdx, qu.timeoutIdx)
	}
	return b.String()
}

// rejudge computes again the outcomes of a flow's runs from their facts,
// a thousand runs a transaction.
func (m *Monitor) rejudge(ctx context.Context, flowUUID string) error {
	last := int64(0)
	for {
		next := last
		err := m.db.InTx(ctx, func(tx *store.Tx) error {
			next = last // the function may run again: it starts afresh
			fs, err := loadFlow(ctx, tx, m.workspace, flowUUID)
			if err != nil {
				return err
			}
			rows, err := tx.Query(ctx, `SELECT id, exit_type, responded, facts FROM analytics_run WHERE flow_id = $1 AND id > $2 ORDER BY id LIMIT 1000`, fs.id, last)
			if err != nil {
				return fmt.Errorf("analytics: reading runs: %w", err)
			}
			type judged struct {
				id    int64
				o     outcome
				state int64
			}
			var list []judged
			var facts []fact
			for rows.Next() {
				var j judged
				var exit string
				var responded bool
				var text []byte
				if err := rows.Scan(&j.id, &exit, &responded, &text); err != nil {
					rows.Close()
					return err
				}
				if facts, err = parseFacts(facts[:0], text); err != nil {
					rows.Close()
					return fmt.Errorf("analytics: run %d: %w", j.id, err)
				}
				j.o = judge(fs, exit, facts)
				j.state = packState(exit, responded, j.o)
				list = append(list, j)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			for _, j := range list {
				if _, err := tx.Exec(ctx, `UPDATE analytics_run SET answered = $1, misfits = $2, replied = $3, stop_q = $4, answered_all = $5, state = $6 WHERE id = $7`,
					j.o.answered, int64(j.o.misfits), int64(j.o.replied), j.o.stopAt, j.o.answeredAll, j.state, j.id); err != nil {
					return fmt.Errorf("analytics: judging run %d: %w", j.id, err)
				}
			}
			if len(list) > 0 {
				next = list[len(list)-1].id
			}
			return nil
		})
		if err != nil || next == last {
			return err
		}
		last = next
	}
}

// TrackRapidPro tracks a flow of the workspace by its UUID, reading its
// definition from RapidPro (the definitions endpoint). The first time a
// Monitor tracks or refreshes with a client, it also records the
// workspace's time zone (see [Monitor.Location]).
func (m *Monitor) TrackRapidPro(ctx context.Context, rp *rapidpro.Client, flowUUID string) error {
	if err := m.checkClient(rp); err != nil {
		return err
	}
	if _, err := m.recordZone(ctx, rp); err != nil {
		return err
	}
	exp, err := rp.Definitions.Get(ctx, &rapidpro.DefinitionsParams{Flows: []string{flowUUID}, Dependencies: "none"})
	if err != nil {
		return fmt.Errorf("analytics: reading the definition of flow %s: %w", flowUUID, err)
	}
	for _, raw := range exp.Flows {
		var head struct {
			UUID string `json:"uuid"`
		}
		if json.Unmarshal(raw, &head) != nil || head.UUID != flowUUID {
			continue
		}
		f, err := flow.ParseFlow(raw)
		if err != nil {
			return fmt.Errorf("analytics: the definition of flow %s: %w", flowUUID, err)
		}
		return m.Track(ctx, f)
	}
	return fmt.Errorf("analytics: RapidPro has no flow %s", flowUUID)
}

// recordZone reads the workspace's time zone from RapidPro and records it,
// once per Monitor: a zone seldom changes, and a refresh with nothing new
// should cost a request per endpoint it reads. It says whether it made the
// request. A server without the workspace endpoint (404) records nothing:
// the reports then default to UTC, as before.
func (m *Monitor) recordZone(ctx context.Context, rp *rapidpro.Client) (bool, error) {
	m.zmu.Lock()
	defer m.zmu.Unlock()
	if m.zoneRead {
		return false, nil
	}
	ws, err := rp.Workspace.Get(ctx)
	if errors.Is(err, rapidpro.ErrNotFound) {
		m.zoneRead = true
		return true, nil
	}
	if err != nil {
		return true, fmt.Errorf("analytics: reading the workspace's time zone: %w", err)
	}
	if ws.UUID != "" && ws.UUID != m.workspace {
		return true, fmt.Errorf("analytics: the RapidPro client is for workspace %s, the Monitor for %s", ws.UUID, m.workspace)
	}
	if ws.Timezone != "" {
		if _, err := m.db.Exec(ctx, `
INSERT INTO analytics_workspace (workspace, timezone) VALUES ($1, $2)
ON CONFLICT (workspace) DO UPDATE SET timezone = excluded.timezone`, m.workspace, ws.Timezone); err != nil {
			return true, fmt.Errorf("analytics: recording the workspace's time zone: %w", err)
		}
	}
	m.zoneRead = true
	return true, nil
}

// Location returns the workspace's time zone, as RapidPro reported it
// when the Monitor (or another on the same store) last tracked or
// refreshed with a client, so that a report written offline shows the
// times of the place the health workers are. It is UTC when no zone was
// recorded, and an error when the recorded name is not a zone this system
// knows (a program can import time/tzdata to know them all).
func (m *Monitor) Location(ctx context.Context) (*time.Location, error) {
	var name string
	err := m.db.QueryRow(ctx, `SELECT timezone FROM analytics_workspace WHERE workspace = $1`, m.workspace).Scan(&name)
	if errors.Is(err, sql.ErrNoRows) {
		return time.UTC, nil
	}
	if err != nil {
		return nil, fmt.Errorf("analytics: reading the workspace's time zone: %w", err)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("analytics: the workspace's time zone %q: %w", name, err)
	}
	return loc, nil
}

// checkClient refuses a client of another workspace, when it knows its own.
func (m *Monitor) checkClient(rp *rapidpro.Client) error {
	if rp == nil {
		return errors.New("analytics: no RapidPro client")
	}
	if ws := rp.WorkspaceUUID(); ws != "" && ws != m.workspace {
		return fmt.Errorf("analytics: the RapidPro client is for workspace %s, the Monitor for %s", ws, m.workspace)
	}
	return nil
}

// Untrack stops watching a flow and deletes its runs, sends' links and
// messages from the store.
func (m *Monitor) Untrack(ctx context.Context, flowUUID string) error {
	return m.db.InTx(ctx, func(tx *store.Tx) error {
		fs, err := loadFlow(ctx, tx, m.workspace, flowUUID)
		if err != nil {
			return err
		}
		for _, q := range []string{
			`DELETE FROM analytics_run WHERE flow_id = $1`,
			`DELETE FROM analytics_run_detail WHERE flow_id = $1`,
			`DELETE FROM analytics_flow WHERE id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, fs.id); err != nil {
				return fmt.Errorf("analytics: untracking flow %s: %w", flowUUID, err)
			}
		}
		return store.DeleteCursor(ctx, tx, runsCursor(m.workspace, flowUUID))
	})
}

// Flows lists the tracked flows, by name.
func (m *Monitor) Flows(ctx context.Context) ([]Flow, error) {
	rows, err := m.db.Query(ctx, `SELECT uuid FROM analytics_flow WHERE workspace = $1 ORDER BY name, uuid`, m.workspace)
	if err != nil {
		return nil, fmt.Errorf("analytics: listing flows: %w", err)
	}
	var uuids []string
	for rows.Next() {
		var u string
		if err := rows.Scan(&u); err != nil {
			rows.Close()
			return nil, err
		}
		uuids = append(uuids, u)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]Flow, 0, len(uuids))
	for _, u := range uuids {
		f, err := m.Flow(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// Flow describes a tracked flow.
func (m *Monitor) Flow(ctx context.Context, flowUUID string) (Flow, error) {
	fs, err := loadFlow(ctx, m.db, m.workspace, flowUUID)
	if err != nil {
		return Flow{}, err
	}
	f := Flow{UUID: fs.uuid, Name: fs.name, Questions: fs.describe()}
	var refreshed nullTime
	err = m.db.QueryRow(ctx, `SELECT tracked_on, refreshed_on FROM analytics_flow WHERE id = $1`, fs.id).Scan(&f.TrackedOn, &refreshed)
	f.RefreshedOn = refreshed.t
	return f, err
}

// describe returns the questions' descriptions in flow order.
func (fs *flowState) describe() []Question {
	out := make([]Question, 0, len(fs.questions))
	for _, qu := range fs.ordered() {
		out = append(out, Question{Key: qu.key, Name: qu.name, Text: qu.text, Position: qu.position, Wait: qu.wait, Categories: qu.display(),
			Type: qu.answer.Type, Min: qu.answer.Min, Max: qu.answer.Max})
	}
	return out
}

// ordered returns the questions by position.
func (fs *flowState) ordered() []*question {
	out := slices.Clone(fs.questions)
	slices.SortStableFunc(out, func(a, b *question) int { return a.position - b.position })
	return out
}

// display returns the categories in the order reports show them: the
// definition's, then those only runs have.
func (q *question) display() []string {
	out := append([]string{}, q.shown...)
	for _, c := range q.categories {
		if !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// nullTime scans a nullable time.
type nullTime struct{ t time.Time }

func (n *nullTime) Scan(src any) error {
	if src == nil {
		n.t = time.Time{}
		return nil
	}
	return store.ScanTime(&n.t).Scan(src)
}

func runsCursor(workspace, flowUUID string) string {
	return "analytics/runs/" + workspace + "/" + flowUUID
}
